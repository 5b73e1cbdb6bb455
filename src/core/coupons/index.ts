export {
  createCoupon,
  createCouponInput,
  listShopCoupons,
  deleteCoupon,
  listAllCoupons,
  allCouponsInput,
  getCouponValue,
  couponForCheckout,
  couponUses,
  couponGone,
  toCouponDto,
  type CouponDto,
} from './coupons.ts';

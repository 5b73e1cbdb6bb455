export {
  createCoupon,
  createCouponInput,
  listShopCoupons,
  deleteCoupon,
  listAllCoupons,
  allCouponsInput,
  getCouponValue,
  couponForCheckout,
  redeemCoupon,
  toCouponDto,
  type CouponDto,
} from './coupons.ts';

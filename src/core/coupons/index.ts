export {
  createCoupon,
  createCouponInput,
  listShopCoupons,
  deleteCoupon,
  getCouponValue,
  couponForCheckout,
  redeemCoupon,
  toCouponDto,
  type CouponDto,
} from './coupons.ts';

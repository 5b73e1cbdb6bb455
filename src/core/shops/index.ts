export type { SellerDto, PublicShopDto } from './dto.ts';
export { publicShopDto, sellerDto, toPublicShopDto } from './dto.ts';
export { getSellerProfile, getPublicShop, withdrawalPayee } from './get-shop.ts';
export { registerShop, registerShopInput } from './register-shop.ts';
export { activateShop } from './activate-shop.ts';
export { loginShop } from './login-shop.ts';
export {
  updateSellerInfo,
  updateSellerInfoInput,
  updateShopAvatar,
  setWithdrawMethod,
  removeWithdrawMethod,
  withdrawMethodInput,
} from './update-shop.ts';
export { listShops, deleteShop, setShopBan, showShop, getShopBalance, type AdminShopDto } from './admin.ts';

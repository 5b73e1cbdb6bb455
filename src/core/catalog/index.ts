export type { ListingDto, ListingPage, ProductDetailDto, ListingShopDto, ReviewDto, EventPhase } from './dto.ts';
export { listingDto, listingPageDto, productDetailDto } from './dto.ts';
export { averageRating, eventPhase } from './dto.ts';
export { listingId, MAX_PRICE_MINOR, MAX_STOCK, MAX_TAGS } from './fields.ts';
export { MIN_IMAGES, MAX_IMAGES } from './images.ts';
export { createProduct, createProductInput, type CreateProductInput } from './create-product.ts';
export { updateProduct, updateProductInput, type UpdateProductInput } from './update-product.ts';
export { deleteProduct, deleteEvent, restoreListing, restoreListingInput, type DeletedListing } from './delete-listing.ts';
export { getProduct } from './get-product.ts';
export { loadCatalogIndex } from './catalog-index.ts';
export {
  searchProducts,
  searchProductsJson,
  searchProductsInput,
  listShopProducts,
  shopProductsInput,
  adminListProducts,
  adminProductsInput,
  productSorts,
  prefixQuery,
  type ProductSort,
  type SearchProductsInput,
} from './search-products.ts';
export { createEvent, createEventInput, type CreateEventInput } from './create-event.ts';
export { listEvents, listShopEvents, adminListEvents, listEventsInput, adminEventsInput } from './list-events.ts';
export {
  approveListing,
  rejectListing,
  hideListing,
  moderationInput,
  moderationWithReasonInput,
  type ModerationInput,
  type ModerationResult,
} from './moderation.ts';
export {
  seedCatalog,
  seedCatalogInput,
  seedCategories,
  type SeedCatalogInput,
  type SeedCatalogResult,
  type SeedProgress,
} from './seed-catalog.ts';

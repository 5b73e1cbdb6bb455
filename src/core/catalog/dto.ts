import type { ReviewDto } from '../reviews/index.ts';
import type { Image, ListingKind, ModerationStatus } from '../db/schema/index.ts';
import { products, productStock, shops } from '../db/schema/index.ts';
import { minorToMajor } from '../shared/money.ts';
import { toPublicShopDto, type PublicShopDto } from '../shops/index.ts';

export type ListingRow = Omit<typeof products.$inferSelect, 'search'> & Pick<typeof productStock.$inferSelect, 'stock' | 'soldCount'>;
/** The shop columns a listing reads (see `shopColumns`). */
export type ShopRow = Pick<typeof shops.$inferSelect, 'id' | 'name' | 'description' | 'avatar' | 'address' | 'createdAt' | 'deletedAt' | 'bannedAt'>;

/** The public shop projection a listing embeds, with the shop's average rating over its listings. */
export interface ListingShopDto extends PublicShopDto {
  ratings: number;
}

/** A review as the product page shows it (written by buyers of delivered orders). */
export type { ReviewDto } from '../reviews/index.ts';

export type EventPhase = 'upcoming' | 'running' | 'ended';

/** A listing as the storefront renders it: money in major units, `_id`, ISO timestamps. */
export interface ListingDto {
  _id: string;
  kind: ListingKind;
  name: string;
  description: string;
  category: string;
  tags: string[];
  images: Image[];
  originalPrice: number;
  discountPrice: number | null;
  /** What a buyer pays: the discount price when set, else the original. */
  price: number;
  stock: number;
  /** Units sold. */
  sold_out: number;
  /** Average rating, one decimal; 0 when unrated. */
  ratings: number;
  numReviews: number;
  shopId: string;
  shop: ListingShopDto;
  status: ModerationStatus;
  moderationReason: string | null;
  createdAt: string;
  updatedAt: string;
  // Events only:
  start_Date?: string;
  finish_Date?: string;
  /** Same as finish_Date, for storefronts that read this spelling. */
  Finish_Date?: string;
  /** Where now falls in the sale window. */
  eventStatus?: EventPhase;
}

export interface ProductDetailDto extends ListingDto {
  reviews: ReviewDto[];
}

/** Average ×10, rounded half up, exactly as the `ratingX10` SQL expression computes it. */
export const ratingX10 = (sum: number, count: number) => (count > 0 ? Math.floor((sum * 20 + count) / (count * 2)) : 0);
export const averageRating = (sum: number, count: number) => ratingX10(sum, count) / 10;

export function eventPhase(startsAt: Date, endsAt: Date, now: Date): EventPhase {
  if (now < startsAt) return 'upcoming';
  return now < endsAt ? 'running' : 'ended';
}

export interface ShopRating {
  sum: number;
  count: number;
}

export function toListingDto(p: ListingRow, shop: ShopRow, shopRating: ShopRating, now: Date): ListingDto {
  const dto: ListingDto = {
    _id: p.id,
    kind: p.kind,
    name: p.name,
    description: p.description,
    category: p.category,
    tags: p.tags,
    images: p.images,
    originalPrice: minorToMajor(p.originalPriceMinor),
    discountPrice: p.discountPriceMinor === null ? null : minorToMajor(p.discountPriceMinor),
    price: minorToMajor(p.priceMinor),
    stock: p.stock,
    sold_out: p.soldCount,
    ratings: averageRating(p.ratingSum, p.ratingCount),
    numReviews: p.ratingCount,
    shopId: p.shopId,
    shop: { ...toPublicShopDto(shop), ratings: averageRating(shopRating.sum, shopRating.count) },
    status: p.status,
    moderationReason: p.moderationReason,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
  if (p.kind === 'event' && p.startsAt && p.endsAt) {
    dto.start_Date = p.startsAt.toISOString();
    dto.finish_Date = p.endsAt.toISOString();
    dto.Finish_Date = dto.finish_Date;
    dto.eventStatus = eventPhase(p.startsAt, p.endsAt, now);
  }
  return dto;
}

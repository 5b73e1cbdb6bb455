import { z } from 'zod';
import { reviewDto } from '../reviews/index.ts';
import { imageDto, listingKinds, moderationStatuses, products, productStock, shops } from '../db/schema/index.ts';
import { isoTime } from '../shared/dto.ts';
import { idSchema } from '../shared/ids.ts';
import { listingId } from './fields.ts';
import { minorToMajor } from '../shared/money.ts';
import { pageDto } from '../shared/pagination.ts';
import { publicShopDto, toPublicShopDto } from '../shops/index.ts';

export type ListingRow = Omit<typeof products.$inferSelect, 'search'> & Pick<typeof productStock.$inferSelect, 'stock' | 'soldCount'>;
/** The shop columns a listing reads (see `shopColumns`). */
export type ShopRow = Pick<typeof shops.$inferSelect, 'id' | 'name' | 'description' | 'avatar' | 'address' | 'createdAt' | 'deletedAt' | 'bannedAt'>;

/** The public shop projection a listing embeds, with the shop's average rating over its listings. */
export const listingShopDto = publicShopDto.extend({ ratings: z.number() });
export type ListingShopDto = z.infer<typeof listingShopDto>;

/** A review as the product page shows it (written by buyers of delivered orders). */
export type { ReviewDto } from '../reviews/index.ts';

const eventPhases = ['upcoming', 'running', 'ended'] as const;
export type EventPhase = (typeof eventPhases)[number];

/** A listing as the storefront renders it: money in major units, `_id`, ISO timestamps. */
export const listingDto = z.object({
  _id: listingId,
  kind: z.enum(listingKinds),
  name: z.string(),
  description: z.string(),
  category: z.string(),
  tags: z.array(z.string()),
  images: z.array(imageDto),
  originalPrice: z.number(),
  discountPrice: z.number().nullable(),
  /** What a buyer pays: the discount price when set, else the original. */
  price: z.number(),
  stock: z.number().int(),
  /** Units sold. */
  sold_out: z.number().int(),
  /** Average rating, one decimal; 0 when unrated. */
  ratings: z.number(),
  numReviews: z.number().int(),
  shopId: idSchema('shop'),
  shop: listingShopDto,
  status: z.enum(moderationStatuses),
  moderationReason: z.string().nullable(),
  createdAt: isoTime,
  updatedAt: isoTime,
  // Events only:
  start_Date: isoTime.optional(),
  finish_Date: isoTime.optional(),
  /** Same as finish_Date, for storefronts that read this spelling. */
  Finish_Date: isoTime.optional(),
  /** Where now falls in the sale window. */
  eventStatus: z.enum(eventPhases).optional(),
});
export type ListingDto = z.infer<typeof listingDto>;

/** The page a listing list is; the public catalog counts matches only up to a bound, past which `total` is that bound. */
export const listingPageDto = pageDto.extend({ totalExact: z.boolean() });
export type ListingPage = z.infer<typeof listingPageDto>;

export const productDetailDto = listingDto.extend({ reviews: z.array(reviewDto) });
export type ProductDetailDto = z.infer<typeof productDetailDto>;

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

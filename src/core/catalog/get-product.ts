import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { products, productStock, shops } from '../db/schema/index.ts';
import { notFound } from '../shared/errors.ts';
import { productReviewsJson, toReviewDtos } from '../reviews/index.ts';
import { listingId } from './fields.ts';
import { canView, listingColumns, parseIdParam, shopColumns, shopRatingOf, withStock } from './listings.ts';
import { toListingDto, type ProductDetailDto } from './dto.ts';

/*
 * The whole page in one statement: the listing, its shop, the shop's rating summed over its listings
 * and the newest reviews.
 */
const productPage = prepared((db) =>
  db
    .select({
      product: listingColumns,
      shop: shopColumns,
      shopRating: shopRatingOf(sql`${products}.shop_id`),
      reviews: productReviewsJson(products.id),
    })
    .from(products)
    .innerJoin(productStock, withStock)
    .innerJoin(shops, eq(shops.id, products.shopId))
    .where(and(eq(products.id, sql.placeholder('id')), isNull(products.deletedAt)))
    .prepare('catalog_product_page'),
);

/**
 * The product page: a product or event with its public shop and reviews. Anyone sees an active listing
 * of a live shop; the owning shop and admins also see it while pending, hidden or rejected. Everyone
 * else gets 404, as if it did not exist.
 */
export async function getProduct(ctx: Ctx, rawId: unknown): Promise<ProductDetailDto> {
  const id = parseIdParam(listingId, rawId);
  const [row] = await productPage(ctx.db).execute({ id });
  if (!row || !canView(ctx.actor, row.product, row.shop)) throw notFound('Product');
  const [sum, count] = row.shopRating;
  return { ...toListingDto(row.product, row.shop, { sum, count }, ctx.clock.now()), reviews: toReviewDtos(row.reviews) };
}

import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { namedStatement } from '../db/prepared.ts';
import { products, productStock, shops } from '../db/schema/index.ts';
import { notFound } from '../shared/errors.ts';
import { productReviewsJson, toReviewDtos } from '../reviews/index.ts';
import { listingId } from './fields.ts';
import { canView, parseIdParam, rawListingColumns, shopRatingOf, toListingRow, type RawListing } from './listings.ts';
import { toListingDto, type ProductDetailDto } from './dto.ts';

/*
 * The whole page in one named statement: the listing, its shop, the shop's rating summed over its
 * listings and the newest reviews, as one JSON value (toListingRow takes its dates as text). As 33
 * columns, pg decoded every column's description and value on each execution, most of the API's own
 * CPU for a product page after the HTTP stack.
 */
type ProductPageRow = RawListing & { shop_rating: [number, number]; reviews: Parameters<typeof toReviewDtos>[0] };
const productPage = namedStatement<{ page: ProductPageRow }>(
  sql`SELECT to_json(p) AS page FROM (
        SELECT ${rawListingColumns}, ${shopRatingOf(sql`products.shop_id`)} AS shop_rating, ${productReviewsJson(products.id)} AS reviews
        FROM ${products} JOIN ${productStock} ON product_stock.product_id = products.id
        JOIN ${shops} s ON s.id = products.shop_id
        WHERE products.id = ${sql.placeholder('id')} AND products.deleted_at IS NULL) p`,
);

/**
 * The product page: a product or event with its public shop and reviews. Anyone sees an active listing
 * of a live shop; the owning shop and admins also see it while pending, hidden or rejected. Everyone
 * else gets 404, as if it did not exist.
 */
export async function getProduct(ctx: Ctx, rawId: unknown): Promise<ProductDetailDto> {
  const id = parseIdParam(listingId, rawId);
  const [found] = await productPage(ctx.db, { id });
  const raw = found?.page;
  if (!raw) throw notFound('Product');
  const row = toListingRow(raw);
  if (!canView(ctx.actor, row.product, row.shop)) throw notFound('Product');
  const [sum, count] = raw.shop_rating;
  return { ...toListingDto(row.product, row.shop, { sum, count }, ctx.clock.now()), reviews: toReviewDtos(raw.reviews) };
}

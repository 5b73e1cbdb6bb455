import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { orderLines, orders, reviews } from '../db/schema/commerce.ts';
import { products } from '../db/schema/index.ts';
import { isUniqueViolation, onCommit, withTx } from '../db/tx.ts';
import { catalogChanged } from '../catalog/catalog-version.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { idSchema, newId } from '../shared/ids.ts';
import { requiredText } from '../shared/fields.ts';
import { parseInput } from '../shared/validation.ts';

export const createReviewInput = z.object({
  productId: z.union([idSchema('product'), idSchema('event')], { message: 'must be a product or event id' }),
  orderId: idSchema('order'),
  rating: z.coerce.number({ message: 'must be a number' }).int('must be a whole number 1–5').min(1, 'must be 1–5').max(5, 'must be 1–5'),
  comment: requiredText(2000),
});

/**
 * A buyer reviews a product they received: the order must be theirs, contain the product and be
 * delivered; one review per order line. Product ratings are kept as exact sums and counts.
 */
export async function createReview(ctx: Ctx, userId: string, raw: unknown): Promise<{ reviewId: string }> {
  const input = parseInput(createReviewInput, raw);
  return withTx(ctx, async (tx) => {
    const [line] = await tx
      .select({ line: orderLines, order: orders })
      .from(orderLines)
      .innerJoin(orders, eq(orders.id, orderLines.orderId))
      .where(and(eq(orderLines.orderId, input.orderId), eq(orderLines.productId, input.productId), eq(orders.userId, userId)))
      .for('update', { of: orderLines });
    if (!line) throw notFound('Order line');
    if (line.order.status !== 'Delivered')
      throw new AppError('INVALID_STATE', `You can review this product once the order is delivered (it is "${line.order.status}")`);
    if (line.line.reviewedAt) throw new AppError('CONFLICT', 'You have already reviewed this product for this order');
    const now = ctx.clock.now();
    const id = newId('review');
    try {
      await tx.insert(reviews).values({
        id,
        productId: input.productId,
        shopId: line.order.shopId,
        orderId: input.orderId,
        orderLineId: line.line.id,
        userId,
        rating: input.rating,
        comment: input.comment,
        createdAt: now,
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('CONFLICT', 'You have already reviewed this product for this order');
      throw err;
    }
    await tx.update(orderLines).set({ reviewedAt: now }).where(eq(orderLines.id, line.line.id));
    await tx
      .update(products)
      .set({ ratingSum: sql`${products.ratingSum} + ${input.rating}`, ratingCount: sql`${products.ratingCount} + 1` })
      .where(eq(products.id, input.productId));
    onCommit(tx, catalogChanged);
    return { reviewId: id };
  });
}

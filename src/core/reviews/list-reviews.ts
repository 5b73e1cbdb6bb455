import { desc, eq } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { reviews } from '../db/schema/commerce.ts';
import { users, type Image } from '../db/schema/index.ts';

export interface ReviewDto {
  _id: string;
  user: { _id: string; name: string; avatar: Image | null };
  rating: number;
  comment: string;
  createdAt: string;
}

/** The newest reviews of a product with each reviewer's public name and avatar. */
export async function listProductReviews(ctx: Ctx, productId: string, limit = 50): Promise<ReviewDto[]> {
  const rows = await ctx.db
    .select({ review: reviews, name: users.name, avatar: users.avatar })
    .from(reviews)
    .innerJoin(users, eq(users.id, reviews.userId))
    .where(eq(reviews.productId, productId))
    .orderBy(desc(reviews.createdAt), desc(reviews.id))
    .limit(limit);
  return rows.map((r) => ({
    _id: r.review.id,
    user: { _id: r.review.userId, name: r.name, avatar: r.avatar },
    rating: r.review.rating,
    comment: r.review.comment,
    createdAt: r.review.createdAt.toISOString(),
  }));
}

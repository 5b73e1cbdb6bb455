import { sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { reviews } from '../db/schema/commerce.ts';
import { z } from 'zod';
import { imageDto, users, type Image } from '../db/schema/index.ts';
import { isoTime } from '../shared/dto.ts';
import { idSchema } from '../shared/ids.ts';

export const reviewDto = z.object({
  _id: idSchema('review'),
  user: z.object({ _id: idSchema('user'), name: z.string(), avatar: imageDto.nullable() }),
  rating: z.number().int(),
  comment: z.string(),
  createdAt: isoTime,
});
export type ReviewDto = z.infer<typeof reviewDto>;

/** How `productReviewsJson` hands each review over: [id, userId, name, avatar, rating, comment, createdAt]. */
type ReviewTuple = [string, string, string, Image | null, number, string, string];

const PAGE_REVIEWS = 50;

/**
 * The newest reviews of a product, with each reviewer's public name and avatar, as one JSON array: a
 * column of the product page's own query, so the page is one round trip to the database.
 */
export const productReviewsJson = (productId: AnyPgColumn): SQL<ReviewTuple[]> => sql<ReviewTuple[]>`(
  SELECT coalesce(json_agg(json_build_array(r.id, r.user_id, r.name, r.avatar, r.rating, r.comment, r.created_at)
                           ORDER BY r.created_at DESC, r.id DESC), '[]'::json)
  FROM (SELECT rv.id, rv.user_id, u.name, u.avatar, rv.rating, rv.comment, rv.created_at
        FROM ${reviews} rv JOIN ${users} u ON u.id = rv.user_id
        WHERE rv.product_id = ${productId}
        ORDER BY rv.created_at DESC, rv.id DESC
        LIMIT ${sql.raw(String(PAGE_REVIEWS))}) r)`;

export const toReviewDtos = (rows: ReviewTuple[]): ReviewDto[] =>
  rows.map(([id, userId, name, avatar, rating, comment, createdAt]) => ({
    _id: id,
    user: { _id: userId, name, avatar },
    rating,
    comment,
    createdAt: new Date(createdAt).toISOString(),
  }));

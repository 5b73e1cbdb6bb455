import type { Request } from 'express';
import type { MessageDto } from '../../core/messaging/index.ts';
import { MAX_PAGE_SIZE } from '../../core/shared/pagination.ts';

/*
 * Where the tutorial storefront reads something other than what /api/v1 answers. Each shim is a pure
 * reshaping of a core answer; none decides anything.
 */

/**
 * The storefront loads a list once and filters it in the browser, so a list it asks for without a
 * `limit` gets the largest page the core gives (MAX_PAGE_SIZE) rather than the API's default of 20.
 */
export const wholeList = (req: Request) => ({ limit: MAX_PAGE_SIZE, ...(req.query as Record<string, unknown>) });

/**
 * The product page takes its product from a list and reads `product.reviews.length`; list items
 * carry no reviews (the page of one product, GET /api/v1/product/:id, has them), so they get an
 * empty list rather than none.
 */
export const withReviewList = <T extends object>(items: T[]) => items.map((item) => ({ reviews: [], ...item }));

/** The inbox renders `message.images.url`: one image, or none, rather than a list. */
export const withOneImage = (message: MessageDto) => ({ ...message, images: message.images[0] ?? null });


import { z } from 'zod';

export const MAX_PAGE_SIZE = 100;
// Beyond this the offset would outgrow what PostgreSQL takes as a bigint literal; no list is that long.
const MAX_PAGE = 1_000_000;

/** `page` and `limit` as every list takes them: limit defaults to 20 and is capped at 100. */
export const pageInput = z.object({
  page: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE, `must be at most ${MAX_PAGE}`)
    .default(1),
  limit: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`)
    .default(20),
});
export type PageInput = z.output<typeof pageInput>;

/** The page a list response is: its keys sit beside the list (`{ products: [...], total, page, pages }`). */
export const pageDto = z.object({ total: z.number().int(), page: z.number().int(), pages: z.number().int() });
export type Page = z.infer<typeof pageDto>;

export const pageOf = (total: number, input: PageInput): Page => ({
  total,
  page: input.page,
  pages: Math.ceil(total / input.limit),
});

export const offsetOf = (input: PageInput) => (input.page - 1) * input.limit;

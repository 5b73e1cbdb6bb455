import { timestamp } from 'drizzle-orm/pg-core';
import { z } from 'zod';

export const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
export const tsz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const imageDto = z.object({ public_id: z.string(), url: z.string() });
export type Image = z.infer<typeof imageDto>;

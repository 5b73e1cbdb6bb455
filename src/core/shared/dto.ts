import { z } from 'zod';

/**
 * A point in time as every response shows it: `Date.toISOString()`. The JSON Schema carries this
 * short pattern instead of zod's calendar-exact one, which would repeat ~400 characters per timestamp
 * through the OpenAPI document.
 */
export const isoTime = z.iso.datetime().meta({ pattern: String.raw`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$` });

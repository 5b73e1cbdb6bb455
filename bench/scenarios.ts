/**
 * The rows of the bench table, in the order they run. A scenario loads one route of one server;
 * a reference row is measured in the same run, and the table shows req/s as a ratio to it,
 * because only ratios compare across runs on a noisy machine. A reference must come earlier in the
 * list than the rows that use it (the runner checks).
 */
import type { Seed } from './seed.ts';
import type { ServerName } from './servers/index.ts';

export interface Scenario {
  name: string;
  server: ServerName;
  /** Request path; a function when it needs seeded ids. */
  path: string | ((seed: Seed) => string);
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: (seed: Seed) => Record<string, string>;
  /** JSON body for writes. */
  body?: (seed: Seed) => unknown;
  /** Every response must have this status (default 200); anything else fails the row. */
  expectStatus?: number;
  /** Name of an earlier scenario this row is compared with. */
  reference?: string;
  /** Overrides the run's connection count for this row. */
  connections?: number;
}

export const scenarios: Scenario[] = [
  { name: 'ref: express json', server: 'ref-express', path: '/json' },
  { name: 'GET /healthz', server: 'mvshop', path: '/healthz', reference: 'ref: express json' },
  { name: 'ref: express+pg pk select', server: 'ref-pg', path: (s) => `/users/${s.buyer.id}` },
  {
    name: 'GET /api/v1/user/me',
    server: 'mvshop',
    path: '/api/v1/user/me',
    headers: (s) => ({ cookie: `token=${s.buyer.token}` }),
    reference: 'ref: express+pg pk select',
  },
];

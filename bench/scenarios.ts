/**
 * The rows of the bench table, in the order they run. A scenario loads one route of one server;
 * a reference row is measured in the same run, and the table shows req/s as a ratio to it,
 * because only ratios compare across runs on a noisy machine. A reference must come earlier in the
 * list than the rows that use it (the runner checks).
 *
 * Groups are name prefixes, so `--only catalog` or `--only checkout` runs one group (with its
 * references, which the planner adds).
 */
import { buyerFlow, refCartFlow, refCheckoutFlow, storefrontOrderFlow } from './flows.ts';
import { catalogMix } from './lib/catalog-mix.ts';
import type { FlowPlan } from './lib/flow-load.ts';
import { CATALOG_PRODUCTS, CHECKOUT_PRODUCTS, need, type DataSet, type Seed } from './seed.ts';
import type { ServerName } from './servers/index.ts';

export interface Scenario {
  name: string;
  server: ServerName;
  /** Request path; a function when it needs seeded ids. For a flow row, a description of its requests. */
  path: string | ((seed: Seed) => string);
  /** Paths cycled through one request at a time (all connections share the cycle), so the load is not one hot row. */
  paths?: (seed: Seed) => string[];
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: (seed: Seed) => Record<string, string>;
  /** JSON body for writes. */
  body?: (seed: Seed) => unknown;
  /** Every response must have this status (default 200); anything else fails the row. */
  expectStatus?: number;
  /** Name of an earlier scenario this row is compared with. */
  reference?: string;
  /** Overrides the run's connection count for this row (for a flow row: the number of virtual buyers). */
  connections?: number;
  /** Data sets (seed.ts) seeded once per run before the first planned row that needs them. */
  needs?: DataSet[];
  /**
   * A multi-request flow run by lib/flow-load.ts instead of autocannon; the row then reports completed
   * flows per second (orders/s) and, when the plan says so, checks stock and orders in the database.
   */
  flow?: (seed: Seed, users: number) => FlowPlan;
  /** Extra environment for this row's server (e.g. a cache turned off). */
  env?: Record<string, string>;
  /** A line for the notes below the table, from the probe's response body (e.g. how many products a query matches). */
  note?: (body: unknown, seed: Seed) => string | undefined;
}

const catalogSearch = '/api/v1/product/get-all-products?q=leather&minPrice=10&maxPrice=100&sort=price_asc';
const totalNote = (what: string) => (body: unknown) => {
  const { total, totalExact } = (body as { total?: unknown; totalExact?: unknown } | undefined) ?? {};
  if (typeof total !== 'number') return undefined;
  // Past CATALOG_TOTAL_MAX the API counts no further (totalExact: false).
  if (totalExact === false) return `${what}: more than ${total.toLocaleString('en-US')} of ${CATALOG_PRODUCTS.toLocaleString('en-US')} products match (counted up to the bound)`;
  return `${what}: ${total.toLocaleString('en-US')} of ${CATALOG_PRODUCTS.toLocaleString('en-US')} products match (${((100 * total) / CATALOG_PRODUCTS).toFixed(1)} %)`;
};

// Built on first use, then shared by both mix rows (and every round), so they send the same sequence.
let mix: ReturnType<typeof catalogMix> | undefined;
const catalogMixPaths = () => (mix ??= catalogMix()).paths;
const mixNote = () => {
  const m = (mix ??= catalogMix());
  return `catalog mix: ${m.paths.length.toLocaleString('en-US')} requests over ${m.distinct.toLocaleString('en-US')} distinct queries (seed 13, Zipf s=1): the top 1 % of queries make ${(100 * m.top1Pct).toFixed(0)} % of requests, the top 10 % make ${(100 * m.top10Pct).toFixed(0)} %`;
};

// The catalog's ids 20 at a time, as the floor row reads them (a page's worth per request).
const listingWindows = (ids: string[]) =>
  Array.from({ length: Math.floor(ids.length / 20) }, (_, k) => `/listings?ids=${ids.slice(20 * k, 20 * k + 20).join(',')}`);

const CHECKOUT_BUYERS_AT_ONCE = 20;
const buyerFlowPath = 'POST /api/v1/cart/add-to-cart x2 (two shops), POST /api/v1/order/create-order (COD)';
const storefrontOrderPath = 'POST /api/v2/order/create-order (COD, the browser cart of two shops in the body)';

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

  // Catalog: 100,000 products in 1,000 shops, seeded once by seedCatalog.
  {
    name: 'ref: express+pg product pk select',
    server: 'ref-pg',
    needs: ['catalog'],
    path: (s) => `/products/${need(s, 'catalog').productIds[0]}`,
    paths: (s) => need(s, 'catalog').productIds.map((id) => `/products/${id}`),
  },
  // Not a goal's reference: what reading a page's 20 listings by id costs a bare server, compared
  // with the same reference as the catalog rows, so the table shows the floor under their ratios.
  {
    name: 'catalog: floor, express+pg 20 listings by id',
    server: 'ref-pg',
    needs: ['catalog'],
    path: (s) => listingWindows(need(s, 'catalog').productIds)[0]!,
    paths: (s) => listingWindows(need(s, 'catalog').productIds),
    reference: 'ref: express+pg product pk select',
  },
  {
    name: 'catalog: get-all-products q=leather $10-100 price_asc',
    server: 'mvshop',
    needs: ['catalog'],
    path: catalogSearch,
    reference: 'ref: express+pg product pk select',
    note: totalNote('q=leather&minPrice=10&maxPrice=100'),
  },
  {
    name: 'catalog: get-all-products first page',
    server: 'mvshop',
    needs: ['catalog'],
    path: '/api/v1/product/get-all-products',
    reference: 'ref: express+pg product pk select',
    note: totalNote('first page (newest)'),
  },
  // The same two pages with the public page cache off: every request reads the database.
  {
    name: 'catalog: get-all-products q=leather $10-100 price_asc, page cache off',
    server: 'mvshop',
    needs: ['catalog'],
    path: catalogSearch,
    env: { CATALOG_PAGE_CACHE_MS: '0' },
    reference: 'ref: express+pg product pk select',
  },
  {
    name: 'catalog: get-all-products first page, page cache off',
    server: 'mvshop',
    needs: ['catalog'],
    path: '/api/v1/product/get-all-products',
    env: { CATALOG_PAGE_CACHE_MS: '0' },
    reference: 'ref: express+pg product pk select',
  },
  // A storefront's long tail (lib/catalog-mix.ts): words, categories, price bands, ratings, every sort, pages 1–20.
  {
    name: 'catalog: realistic mix',
    server: 'mvshop',
    needs: ['catalog'],
    path: () => catalogMixPaths()[0]!,
    paths: catalogMixPaths,
    reference: 'ref: express+pg product pk select',
    note: mixNote,
  },
  {
    name: 'catalog: realistic mix, page cache off',
    server: 'mvshop',
    needs: ['catalog'],
    path: () => catalogMixPaths()[0]!,
    paths: catalogMixPaths,
    env: { CATALOG_PAGE_CACHE_MS: '0' },
    reference: 'ref: express+pg product pk select',
  },
  {
    name: 'catalog: GET /product/:id',
    server: 'mvshop',
    needs: ['catalog'],
    path: (s) => `/api/v1/product/${need(s, 'catalog').productIds[0]}`,
    paths: (s) => need(s, 'catalog').productIds.map((id) => `/api/v1/product/${id}`),
    reference: 'ref: express+pg product pk select',
  },

  // Checkout: 20 buyers at once, over 1,000 products, then all on one hot product.
  {
    name: 'ref: pg checkout tx, 1,000 products',
    server: 'ref-checkout',
    needs: ['checkout'],
    path: 'POST /checkout (raw SQL transaction)',
    connections: CHECKOUT_BUYERS_AT_ONCE,
    flow: refCheckoutFlow('spread'),
  },
  {
    name: `checkout: COD buyer flow, ${CHECKOUT_PRODUCTS.toLocaleString('en-US')} products`,
    server: 'mvshop',
    needs: ['checkout'],
    path: buyerFlowPath,
    connections: CHECKOUT_BUYERS_AT_ONCE,
    flow: buyerFlow('spread'),
    reference: 'ref: pg checkout tx, 1,000 products',
  },
  // Not a goal's reference: the reference's own checkout in the buyer flow's shape (two cart
  // requests, then the order; three commits), so the table shows what that shape costs a bare server.
  {
    name: `checkout: floor, pg cart x2 + order tx, ${CHECKOUT_PRODUCTS.toLocaleString('en-US')} products`,
    server: 'ref-checkout',
    needs: ['checkout'],
    path: 'POST /cart x2, POST /order (raw SQL)',
    connections: CHECKOUT_BUYERS_AT_ONCE,
    flow: refCartFlow('spread'),
    reference: 'ref: pg checkout tx, 1,000 products',
  },
  {
    name: `checkout: COD storefront order, ${CHECKOUT_PRODUCTS.toLocaleString('en-US')} products`,
    server: 'mvshop',
    needs: ['checkout'],
    path: storefrontOrderPath,
    connections: CHECKOUT_BUYERS_AT_ONCE,
    flow: storefrontOrderFlow('spread'),
    reference: 'ref: pg checkout tx, 1,000 products',
  },
  {
    name: 'ref: pg checkout tx, hot product',
    server: 'ref-checkout',
    needs: ['checkout'],
    path: 'POST /checkout (raw SQL transaction)',
    connections: CHECKOUT_BUYERS_AT_ONCE,
    flow: refCheckoutFlow('hot'),
  },
  {
    name: 'checkout: COD buyer flow, hot product',
    server: 'mvshop',
    needs: ['checkout'],
    path: buyerFlowPath,
    connections: CHECKOUT_BUYERS_AT_ONCE,
    flow: buyerFlow('hot'),
    reference: 'ref: pg checkout tx, hot product',
  },
  {
    name: 'checkout: floor, pg cart x2 + order tx, hot product',
    server: 'ref-checkout',
    needs: ['checkout'],
    path: 'POST /cart x2, POST /order (raw SQL)',
    connections: CHECKOUT_BUYERS_AT_ONCE,
    flow: refCartFlow('hot'),
    reference: 'ref: pg checkout tx, hot product',
  },
  {
    name: 'checkout: COD storefront order, hot product',
    server: 'mvshop',
    needs: ['checkout'],
    path: storefrontOrderPath,
    connections: CHECKOUT_BUYERS_AT_ONCE,
    flow: storefrontOrderFlow('hot'),
    reference: 'ref: pg checkout tx, hot product',
  },
];

/**
 * A storefront's catalog traffic as a cycle of request paths: a long tail of distinct queries (search
 * words, categories, price bands, ratings, every sort, pages 1–20) with a Zipf-like popularity, so a few
 * are asked often and most rarely, as real search traffic is. Drawn from a fixed seed over the words the
 * bench catalog is seeded with (seed-catalog.ts), so searches hit and every run sends the same sequence.
 */
import { adjectives, materials, seedCategories, vocabulary } from '../../src/core/catalog/seed-catalog.ts';
import { prng } from '../../src/core/shared/prng.ts';
import { productSorts } from '../../src/core/catalog/search-products.ts';

export interface CatalogMix {
  /** The request paths in the order they are sent (cycled by the load). */
  paths: string[];
  /** How many of them are distinct. */
  distinct: number;
  /** Share of the requests that the most popular 1 % / 10 % of the distinct queries make. */
  top1Pct: number;
  top10Pct: number;
}

const PRICE_BANDS: [number | undefined, number | undefined][] = [
  [undefined, 10], [undefined, 25], [10, 50], [10, 100], [25, 100], [50, 200], [100, 500], [200, undefined], [500, undefined], [1, 20],
];
const RATINGS = [3, 3.5, 4, 4.5];
const nouns = [...new Set(Object.values(vocabulary).flatMap((v) => v.nouns))];
const tags = [...new Set(Object.values(vocabulary).flatMap((v) => v.tags))];

/** Pages 1–20, page 1 far the most asked and each further page less (as shoppers rarely page deep). */
function pageOf(rnd: ReturnType<typeof prng>): number {
  const r = rnd.next();
  if (r < 0.55) return 1;
  if (r < 0.75) return 2;
  if (r < 0.85) return 3;
  return rnd.int(4, 20);
}

/** One query: each filter drawn on its own, with roughly the shares a storefront's searches have. */
function query(rnd: ReturnType<typeof prng>): string {
  const p = new URLSearchParams();
  const words = rnd.next();
  if (words < 0.25) p.set('q', rnd.pick(nouns).toLowerCase());
  else if (words < 0.4) p.set('q', `${rnd.pick(materials)} ${rnd.pick(nouns)}`.toLowerCase());
  else if (words < 0.5) p.set('q', rnd.pick(tags));
  else if (words < 0.55) p.set('q', `${rnd.pick(adjectives)} ${rnd.pick(nouns)}`.toLowerCase());
  // Search-as-you-type: the first 3–5 letters of a word.
  else if (words < 0.6) p.set('q', rnd.pick(nouns).toLowerCase().slice(0, rnd.int(3, 5)));
  if (rnd.next() < 0.35) p.set('category', rnd.pick(seedCategories));
  if (rnd.next() < 0.3) {
    const [min, max] = rnd.pick(PRICE_BANDS);
    if (min !== undefined) p.set('minPrice', String(min));
    if (max !== undefined) p.set('maxPrice', String(max));
  }
  if (rnd.next() < 0.12) p.set('minRating', String(rnd.pick(RATINGS)));
  // Every sort, and often none (the default: relevance with words, else newest).
  const sorts = productSorts.filter((s) => s !== 'relevance' || p.has('q'));
  if (rnd.next() < 0.6) p.set('sort', rnd.pick(sorts));
  const page = pageOf(rnd);
  if (page > 1) p.set('page', String(page));
  const qs = p.toString();
  return `/api/v1/product/get-all-products${qs ? `?${qs}` : ''}`;
}

/**
 * `distinct` different queries, ranked by a shuffle, the one of rank r asked with weight 1 / r^exponent;
 * `requests` paths drawn from that distribution (the first path is the most popular query).
 */
export function catalogMix(opts: { seed?: number; distinct?: number; requests?: number; exponent?: number } = {}): CatalogMix {
  const { seed = 13, distinct = 2000, requests = 40_000, exponent = 1 } = opts;
  const rnd = prng(seed);
  const unique = new Set<string>();
  for (let tries = 0; unique.size < distinct && tries < distinct * 50; tries++) unique.add(query(rnd));
  // Broad queries are the popular ones (the first page, a category, one word), so rank by how many
  // filters and how deep a page a query asks for, with noise so that kinds of queries interleave.
  const breadth = (path: string) => {
    const p = new URL(path, 'http://x').searchParams;
    return [...p.keys()].filter((k) => k !== 'page' && k !== 'sort').length + (Number(p.get('page') ?? 1) - 1) / 4 + rnd.next() * 2;
  };
  const ranked = [...unique].map((path) => ({ path, at: breadth(path) })).sort((a, b) => a.at - b.at).map((r) => r.path);
  const cumulative: number[] = [];
  let sum = 0;
  for (let r = 1; r <= ranked.length; r++) cumulative.push((sum += 1 / r ** exponent));
  const counts = new Array<number>(ranked.length).fill(0);
  const paths: string[] = [ranked[0]!];
  counts[0]!++;
  while (paths.length < requests) {
    const x = rnd.next() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    paths.push(ranked[lo]!);
    counts[lo]!++;
  }
  const share = (n: number) => counts.slice(0, n).reduce((a, c) => a + c, 0) / paths.length;
  return {
    paths,
    distinct: counts.filter((c) => c > 0).length,
    top1Pct: share(Math.ceil(ranked.length / 100)),
    top10Pct: share(Math.ceil(ranked.length / 10)),
  };
}

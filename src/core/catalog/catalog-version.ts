/*
 * The catalog's version in this process: bumped by every committed change a public list shows, read by
 * the list caches (listings.ts), which drop what they read at an older version. A module of its own, with
 * no imports, so shops, orders and reviews can report their changes without importing the catalog.
 */
let version = 0;

export const catalogVersion = (): number => version;

/**
 * A listing changed in a way a public list shows (added, edited, deleted, hidden, sold out, back in
 * stock, rated, its shop renamed, closed or banned): this process's cached catalog pages and totals are
 * dropped, so its next list reads the rows. Call it once the change has committed (`onCommit`); other
 * processes see the change when their cached pages expire (CATALOG_PAGE_CACHE_MS).
 */
export function catalogChanged(): void {
  version++;
}

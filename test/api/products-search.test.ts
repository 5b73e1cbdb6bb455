import { createHash } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hideListing } from '../../src/core/catalog/index.ts';
import { products, productStock, shops } from '../../src/core/db/schema/index.ts';
import { setShopBan } from '../../src/core/shops/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpAdmin, signUpShop, signUpUser } from '../helpers/factories.ts';
import type { TestClient } from '../helpers/http.ts';

const PNG_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

let app: TestApp;
let maple: Awaited<ReturnType<typeof signUpShop>>;
let harbor: Awaited<ReturnType<typeof signUpShop>>;
let banned: Awaited<ReturnType<typeof signUpShop>>;
const ids: Record<string, string> = {};

const operator = () => app.core.ctx({ kind: 'operator', name: 'test' });

async function list(client: TestClient, name: string, body: Record<string, unknown>, counters?: { sold: number; sum: number; count: number }) {
  const res = await client.post('/product', { description: 'A thing for sale.', tags: [], stock: 5, images: [PNG_URL], ...body, name });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  ids[name] = res.body.product._id;
  // Units sold and ratings move only with orders and reviews (later issues); set them as those would.
  if (counters) {
    await app.core.database.db.update(products).set({ ratingSum: counters.sum, ratingCount: counters.count }).where(eq(products.id, ids[name]!));
    await app.core.database.db.update(productStock).set({ soldCount: counters.sold }).where(eq(productStock.productId, ids[name]!));
  }
}

beforeAll(async () => {
  app = await startTestApp();
  [maple, harbor, banned] = await Promise.all([
    signUpShop(app, { name: 'Maple Store' }),
    signUpShop(app, { name: 'Harbor Goods' }),
    signUpShop(app, { name: 'Banned Bazaar' }),
  ]);
  // Created one after the other, so "newest" is the reverse of this order.
  await list(maple.client, 'Leather Backpack', { category: 'Accessories', tags: ['leather', 'travel'], originalPrice: 50, discountPrice: 40 }, { sold: 10, sum: 9, count: 2 });
  await list(maple.client, 'Canvas Tote', { category: 'Accessories', tags: ['canvas', 'beach'], originalPrice: 15 }, { sold: 50, sum: 3, count: 1 });
  await list(
    maple.client,
    'Trail Running Shoes',
    { category: 'Shoes', tags: ['running', 'outdoor'], description: 'Waterproof leather upper, grippy sole.', originalPrice: 120, discountPrice: 99.99 },
    { sold: 5, sum: 0, count: 0 },
  );
  await list(maple.client, 'Gaming Laptop', { category: 'Computers and Laptops', tags: ['gaming'], originalPrice: 1500 }, { sold: 1, sum: 5, count: 1 });
  await list(harbor.client, 'Wireless Earbuds', { category: 'Mobile and Tablets', tags: ['bluetooth', 'audio'], originalPrice: 60, discountPrice: 45 }, { sold: 100, sum: 8, count: 2 });
  await list(harbor.client, 'Hidden Leather Gloves', { category: 'Accessories', originalPrice: 20 });
  await list(banned.client, 'Leather Wallet', { category: 'Accessories', originalPrice: 30 });
  const event = await maple.client.post('/event/create-event', {
    name: 'Leather Week Deal',
    description: 'Leather goods at half price.',
    category: 'Accessories',
    originalPrice: 10,
    stock: 3,
    images: [PNG_URL],
    start_Date: new Date(Date.now() - 3600_000).toISOString(),
    finish_Date: new Date(Date.now() + 86_400_000).toISOString(),
  });
  expect(event.status, JSON.stringify(event.body)).toBe(201);
  await hideListing(operator(), { id: ids['Hidden Leather Gloves'], reason: 'counterfeit' });
  await setShopBan(operator(), banned.seller._id, true, 'fraud');
});
afterAll(() => app?.close());

const names = (body: { products: { name: string }[] }) => body.products.map((p) => p.name);
const search = async (query: string) => {
  const res = await app.client().get(`/product/get-all-products${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

describe('GET /product/get-all-products', () => {
  it('lists only active products of live shops, newest first, with total, page and pages (no events, hidden items or banned shops)', async () => {
    const body = await search('');
    expect(names(body)).toEqual(['Wireless Earbuds', 'Gaming Laptop', 'Trail Running Shoes', 'Canvas Tote', 'Leather Backpack']);
    expect(body).toMatchObject({ success: true, total: 5, page: 1, pages: 1, totalExact: true });
  });

  it('embeds the public shop with its rating averaged over all its listings', async () => {
    const body = await search('?shop=' + maple.seller._id + '&limit=1');
    // Maple: (9 + 3 + 0 + 5) / (2 + 1 + 0 + 1) = 4.25 → 4.3
    expect(body.products[0].shop).toMatchObject({ _id: maple.seller._id, name: 'Maple Store', ratings: 4.3 });
    expect(body.products[0].shop).not.toHaveProperty('email');
  });

  it.each([
    ['a word in the name, ranked above a match in the description', '?q=leather', ['Leather Backpack', 'Trail Running Shoes']],
    ['a tag', '?q=travel', ['Leather Backpack']],
    ['the category', '?q=computers', ['Gaming Laptop']],
    ['a stemmed form', '?q=runs', ['Trail Running Shoes']],
    ['a prefix of the last word, as typed', '?q=wireless%20earb', ['Wireless Earbuds']],
    ['two words that must both match', '?q=leather%20backpack', ['Leather Backpack']],
    ['tsquery operators, which are treated as plain text', `?q=${encodeURIComponent("leather & !(' | :*")}`, ['Leather Backpack', 'Trail Running Shoes']],
  ])('full-text q finds %s', async (_label, query, expected) => {
    const body = await search(query);
    expect(names(body)).toEqual(expected);
    expect(body.total).toBe(expected.length);
  });

  it('when q matches nothing, answers an empty page with total 0', async () => {
    expect(await search('?q=submarine')).toMatchObject({ products: [], total: 0, page: 1, pages: 0 });
  });

  it('filters by category and by shop', async () => {
    expect(names(await search('?category=Accessories'))).toEqual(['Canvas Tote', 'Leather Backpack']);
    expect(names(await search(`?category=${encodeURIComponent('Computers and Laptops')}`))).toEqual(['Gaming Laptop']);
    expect(names(await search(`?shop=${harbor.seller._id}`))).toEqual(['Wireless Earbuds']);
    expect(names(await search(`?shop=${banned.seller._id}`))).toEqual([]);
  });

  it('filters minPrice and maxPrice on the effective price (the discount when there is one)', async () => {
    // Backpack: 50 → 40; Shoes: 120 → 99.99; Earbuds: 60 → 45.
    expect(names(await search('?minPrice=41&maxPrice=100&sort=price_asc'))).toEqual(['Wireless Earbuds', 'Trail Running Shoes']);
    expect(names(await search('?maxPrice=40&sort=price_asc'))).toEqual(['Canvas Tote', 'Leather Backpack']);
    expect(names(await search('?minPrice=99.99&maxPrice=99.99'))).toEqual(['Trail Running Shoes']);
  });

  it('filters minRating on the shown one-decimal average', async () => {
    expect(names(await search('?minRating=4&sort=top_rated'))).toEqual(['Gaming Laptop', 'Leather Backpack', 'Wireless Earbuds']);
    expect(names(await search('?minRating=4.5&sort=top_rated'))).toEqual(['Gaming Laptop', 'Leather Backpack']);
  });

  it.each([
    ['newest', ['Wireless Earbuds', 'Gaming Laptop', 'Trail Running Shoes', 'Canvas Tote', 'Leather Backpack']],
    ['price_asc', ['Canvas Tote', 'Leather Backpack', 'Wireless Earbuds', 'Trail Running Shoes', 'Gaming Laptop']],
    ['price_desc', ['Gaming Laptop', 'Trail Running Shoes', 'Wireless Earbuds', 'Leather Backpack', 'Canvas Tote']],
    ['best_selling', ['Wireless Earbuds', 'Canvas Tote', 'Leather Backpack', 'Trail Running Shoes', 'Gaming Laptop']],
    ['top_rated', ['Gaming Laptop', 'Leather Backpack', 'Wireless Earbuds', 'Canvas Tote', 'Trail Running Shoes']],
  ])('sort=%s orders the list', async (sort, expected) => {
    expect(names(await search(`?sort=${sort}`))).toEqual(expected);
  });

  it('paginates with page and limit and reports total and pages', async () => {
    expect(await search('?sort=price_asc&limit=2&page=2')).toMatchObject({ total: 5, page: 2, pages: 3 });
    expect(names(await search('?sort=price_asc&limit=2&page=2'))).toEqual(['Wireless Earbuds', 'Trail Running Shoes']);
    expect(await search('?sort=price_asc&limit=2&page=9')).toMatchObject({ products: [], total: 5, page: 9, pages: 3 });
  });

  it('treats empty parameters as absent', async () => {
    expect((await search('?q=&category=&shop=&minPrice=&sort=')).total).toBe(5);
  });

  it.each([
    ['limit above the maximum', '?limit=101', 'limit'],
    ['limit 0', '?limit=0', 'limit'],
    ['a fractional page', '?page=1.5', 'page'],
    ['an unknown sort', '?sort=cheapest', 'sort'],
    ['a price with more than 2 decimals', '?minPrice=1.999', 'minPrice'],
    ['a negative price', '?maxPrice=-1', 'maxPrice'],
    ['maxPrice below minPrice', '?minPrice=10&maxPrice=5', 'maxPrice'],
    ['a rating above 5', '?minRating=6', 'minRating'],
    ['a rating that is not a number', '?minRating=good', 'minRating'],
    ['an unknown category format', `?category=${encodeURIComponent('<b>x</b>')}`, 'category'],
    ['a malformed shop id', '?shop=123', 'shop'],
    ['a repeated parameter', '?sort=newest&sort=price_asc', 'sort'],
  ])('when the query has %s, answers 400 naming the field', async (_label, query, field) => {
    const res = await app.client().get(`/product/get-all-products${query}`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED' });
    expect(res.body.fields).toHaveProperty([field]);
  });
});

describe('GET /product/shop/:id', () => {
  it("lists a shop's active products for anyone, newest first and paginated", async () => {
    const res = await app.client().get(`/product/shop/${maple.seller._id}?limit=3`);
    expect(res.status).toBe(200);
    expect(names(res.body)).toEqual(['Gaming Laptop', 'Trail Running Shoes', 'Canvas Tote']);
    expect(res.body).toMatchObject({ total: 4, page: 1, pages: 2 });
  });

  it('shows the shop itself its hidden listings with the reason; the public and other shops do not see them', async () => {
    const own = await harbor.client.get(`/product/shop/${harbor.seller._id}`);
    expect(own.body.products.map((p: { name: string; status: string; moderationReason: string | null }) => [p.name, p.status, p.moderationReason])).toEqual([
      ['Hidden Leather Gloves', 'hidden', 'counterfeit'],
      ['Wireless Earbuds', 'active', null],
    ]);
    expect(names((await app.client().get(`/product/shop/${harbor.seller._id}`)).body)).toEqual(['Wireless Earbuds']);
    expect(names((await maple.client.get(`/product/shop/${harbor.seller._id}`)).body)).toEqual(['Wireless Earbuds']);
  });

  it('answers 404 for a banned shop (admins still see it), 404 for an unknown shop and 400 naming id for a malformed one', async () => {
    expect((await app.client().get(`/product/shop/${banned.seller._id}`)).status).toBe(404);
    const admin = await signUpAdmin(app);
    const asAdmin = await admin.client.get(`/product/shop/${banned.seller._id}`);
    expect(names(asAdmin.body)).toEqual(['Leather Wallet']);
    expect((await app.client().get('/product/shop/shop_00000000000000000000000000')).status).toBe(404);
    const bad = await app.client().get('/product/shop/nope');
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toHaveProperty('id');
  });

  it('when the limit is above the maximum, answers 400 naming limit', async () => {
    const res = await app.client().get(`/product/shop/${maple.seller._id}?limit=500`);
    expect(res.status).toBe(400);
    expect(res.body.fields).toHaveProperty('limit');
  });
});

describe('GET /product/:id visibility', () => {
  it("answers 404 for a banned shop's product and for a hidden product, except to the owner", async () => {
    expect((await app.client().get(`/product/${ids['Leather Wallet']}`)).status).toBe(404);
    expect((await app.client().get(`/product/${ids['Hidden Leather Gloves']}`)).status).toBe(404);
    expect((await maple.client.get(`/product/${ids['Hidden Leather Gloves']}`)).status).toBe(404);
    const own = await harbor.client.get(`/product/${ids['Hidden Leather Gloves']}`);
    expect(own.status).toBe(200);
    expect(own.body.product).toMatchObject({ status: 'hidden', moderationReason: 'counterfeit' });
  });

  it('serves an event by its id too, with its sale window', async () => {
    const events = await app.client().get('/event/get-all-events');
    const event = events.body.events[0];
    const res = await app.client().get(`/product/${event._id}`);
    expect(res.status).toBe(200);
    expect(res.body.product).toMatchObject({ kind: 'event', name: 'Leather Week Deal', eventStatus: 'running', finish_Date: event.finish_Date });
  });
});

describe('CATALOG_PAGE_CACHE_MS', () => {
  it("reuses a public catalog page, keyed by the whole query, until this process changes the catalog; never caches the shop-owner views", async () => {
    const cached = await startTestApp({ env: { CATALOG_PAGE_CACHE_MS: '60000', LIST_TOTAL_CACHE_MS: '60000' } });
    try {
      const shop = await signUpShop(cached, { name: 'Cache Corner' });
      const buyer = await signUpUser(cached);
      const post = async (name: string, stock = 5) => {
        const res = await shop.client.post('/product', { name, description: 'A thing for sale.', tags: [], stock, images: [PNG_URL], category: 'Accessories', originalPrice: 12 });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
        return res.body.product._id as string;
      };
      const lamps = async (query = '') => {
        const res = await cached.client().get(`/product/get-all-products${query}`);
        expect(res.status).toBe(200);
        return { items: res.body.products.map((p: { name: string; stock: number }) => `${p.name}:${p.stock}`), total: res.body.total };
      };
      const first = await post('First Lamp', 3);
      expect(await lamps()).toEqual({ items: ['First Lamp:3'], total: 1 });
      expect(await lamps('?q=lamp')).toEqual({ items: ['First Lamp:3'], total: 1 });

      // A change another process makes (here: straight to the database) shows once the page expires...
      await cached.core.database.db.update(productStock).set({ stock: 2 }).where(eq(productStock.productId, first));
      expect(await lamps()).toEqual({ items: ['First Lamp:3'], total: 1 });
      // ...while another page size, page or filter is read afresh,
      expect((await lamps('?limit=10')).items).toEqual(['First Lamp:2']);
      // and the shop's own list always reads the rows.
      const own = await shop.client.get(`/product/shop/${shop.seller._id}`);
      expect(own.body.products.map((p: { stock: number }) => p.stock)).toEqual([2]);

      // A listing created, edited or deleted through this process shows on the next read of every cached page.
      const second = await post('Second Lamp');
      expect(await lamps()).toEqual({ items: ['Second Lamp:5', 'First Lamp:2'], total: 2 });
      expect(await lamps('?q=lamp')).toEqual({ items: ['Second Lamp:5', 'First Lamp:2'], total: 2 });
      expect((await shop.client.put(`/product/${second}`, { name: 'Second Light' })).status).toBe(200);
      expect(await lamps('?q=lamp')).toEqual({ items: ['First Lamp:2'], total: 1 });
      expect((await shop.client.delete(`/product/${second}`)).status).toBe(200);
      expect(await lamps()).toEqual({ items: ['First Lamp:2'], total: 1 });

      // A sale that leaves stock shows its count when the page expires; the sale that sells out shows at once.
      const buy = async (qty: number) => {
        expect((await buyer.client.post('/cart/add-to-cart', { productId: first, qty })).status).toBe(200);
        const res = await buyer.client.post('/order/create-order', {
          shippingAddress: { address1: '1 Main St', city: 'Springfield', country: 'US', zipCode: '12345' },
          paymentInfo: { type: 'Cash On Delivery' },
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      };
      await buy(1);
      expect(await lamps()).toEqual({ items: ['First Lamp:2'], total: 1 });
      await buy(1);
      expect(await lamps()).toEqual({ items: ['First Lamp:0'], total: 1 });
    } finally {
      await cached.close();
    }
  });

  it('serves a cached page as the JSON res.json would write, success first, the same bytes on every hit', async () => {
    const cached = await startTestApp({ env: { CATALOG_PAGE_CACHE_MS: '60000' } });
    try {
      const shop = await signUpShop(cached, { name: 'Byte Bazaar' });
      for (const name of ['Quoted "Lamp"', 'Lamp – ünïcode ☂']) {
        const res = await shop.client.post('/product', { name, description: 'A thing for sale.', tags: ['x'], stock: 5, images: [PNG_URL], category: 'Accessories', originalPrice: 12 });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      const read = async () => {
        const res = await fetch(`${cached.url}/api/v1/product/get-all-products?q=lamp`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
        return res.text();
      };
      const first = await read();
      expect(await read()).toBe(first);
      // The ETag Express writes for those bytes, on every hit, and a revalidation with it is a 304.
      const tagged = await fetch(`${cached.url}/api/v1/product/get-all-products?q=lamp`);
      expect(tagged.headers.get('etag')).toBe(`W/"${Buffer.byteLength(first).toString(16)}-${createHash('sha1').update(first).digest('base64').slice(0, 27)}"`);
      // node:http, not fetch: fetch adds Cache-Control: no-cache to a request carrying If-None-Match.
      const revalidated = await new Promise<number | undefined>((resolve, reject) =>
        httpGet(`${cached.url}/api/v1/product/get-all-products?q=lamp`, { headers: { 'if-none-match': tagged.headers.get('etag')! } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        }).on('error', reject),
      );
      expect(revalidated).toBe(304);
      const body = JSON.parse(first) as { success: boolean; products: { name: string }[]; total: number };
      expect(JSON.stringify(body)).toBe(first);
      expect(Object.keys(body)[0]).toBe('success');
      expect(body.success).toBe(true);
      expect(body.products.map((p) => p.name).sort()).toEqual(['Lamp – ünïcode ☂', 'Quoted "Lamp"']);
      expect(body.total).toBe(2);
    } finally {
      await cached.close();
    }
  });
});

describe('listing templates (every catalog page read, the page cache off)', () => {
  it('writes each listing as the shop list writes it, byte for byte: serialized on its first sighting, templated on its second, from the template after', async () => {
    const t = await startTestApp();
    try {
      const shop = await signUpShop(t, { name: 'Tëmplate "Trading"' });
      expect((await shop.client.put('/shop/update-seller-info', { description: 'Since 2019 – ☂ and "quotes"' })).status).toBe(200);
      for (const [name, extra] of [
        ['Quoted "Lamp"', { discountPrice: 9.5 }],
        ['Lamp – ünïcode ☂', {}],
        ['Plain Lamp', { tags: ["it's", 'rock & roll'] }],
      ] as const) {
        const res = await shop.client.post('/product', { name, description: 'A lamp.\nTwo lines.', tags: ['x'], stock: 5, images: [PNG_URL], category: 'Lighting', originalPrice: 12, ...extra });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      const text = async (path: string) => {
        const res = await fetch(`${t.url}/api/v1${path}`);
        expect(res.status).toBe(200);
        return res.text();
      };
      // The shop's own list is res.json of DTOs built from whole rows: the reference.
      const reference = (JSON.parse(await text(`/product/shop/${shop.seller._id}`)) as { products: unknown[] }).products.map((p) => JSON.stringify(p));
      for (const read of [1, 2, 3]) {
        const body = await text(`/product/get-all-products?shop=${shop.seller._id}`);
        expect(JSON.stringify(JSON.parse(body)), `read ${read}`).toBe(body);
        const items = (JSON.parse(body) as { products: unknown[] }).products.map((p) => JSON.stringify(p));
        expect(items, `read ${read}`).toEqual(reference);
        expect(body).toContain(reference.join(','));
      }
    } finally {
      await t.close();
    }
  });

  it('shows what another process changed on the next read: stock and units sold, the listing, its shop, the shop rating', async () => {
    const t = await startTestApp();
    try {
      const shop = await signUpShop(t, { name: 'Before Store' });
      const created = await shop.client.post('/product', { name: 'Old Name', description: 'A lamp.', tags: [], stock: 5, images: [PNG_URL], category: 'Lighting', originalPrice: 12 });
      expect(created.status).toBe(201);
      const id = created.body.product._id as string;
      const db = t.core.database.db;
      const page = async () => {
        const res = await t.client().get(`/product/get-all-products?shop=${shop.seller._id}`);
        expect(res.status).toBe(200);
        const [p] = res.body.products as { name: string; price: number; stock: number; sold_out: number; ratings: number; shop: { name: string; ratings: number } }[];
        return p && { name: p.name, price: p.price, stock: p.stock, sold: p.sold_out, ratings: p.ratings, shop: p.shop.name, shopRatings: p.shop.ratings };
      };
      const before = { name: 'Old Name', price: 12, stock: 5, sold: 0, ratings: 0, shop: 'Before Store', shopRatings: 0 };
      expect(await page()).toEqual(before);
      expect(await page()).toEqual(before);
      // Straight to the database, as another process would: this process is not told.
      await db.update(productStock).set({ stock: 3, soldCount: 2 }).where(eq(productStock.productId, id));
      expect(await page()).toEqual({ ...before, stock: 3, sold: 2 });
      await db.update(products).set({ name: 'New Name', originalPriceMinor: 1500, ratingSum: 9, ratingCount: 2 }).where(eq(products.id, id));
      expect(await page()).toEqual({ ...before, name: 'New Name', price: 15, stock: 3, sold: 2, ratings: 4.5, shopRatings: 4.5 });
      await db.update(shops).set({ name: 'After Store' }).where(eq(shops.id, shop.seller._id));
      expect(await page()).toEqual({ ...before, name: 'New Name', price: 15, stock: 3, sold: 2, ratings: 4.5, shop: 'After Store', shopRatings: 4.5 });
    } finally {
      await t.close();
    }
  });
});

describe('CATALOG_RANK_MAX', () => {
  it('past CATALOG_TOTAL_MAX matches, ranks the first ones the search finds; the others follow newest first, and pages neither repeat nor skip one', async () => {
    // The cap is the SQL path's (the catalog index off); the index ranks every match (below).
    const capped = await startTestApp({ env: { CATALOG_RANK_MAX: '2', CATALOG_TOTAL_MAX: '3', CATALOG_PAGE_CACHE_MS: '0', LIST_TOTAL_CACHE_MS: '0', CATALOG_INDEX_REFRESH_MS: '0' } });
    try {
      const shop = await signUpShop(capped, { name: 'Rank Rooms' });
      // The word "lantern" in the name ranks above the same word in the description only.
      const listings = [
        ['Brass Lantern', 'A light for the porch.'],
        ['Porch Light', 'Shaped like a lantern.'],
        ['Camping Lantern', 'A light for the tent.'],
        ['Garden Light', 'A lantern for the lawn.'],
        ['Paper Lantern', 'A light for parties.'],
      ];
      for (const [name, description] of listings) {
        const res = await shop.client.post('/product', { name, description, tags: [], stock: 5, images: [PNG_URL], category: 'Others', originalPrice: 10 });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      const get = async (query: string) => {
        const res = await capped.client().get(`/product/get-all-products?q=lantern${query}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return res.body.products.map((p: { name: string }) => p.name) as string[];
      };
      const all = await get('&limit=10');
      // The first two found (the first two written) are ranked: the name match first; the rest newest first.
      expect(all).toEqual(['Brass Lantern', 'Porch Light', 'Paper Lantern', 'Garden Light', 'Camping Lantern']);
      // Pages that end inside the ranked part, straddle it or lie past it concatenate to the same list.
      for (const limit of [1, 2, 3, 4]) {
        const pages: string[] = [];
        for (let page = 1; pages.length < all.length; page++) pages.push(...(await get(`&limit=${limit}&page=${page}`)));
        expect(pages, `limit ${limit}`).toEqual(all);
      }
      // Other sorts are not capped.
      expect(await get('&sort=newest&limit=10')).toEqual(['Paper Lantern', 'Garden Light', 'Camping Lantern', 'Porch Light', 'Brass Lantern']);
    } finally {
      await capped.close();
    }
  });

  it('ranks every match when it is 0, when the matches are no more than CATALOG_TOTAL_MAX, or with the catalog index on', async () => {
    const envs: Record<string, string>[] = [
      { CATALOG_RANK_MAX: '0', CATALOG_TOTAL_MAX: '2', CATALOG_PAGE_CACHE_MS: '0', CATALOG_INDEX_REFRESH_MS: '0' },
      { CATALOG_RANK_MAX: '2', CATALOG_TOTAL_MAX: '2', CATALOG_PAGE_CACHE_MS: '0' },
    ];
    for (const env of envs) await ranksAll(env);
  });
});

async function ranksAll(env: Record<string, string>) {
  const uncapped = await startTestApp({ env });
  try {
    const shop = await signUpShop(uncapped, { name: 'Rank All' });
    for (const [name, description] of [['Porch Light', 'Shaped like a lantern.'], ['Garden Light', 'A lantern for the lawn.'], ['Paper Lantern', 'A light.'], ['Brass Lantern', 'A light.']]) {
      const res = await shop.client.post('/product', { name, description, tags: [], stock: 5, images: [PNG_URL], category: 'Others', originalPrice: 10 });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const res = await uncapped.client().get('/product/get-all-products?q=lantern');
    // Name matches first; equal ranks by id, newest first.
    expect(res.body.products.map((p: { name: string }) => p.name)).toEqual(['Brass Lantern', 'Paper Lantern', 'Garden Light', 'Porch Light']);
    expect(res.body).toMatchObject({ total: 2, totalExact: false });
    const few = await app.client().get('/product/get-all-products?q=leather&sort=relevance');
    // The default CATALOG_RANK_MAX, with fewer matches than CATALOG_TOTAL_MAX: the name match before the description match.
    expect(names(few.body)).toEqual(['Leather Backpack', 'Trail Running Shoes']);
  } finally {
    await uncapped.close();
  }
}

describe('CATALOG_TOTAL_MAX', () => {
  it('counts matches only up to the bound: past it, total is the bound and totalExact false, and later pages still answer', async () => {
    const bounded = await startTestApp({ env: { CATALOG_TOTAL_MAX: '2', CATALOG_PAGE_CACHE_MS: '0', LIST_TOTAL_CACHE_MS: '0' } });
    try {
      const shop = await signUpShop(bounded, { name: 'Bound Bazaar' });
      for (const [name, price] of [['Oak Stool', 10], ['Oak Table', 90], ['Pine Shelf', 40]] as const) {
        const res = await shop.client.post('/product', { name, description: 'Wooden furniture.', tags: [], stock: 5, images: [PNG_URL], category: 'Others', originalPrice: price });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
      const get = async (query: string) => {
        const res = await bounded.client().get(`/product/get-all-products${query}`);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return { names: res.body.products.map((p: { name: string }) => p.name), total: res.body.total, pages: res.body.pages, totalExact: res.body.totalExact };
      };
      expect(await get('?limit=1')).toEqual({ names: ['Pine Shelf'], total: 2, pages: 2, totalExact: false });
      expect(await get('?limit=1&page=3')).toEqual({ names: ['Oak Stool'], total: 2, pages: 2, totalExact: false });
      // Exactly the bound, and below it, are exact counts.
      expect(await get('?q=oak')).toMatchObject({ total: 2, pages: 1, totalExact: true });
      expect(await get('?q=pine')).toMatchObject({ total: 1, totalExact: true });
      // A shop's own list is not the public catalog: always an exact count.
      const own = await shop.client.get(`/product/shop/${shop.seller._id}`);
      expect(own.body).toMatchObject({ total: 3, totalExact: true });
    } finally {
      await bounded.close();
    }
  });
});

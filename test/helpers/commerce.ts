import { expect } from 'vitest';
import type { TestApp } from './app.ts';
import type { TestClient } from './http.ts';

/** A 1×1 PNG: the smallest real image the upload checks accept. */
export const PNG_DATA_URL =
  'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

export interface ListingOver {
  name?: string;
  originalPrice?: number;
  discountPrice?: number | null;
  stock?: number;
  category?: string;
}

/** A product listed by `seller` through the real route; returns its id. */
export async function listProduct(seller: TestClient, over: ListingOver = {}): Promise<string> {
  const res = await seller.post('/product', {
    name: over.name ?? 'Test product',
    description: 'A thing worth buying',
    category: over.category ?? 'Testing',
    tags: ['test'],
    originalPrice: over.originalPrice ?? 20,
    ...(over.discountPrice !== undefined && { discountPrice: over.discountPrice }),
    stock: over.stock ?? 10,
    images: [PNG_DATA_URL],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.product._id as string;
}

export const ADDRESS = { address1: '1 Main St', city: 'Springfield', country: 'US', zipCode: '12345' };

export async function addToCart(buyer: TestClient, productId: string, qty = 1) {
  const res = await buyer.post('/cart/add-to-cart', { productId, qty });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.cart;
}

export async function placeCodOrder(buyer: TestClient, extra: Record<string, unknown> = {}) {
  return buyer.post('/order/create-order', { shippingAddress: ADDRESS, paymentInfo: { type: 'Cash On Delivery' }, ...extra });
}

/** Sets a shop's flat shipping fee through the seller's own profile route. */
export async function setShippingFee(seller: TestClient, shippingFee: number) {
  const res = await seller.put('/shop/update-seller-info', { shippingFee });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Ledger balances straight from the database, for assertions. */
export async function balances(app: TestApp): Promise<Record<string, number>> {
  const { rows } = await (app.core.database.client as { kind: 'postgres'; pool: import('pg').Pool }).pool.query<{
    account: string;
    balance_minor: number;
  }>('SELECT account, balance_minor FROM ledger_balances');
  return Object.fromEntries(rows.map((r) => [r.account, Number(r.balance_minor)]));
}

/** Walks an order along the seller's fulfilment path to Delivered. */
export async function deliver(seller: TestClient, orderId: string) {
  for (const status of ['Transferred to delivery partner', 'Shipping', 'Received', 'On the way', 'Delivered']) {
    const res = await seller.put(`/order/update-order-status/${orderId}`, { status });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
}

import type pg from 'pg';

export interface DeliveredOrdersSeed {
  /** Card orders, all delivered at `deliveredAt` and not settled. */
  orders: number;
  shops: number;
  deliveredAt: Date;
  /** Lower-case letters, made part of every id so seeds can share a database. */
  tag: string;
  /** Order total in cents (10 % commission is booked on it). */
  totalMinor?: number;
}

/**
 * Writes delivered, paid card orders as checkout and delivery would have left them — one buyer,
 * `shops` shops, the orders spread over them, each waiting for settlement, with its `order-paid`
 * journal (sale and commission on the shop's pending account) and the balances — in a few
 * set-based statements computed by the server, so seeding 100,000 orders costs the calling
 * process no memory.
 */
export async function seedDeliveredOrders(client: pg.ClientBase, s: DeliveredOrdersSeed): Promise<{ shopIds: string[] }> {
  const total = s.totalMinor ?? 5000;
  const fee = Math.floor((total * 1000 + 5000) / 10000);
  // Ids shaped like the app's (prefix + 26 lower-case letters or digits).
  const id = (prefix: string, n: string) => `'${prefix}_' || '${s.tag}' || lpad((${n})::text, ${26 - s.tag.length}, '0')`;
  const at = s.deliveredAt.toISOString();
  await client.query('BEGIN');
  try {
    await client.query(
      `INSERT INTO users (id, name, email, role) VALUES (${id('usr', '1')}, 'Bench Buyer', 'buyer.' || $1 || '@example.com', 'User')`,
      [s.tag],
    );
    await client.query(
      `INSERT INTO shops (id, name, email, password_hash, phone_number, address, zip_code)
       SELECT ${id('shop', 'i')}, 'Shop ' || i, 'shop' || i || '.' || $2 || '@example.com', 'x', '+1 555 0100', '1 Market St', '12345'
       FROM generate_series(1, $1::int) i`,
      [s.shops, s.tag],
    );
    await client.query(
      `INSERT INTO checkouts (id, user_id, status, payment_type, amount_minor, currency, shipping_address, snapshot, fingerprint, created_at, completed_at)
       SELECT ${id('chk', 'c')}, ${id('usr', '1')}, 'completed', 'Credit Card', 0, 'usd', '{}'::jsonb, '{"shops":[],"totalMinor":0}'::jsonb, 'bench', $2::timestamptz, $2::timestamptz
       FROM generate_series(0, ($1::int - 1) / $3::int) c`,
      [s.orders, at, s.shops],
    );
    await client.query(
      `INSERT INTO orders (id, checkout_id, user_id, shop_id, status, payment_type, payment_status, currency, subtotal_minor,
                           discount_minor, shipping_minor, total_minor, platform_fee_minor, fee_bps, shipping_address, buyer,
                           paid_at, delivered_at, created_at, updated_at)
       SELECT ${id('ord', 'i')}, ${id('chk', '(i - 1) / $3::int')}, ${id('usr', '1')}, ${id('shop', '((i - 1) % $3::int) + 1')},
              'Delivered', 'Credit Card', 'succeeded', 'usd', $4::bigint, 0, 0, $4::bigint, $5::bigint, 1000,
              '{"address1":"1 Main St","city":"Springfield","country":"US"}'::jsonb, '{"name":"Bench Buyer","email":"b@example.com","phoneNumber":null}'::jsonb,
              $2::timestamptz, $2::timestamptz, $2::timestamptz, $2::timestamptz
       FROM generate_series(1, $1::int) i`,
      [s.orders, at, s.shops, total, fee],
    );
    await client.query(
      `INSERT INTO settlements_due (order_id, shop_id, net_minor, delivered_at)
       SELECT ${id('ord', 'i')}, ${id('shop', '((i - 1) % $3::int) + 1')}, $4::bigint, $2::timestamptz FROM generate_series(1, $1::int) i`,
      [s.orders, at, s.shops, total - fee],
    );
    await client.query(
      `INSERT INTO ledger_journals (id, kind, ref, created_at)
       SELECT ${id('jrn', 'i')}, 'order-paid', ${id('ord', 'i')}, $2::timestamptz FROM generate_series(1, $1::int) i`,
      [s.orders, at],
    );
    await client.query(
      `INSERT INTO ledger_entries (id, journal_id, account, amount_minor, currency, created_at)
       SELECT ${id('ent', '(i - 1) * 4 + k')}, ${id('jrn', 'i')},
              CASE k WHEN 1 THEN 'platform:clearing' WHEN 4 THEN 'platform:fees' ELSE 'shop:' || ${id('shop', '((i - 1) % $3::int) + 1')} || ':pending' END,
              CASE k WHEN 1 THEN -$4::bigint WHEN 2 THEN $4::bigint WHEN 3 THEN -$5::bigint ELSE $5::bigint END,
              'usd', $2::timestamptz
       FROM generate_series(1, $1::int) i, generate_series(1, 4) k`,
      [s.orders, at, s.shops, total, fee],
    );
    await client.query(
      `INSERT INTO ledger_balances (account, balance_minor)
       SELECT account, SUM(amount_minor) FROM ledger_entries WHERE id LIKE 'ent\\_' || $1 || '%' GROUP BY account
       ON CONFLICT (account) DO UPDATE SET balance_minor = ledger_balances.balance_minor + EXCLUDED.balance_minor`,
      [s.tag],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
  const { rows } = await client.query<{ id: string }>(`SELECT ${id('shop', 'i')} AS id FROM generate_series(1, $1::int) i`, [s.shops]);
  return { shopIds: rows.map((r) => r.id) };
}

/**
 * Reference: Express 5 + a `pg` Pool reading one row by primary key (no ORM, no session, no
 * middleware). Pool size matches the API's default (20).
 *   GET /users/:id     one users row, the query shape /user/me makes.
 *   GET /products/:id  one products row, every column the product page shows (all but the search vector).
 */
import express from 'express';
import pg from 'pg';
import { listen, serveUntilParentLeaves } from './child.mjs';

const connectionString = process.env.DATABASE_URL;
if (!connectionString) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({ connectionString, max: 20 });
pool.on('error', () => undefined);

const app = express();
app.disable('x-powered-by');
app.get('/users/:id', async (req, res) => {
  const { rows } = await pool.query('SELECT * FROM users WHERE id = $1 AND deleted_at IS NULL', [req.params.id]);
  if (rows.length === 0) res.status(404).json({ success: false, message: 'User not found' });
  else res.json({ success: true, user: rows[0] });
});
// A listing's stock and units sold live in its product_stock row (one primary-key lookup more).
const productColumns = `p.id, p.shop_id, p.kind, p.name, p.description, p.category, p.tags, p.original_price_minor,
  p.discount_price_minor, p.price_minor, s.stock, s.sold_count, p.images, p.status, p.moderation_reason, p.rating_sum,
  p.rating_count, p.starts_at, p.ends_at, p.deleted_at, p.created_at, p.updated_at`;
app.get('/products/:id', async (req, res) => {
  const { rows } = await pool.query(
    `SELECT ${productColumns} FROM products p JOIN product_stock s ON s.product_id = p.id WHERE p.id = $1 AND p.deleted_at IS NULL`,
    [req.params.id],
  );
  if (rows.length === 0) res.status(404).json({ success: false, message: 'Product not found' });
  else res.json({ success: true, product: rows[0] });
});
const server = await listen(app);
serveUntilParentLeaves(server, () => pool.end());

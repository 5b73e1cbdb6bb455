/**
 * Reference: Express 5 + a `pg` Pool reading one row by primary key (no ORM, no session, no
 * middleware). Pool size matches the API's default (20).
 *   GET /users/:id     one users row, the query shape /user/me makes.
 *   GET /products/:id  one products row, every column the product page shows (all but the search vector).
 */
import express from 'express';
import pg from 'pg';
import { listen, serveUntilParentLeaves } from './child.ts';

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
const productColumns = `id, shop_id, kind, name, description, category, tags, original_price_minor, discount_price_minor,
  price_minor, stock, sold_count, images, status, moderation_reason, rating_sum, rating_count, starts_at, ends_at, deleted_at,
  created_at, updated_at`;
app.get('/products/:id', async (req, res) => {
  const { rows } = await pool.query(`SELECT ${productColumns} FROM products WHERE id = $1 AND deleted_at IS NULL`, [req.params.id]);
  if (rows.length === 0) res.status(404).json({ success: false, message: 'Product not found' });
  else res.json({ success: true, product: rows[0] });
});
const server = await listen(app);
serveUntilParentLeaves(server, () => pool.end());

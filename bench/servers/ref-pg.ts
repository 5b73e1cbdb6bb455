/**
 * Reference: Express 5 + a `pg` Pool reading one users row by primary key, the query shape
 * /user/me makes (no ORM, no session, no middleware). Pool size matches the API's default (20).
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
const server = await listen(app);
serveUntilParentLeaves(server, () => pool.end());

/** Reference: a bare Express 5 app answering one small JSON document (the same body as /healthz). */
import express from 'express';
import { listen, serveUntilParentLeaves } from './child.mjs';

const app = express();
app.disable('x-powered-by');
app.get('/json', (_req, res) => {
  res.json({ success: true, status: 'ok' });
});
const server = await listen(app);
serveUntilParentLeaves(server, async () => undefined);

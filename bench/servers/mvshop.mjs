/**
 * The real mvshop API, as `startApi` wires it (core, app, outbox), but bound to 127.0.0.1 on a free
 * port: `startApi` listens on every interface at `config.port`. Configured only by the environment
 * the bench passes (see servers/index.ts): the bench database, no Redis, silent logs. Plain
 * JavaScript that loads the API as `npm start` does: the compiled build when it is current, else the
 * sources through tsx.
 */
import { launch } from '../../bin/launch.mjs';
import { listen, serveUntilParentLeaves } from './child.mjs';

const { createApp } = await launch('api/app');
const { createCore, loadConfig } = await launch('core/index');
const { loadCatalogIndex } = await launch('core/catalog/index');

const config = loadConfig(process.env);
const core = await createCore(config);
await loadCatalogIndex(core.ctx());
const app = createApp(core, { redis: undefined });
if (config.outbox.inApi) core.outbox.start();
const server = await listen(app);
serveUntilParentLeaves(server, () => core.close());

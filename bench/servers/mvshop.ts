/**
 * The real mvshop API, as `startApi` wires it (core, app, outbox), but bound to 127.0.0.1 on a free
 * port: `startApi` listens on every interface at `config.port`. Configured only by the environment
 * the bench passes (see servers/index.ts): the bench database, no Redis, silent logs.
 */
import { createApp } from '../../src/api/app.ts';
import { createCore, loadConfig } from '../../src/core/index.ts';
import { listen, serveUntilParentLeaves } from './child.ts';

const config = loadConfig(process.env);
const core = await createCore(config);
const app = createApp(core, { redis: undefined });
if (config.outbox.inApi) core.outbox.start();
const server = await listen(app);
serveUntilParentLeaves(server, () => core.close());

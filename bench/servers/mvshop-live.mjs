/**
 * The real mvshop API as `startApi` wires it, with live streams on Redis when the bench passes
 * REDIS_URL (and on the in-process bus otherwise), bound to 127.0.0.1 on a free port. For the
 * stream benchmark (bench/stream.ts). Loads the API as mvshop.mjs does.
 */
import { launch } from '../../bin/launch.mjs';
import { listen, serveUntilParentLeaves } from './child.mjs';
import { exposeGcOnSignal } from './gc-signal.mjs';

const { createApp } = await launch('api/app');
const { openStreamHub } = await launch('api/live/index');
const { connectRedis } = await launch('api/server');
const { createCore, loadConfig } = await launch('core/index');

const config = loadConfig(process.env);
const core = await createCore(config);
const redis = config.redisUrl ? connectRedis(config.redisUrl, core.log) : undefined;
if (redis) await new Promise((resolve) => redis.once('ready', resolve));
const streams = openStreamHub(core, redis);
const app = createApp(core, { redis, streams });
const server = await listen(app);
exposeGcOnSignal();
serveUntilParentLeaves(server, async () => {
  await streams.close();
  redis?.disconnect();
  await core.close();
});

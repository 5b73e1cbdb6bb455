import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { uniqueEmail } from '../helpers/factories.ts';
import { TestClient } from '../helpers/http.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';

/*
 * The API reaches Redis through a proxy the test takes down and brings back: a real outage of the
 * connection, with the real Redis behind it.
 */

let proxy: TcpProxy;
let app: TestApp;
const logLines: string[] = [];

beforeAll(async () => {
  proxy = await startTcpProxy(new URL(TEST_REDIS_URL));
  app = await startTestApp({
    logLines,
    env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}`, RATE_LIMIT_AUTH_MAX: '3', TRUST_PROXY: 'loopback' },
  });
  await redisReady();
});
afterAll(async () => {
  await app?.close();
  await proxy?.close();
});

async function redisReady() {
  const redis = app.api.redis!;
  // Not events.once: it rejects on the 'error' a reconnect attempt made during the outage reports.
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
}
const messages = () => logLines.map((l) => (JSON.parse(l) as { msg: string }).msg);
const count = (msg: RegExp) => messages().filter((m) => msg.test(m)).length;
async function waitFor(check: () => boolean, what: string) {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(check(), what).toBe(true);
}
const randomIp = () => `198.18.${randomBytes(1)[0]}.${(randomBytes(1)[0]! % 254) + 1}`;
const login = (ip: string) => app.client().post('/user/login', { email: uniqueEmail(), password: 'whatever-1' }, { 'x-forwarded-for': ip });

describe('a Redis outage', () => {
  it('is logged once when Redis goes away and once when it is back, however many retries and requests happen between', async () => {
    await proxy.stop();
    await waitFor(() => count(/^Redis unavailable/) === 1, 'the outage is logged');
    // Requests keep being served meanwhile, and ioredis keeps retrying in the background.
    for (let i = 0; i < 3; i++) expect((await login(randomIp())).status).toBe(401);
    // Readiness says so, in the documented 503 body (the client checks it against the document).
    const ready = await new TestClient(app.url).get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ success: false, status: 'not ready', checks: { database: 'ok', redis: expect.stringMatching(/^down: /) } });
    await new Promise((r) => setTimeout(r, 500));
    expect(count(/^Redis unavailable/)).toBe(1);

    await proxy.start();
    await redisReady();
    await waitFor(() => count(/^Redis available again/) === 1, 'the recovery is logged');
    await new Promise((r) => setTimeout(r, 200));
    expect(count(/^Redis unavailable/)).toBe(1);
    expect(count(/^Redis available again/)).toBe(1);
  });

  it("the rate limit goes on from what this process already let through, instead of starting again at zero", async () => {
    await redisReady();
    const ip = randomIp();
    expect((await login(ip)).status).toBe(401);
    expect((await login(ip)).status).toBe(401);
    await proxy.stop();
    try {
      await waitFor(() => app.api.redis!.status !== 'ready', 'the client notices the outage');
      // Two attempts of three were spent while Redis counted; the outage grants no fresh ones.
      expect((await login(ip)).status).toBe(401);
      const blocked = await login(ip);
      expect(blocked.status).toBe(429);
      expect(blocked.body).toMatchObject({ success: false, code: 'RATE_LIMITED' });
    } finally {
      await proxy.start();
    }
    await redisReady();
  });
});

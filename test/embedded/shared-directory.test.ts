import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { baseEnv, mvshop } from '../cli/run-cli.ts';
import { addToCart, listProduct, placeCodOrder } from '../helpers/commerce.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import { TEST_ORIGIN, TestClient } from '../helpers/http.ts';
import { startProgram, type ProgramProcess } from '../helpers/processes.ts';
import { startSmtpCapture, type SmtpCapture } from '../helpers/smtp.ts';

/**
 * Several real processes (API, worker, CLI commands) on one embedded data directory, as an operator
 * runs them after `npm start` with no DATABASE_URL: each sees the others' writes, and nothing is lost
 * when one of them stops or is killed.
 */
const ADMIN_PASSWORD = 'Sup3r-Secret-Pass!';
let mail: SmtpCapture;
let dir: string;
const running: ProgramProcess[] = [];

function env(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...baseEnv(),
    DATA_DIR: dir,
    PORT: '0',
    LOG_LEVEL: 'info',
    CORS_ORIGIN: TEST_ORIGIN,
    FRONTEND_URL: TEST_ORIGIN,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(mail.port),
    OUTBOX_POLL_MS: '100',
    ARGON2_MEMORY_KIB: '4096',
    ARGON2_TIME_COST: '1',
    ...extra,
  };
}

async function startApi(extra: Record<string, string> = {}) {
  const api = startProgram('src/api/main.ts', env(extra));
  running.push(api);
  const line = await api.waitForLog(/API listening/);
  return { api, base: `http://127.0.0.1:${line.port as number}/api/v1` };
}

const cli = (args: string[], extra: Record<string, string> = {}) => mvshop(args, { cwd: dir, env: env({ LOG_LEVEL: 'warn', ...extra }), timeoutMs: 120_000 });

const createAdmin = (email: string) => cli(['user', 'create-admin', '--email', email, '--name', 'Ops'], { MVSHOP_ADMIN_PASSWORD: ADMIN_PASSWORD });

async function listedEmails(): Promise<string[]> {
  const res = await cli(['user', 'list', '--json']);
  expect(res.code, res.stderr).toBe(0);
  const body = res.json<{ users: { email: string }[] }>();
  return body.users.map((u) => u.email);
}

async function login(base: string, email: string, password: string) {
  return new TestClient(base).post('/user/login', { email, password });
}

beforeAll(async () => {
  mail = await startSmtpCapture();
});
afterAll(async () => {
  await mail?.close();
});
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'mvshop-shared-'));
});
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('one embedded data directory, several processes', { timeout: 240_000 }, () => {
  it('an admin created by the CLI while the API runs signs in through it, and is still there after the API stops', async () => {
    const { api, base } = await startApi();

    const created = await createAdmin('ops@example.com');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created admin account usr_/);

    const signedIn = await login(base, 'ops@example.com', ADMIN_PASSWORD);
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    expect(signedIn.body.user.role).toBe('Admin');

    expect(await listedEmails()).toContain('ops@example.com');

    expect(await api.stop('SIGINT')).toBe(0);
    expect(await listedEmails()).toContain('ops@example.com');
  });

  it('the API and the worker run side by side: an order placed through the API gets its emails from the worker', async () => {
    const { base } = await startApi({ OUTBOX_IN_API: 'false' });
    const worker = startProgram('src/worker/main.ts', env());
    running.push(worker);
    await worker.waitForLog(/worker ready/);

    // The activation emails below already travel API → outbox → worker → SMTP.
    const app = { client: () => new TestClient(base), mail };
    const shop = await signUpShop(app);
    const buyer = await signUpUser(app);
    const productId = await listProduct(shop.client, { originalPrice: 12.5, stock: 3 });
    await addToCart(buyer.client, productId, 2);
    const placed = await placeCodOrder(buyer.client);
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    const orderId = placed.body.orders[0]._id as string;

    const confirmation = await mail.waitFor(buyer.email, (m) => /order is confirmed/i.test(m.subject), 60_000);
    expect(confirmation.text).toContain(orderId);
    await mail.waitFor(shop.email, (m) => m.subject === `New order ${orderId}`, 60_000);
  });

  it('after the owner is killed, a CLI command takes the directory over, and a restarted API sees every committed write', async () => {
    const first = await startApi();
    const app = { client: () => new TestClient(first.base), mail };
    const buyer = await signUpUser(app);
    const ownerBefore = JSON.parse(await readFile(path.join(dir, 'pglite', 'mvshop.lock'), 'utf8')) as { pid: number };
    expect(ownerBefore.pid).toBe(first.api.child.pid);

    expect(await first.api.stop('SIGKILL')).toBeNull();

    // The killed owner left its lock file; the next process finds the directory free and takes it.
    const created = await createAdmin('after-crash@example.com');
    expect(created.code, created.stderr).toBe(0);

    const second = await startApi();
    expect((await login(second.base, buyer.email, buyer.password)).status).toBe(200);
    expect((await login(second.base, 'after-crash@example.com', ADMIN_PASSWORD)).status).toBe(200);
    const ownerAfter = JSON.parse(await readFile(path.join(dir, 'pglite', 'mvshop.lock'), 'utf8')) as { pid: number };
    expect(ownerAfter.pid).toBe(second.api.child.pid);
  });

  it('two CLI commands started at the same moment with no owner both succeed, one through the other', async () => {
    const [a, b] = await Promise.all([createAdmin('first@example.com'), createAdmin('second@example.com')]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(await listedEmails()).toEqual(expect.arrayContaining(['first@example.com', 'second@example.com']));
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { signUpShop, signUpUser } from '../helpers/factories.ts';
import { baseEnv, mvshop } from './run-cli.ts';

vi.setConfig({ testTimeout: 90_000 });

let app: TestApp;
let sql: pg.Client;
let cwd: string;
let conversationId: string;
let buyerId: string;
let shopId: string;

beforeAll(async () => {
  app = await startTestApp();
  sql = new pg.Client({ connectionString: app.databaseUrl });
  await sql.connect();
  cwd = await mkdtemp(path.join(tmpdir(), 'mvshop-cli-conv-'));
  const [buyer, shop] = await Promise.all([signUpUser(app, { name: 'Cleo Buyer' }), signUpShop(app, { name: 'Cask Shop' })]);
  buyerId = buyer.user._id;
  shopId = shop.seller._id;
  conversationId = (await buyer.client.post('/conversation/create-new-conversation', { sellerId: shopId })).body.conversation._id;
  for (const text of ['Do you ship abroad?', 'Hello?']) await buyer.client.post('/message/create-new-message', { conversationId, text });
  await shop.client.post('/message/create-new-message', { conversationId, text: 'Yes, everywhere' });
}, 120_000);

afterAll(async () => {
  await sql?.end();
  await app?.close();
  if (cwd) await rm(cwd, { recursive: true, force: true });
});

const run = (args: string[]) => mvshop(args, { cwd, env: { ...baseEnv(), DATABASE_URL: app.databaseUrl, DATA_DIR: cwd } });

describe('mvshop conversation', () => {
  it('list --shop prints the shop’s conversations as JSON, and the listing is audited with the operator', async () => {
    const res = await run(['conversation', 'list', '--shop', shopId, '--json', '--as', 'ops-carol']);
    expect(res.code, res.stderr).toBe(0);
    const body = res.json<{ total: number; conversations: { _id: string; user: { name: string }; messageCount: number; lastMessage: string }[] }>();
    expect(body.total).toBe(1);
    expect(body.conversations[0]).toMatchObject({ _id: conversationId, user: { name: 'Cleo Buyer' }, messageCount: 3, lastMessage: 'Yes, everywhere' });
    const audit = await sql.query("SELECT actor, action FROM audit_log WHERE target = $1 AND action = 'conversation.list'", [shopId]);
    expect(audit.rows).toEqual([{ actor: 'operator:ops-carol', action: 'conversation.list' }]);
    const byBuyer = await run(['conversation', 'list', '--user', buyerId, '--json']);
    expect(byBuyer.json<{ conversations: { _id: string }[] }>().conversations.map((c) => c._id)).toEqual([conversationId]);
  });

  it('show prints the messages oldest first, is audited, and marks nothing read', async () => {
    const res = await run(['conversation', 'show', conversationId, '--as', 'ops-carol']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('Cleo Buyer');
    expect(res.stdout.indexOf('Do you ship abroad?')).toBeLessThan(res.stdout.indexOf('Yes, everywhere'));
    expect(res.stdout).toContain('3 of 3 messages');

    const json = await run(['conversation', 'show', conversationId, '--json', '--limit', '2']);
    expect(json.code, json.stderr).toBe(0);
    const page = json.json<{ messages: { text: string }[]; before: string | null }>();
    expect(page.messages.map((m) => m.text)).toEqual(['Hello?', 'Yes, everywhere']);
    expect(page.before).toMatch(/^msg_/);

    const audit = await sql.query("SELECT actor FROM audit_log WHERE target = $1 AND action = 'conversation.read' ORDER BY created_at", [conversationId]);
    expect(audit.rows.map((r) => r.actor)).toEqual(['operator:ops-carol', expect.stringMatching(/^operator:/)]);
    const unread = await sql.query('SELECT user_unread, shop_unread FROM conversations WHERE id = $1', [conversationId]);
    expect(unread.rows[0]).toEqual({ user_unread: 1, shop_unread: 2 });
    const read = await sql.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1 AND read_at IS NOT NULL', [conversationId]);
    expect(read.rows[0].n).toBe(0);
  });

  it('an unknown conversation is exit 1 naming it; a malformed id or filter is exit 2', async () => {
    const missing = await run(['conversation', 'show', 'conv_01jzzzzzzzzzzzzzzzzzzzzzzz']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Conversation not found: conv_01jzzzzzzzzzzzzzzzzzzzzzzz');
    expect((await run(['conversation', 'show', 'nope'])).code).toBe(2);
    const badFilter = await run(['conversation', 'list', '--user', 'nope']);
    expect(badFilter.code).toBe(2);
    expect(badFilter.stderr).toMatch(/user/);
  });
});

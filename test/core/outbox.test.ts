import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, inArray, sql } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type Ctx } from '../../src/core/index.ts';
import { outbox } from '../../src/core/db/schema/index.ts';
import { queryRows, withTx } from '../../src/core/db/index.ts';
import { createMailer, MAIL_TOPIC, queueEmail, sendEmailHandler } from '../../src/core/mail/index.ts';
import { claimOutbox, drainOutbox, enqueueOutbox, processOutboxRow, type OutboxHandlers } from '../../src/core/outbox/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { PASSWORD, uniqueEmail } from '../helpers/factories.ts';
import { linkToken } from '../helpers/smtp.ts';

const MAX_ATTEMPTS = 3;
const HOUR = 3_600_000;
const handlers: OutboxHandlers = { [MAIL_TOPIC]: sendEmailHandler };

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp({ env: { OUTBOX_MAX_ATTEMPTS: String(MAX_ATTEMPTS) } });
});
afterAll(() => app?.close());

const db = () => app.core.database.db;
const rowsTo = (email: string) =>
  db().select().from(outbox).where(sql`${outbox.payload}->>'to' = ${email}`).orderBy(outbox.id);
const rowById = async (id: string) => (await db().select().from(outbox).where(eq(outbox.id, id)))[0]!;
const mailsTo = (email: string) => app.mail.messages.filter((m) => m.to === email);

/**
 * A dispatcher whose clock is pinned at `at`. Rows these tests enqueue are due an hour or more from
 * now, so the app's own poller (on the real clock) never touches them and each step is deterministic.
 */
const dispatcherAt = (at: Date): Ctx => ({
  ...app.core.ctx({ kind: 'system', name: 'test-dispatcher' }),
  clock: { now: () => new Date(at) },
  afterCommit: undefined,
});
const later = (ms: number) => new Date(Date.now() + ms);

/** Queues a "password changed" email that only a dispatcher an hour ahead will see. */
async function queueLaterEmail(to: string) {
  const ctx = { ...app.core.ctx(), afterCommit: undefined };
  return enqueueOutbox(ctx, MAIL_TOPIC, { to, template: 'password-changed', vars: { name: 'Olive' } }, { delayMs: HOUR });
}

async function waitUntil<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('outbox: written with the change that causes it', () => {
  it('a registration writes its activation email as an outbox row; one that fails validation writes none', async () => {
    const rejected = uniqueEmail('invalid');
    const bad = await app.client().post('/user/register', { name: 'Ivy', email: rejected, password: 'short' });
    expect(bad.status).toBe(400);
    const accepted = uniqueEmail('valid');
    const good = await app.client().post('/user/register', { name: 'Val', email: accepted, password: PASSWORD });
    expect(good.status).toBe(201);

    expect(await rowsTo(rejected)).toEqual([]);
    const [row] = await rowsTo(accepted);
    expect(row).toMatchObject({ topic: MAIL_TOPIC, payload: { to: accepted, template: 'activate-account' } });
    await app.mail.waitFor(accepted);
    expect(mailsTo(rejected)).toEqual([]);
  });

  it('an email queued in a transaction that rolls back leaves no row and is never sent', async () => {
    const to = uniqueEmail('rollback');
    const ctx = app.core.ctx();
    await expect(
      withTx(ctx, async (tx) => {
        await queueEmail({ ...ctx, db: tx }, to, 'password-changed', { name: 'Rolf' });
        expect(await tx.select().from(outbox).where(sql`${outbox.payload}->>'to' = ${to}`)).toHaveLength(1);
        throw new Error('the change failed after the email was queued');
      }),
    ).rejects.toThrow('the change failed');
    expect(await rowsTo(to)).toEqual([]);
    await drainOutbox(dispatcherAt(later(2 * HOUR)), handlers);
    expect(mailsTo(to)).toEqual([]);
  });
});

describe('outbox: delivery', () => {
  it('when SMTP refuses mail nothing is lost: the row waits with attempts and last_error, then arrives exactly once', async () => {
    const email = uniqueEmail('smtp-down');
    app.mail.setFailing(true);
    let id: string;
    try {
      const res = await app.client().post('/user/register', { name: 'Sam', email, password: PASSWORD });
      expect(res.status).toBe(201);
      // The app's own poller is kicked by the commit and fails against the refusing server.
      const failed = await waitUntil(async () => {
        const [row] = await rowsTo(email);
        return row && row.lastError ? row : undefined;
      }, 'a failed delivery attempt');
      id = failed.id;
      expect(failed.status).toBe('pending');
      expect(failed.attempts).toBeGreaterThanOrEqual(1);
      expect(failed.lastError).toMatch(/451|mailbox \S+ unavailable/);
      expect(failed.availableAt.getTime()).toBeGreaterThan(failed.createdAt.getTime());
      expect(failed.claimedUntil).toBeNull();
      expect(mailsTo(email)).toEqual([]);
    } finally {
      app.mail.setFailing(false);
    }

    // A dispatcher past the backoff delivers it, racing the app's poller; each later pass finds nothing.
    await Promise.all([drainOutbox(dispatcherAt(later(HOUR)), handlers), app.core.outbox.drain()]);
    const mail = await app.mail.waitFor(email);
    expect(mail.subject).toMatch(/activate/i);
    await drainOutbox(dispatcherAt(later(2 * HOUR)), handlers);
    await app.core.outbox.drain();
    expect(mailsTo(email)).toHaveLength(1);
    expect(await rowById(id)).toMatchObject({ status: 'done', lastError: null, claimedUntil: null });
  });

  it('after delivery the one-time link is redacted from the stored payload, and the link still works', async () => {
    const email = uniqueEmail('redact');
    const client = app.client();
    expect((await client.post('/user/register', { name: 'Rex', email, password: PASSWORD })).status).toBe(201);
    const [queued] = await rowsTo(email);
    const mail = await app.mail.waitFor(email);
    const token = linkToken(mail);
    const done = await waitUntil(async () => {
      const row = await rowById(queued!.id);
      return row.status === 'done' ? row : undefined;
    }, 'the row to be marked done');
    expect(done.payload).toEqual({ to: email, template: 'activate-account' });
    expect(JSON.stringify(done.payload)).not.toContain(token);
    expect(done.processedAt).toBeInstanceOf(Date);
    expect((await client.post('/user/activate-account', { activation_token: token })).status).toBe(201);
  });

  it('two dispatchers that both claim before either sends get disjoint rows, where a plain read would hand both the same', async () => {
    const recipients = Array.from({ length: 4 }, () => uniqueEmail('claim'));
    const ids = await Promise.all(recipients.map(queueLaterEmail));
    const at = later(2 * HOUR);

    // The unguarded way: both read the due rows, then both would send them all.
    const plainRead = () =>
      queryRows<{ id: string }>(
        db(),
        sql`SELECT id FROM outbox WHERE status = 'pending' AND available_at <= ${at.toISOString()}::timestamptz`,
      );
    const [readA, readB] = [await plainRead(), await plainRead()];
    expect(readA.map((r) => r.id)).toEqual(expect.arrayContaining(ids));
    expect(readB.map((r) => r.id)).toEqual(expect.arrayContaining(ids));

    // The claim is a lease: the second dispatcher gets none of what the first holds.
    const claimedA = await claimOutbox(dispatcherAt(at), 100);
    const claimedB = await claimOutbox(dispatcherAt(at), 100);
    expect(claimedA.map((r) => r.id)).toEqual(expect.arrayContaining(ids));
    expect(claimedB.map((r) => r.id).filter((id) => ids.includes(id))).toEqual([]);
    for (const row of claimedA) await processOutboxRow(dispatcherAt(at), handlers, row);
    for (const to of recipients) expect(mailsTo(to), to).toHaveLength(1);
  });

  it('two dispatchers draining the same rows concurrently send each email exactly once', async () => {
    const recipients = Array.from({ length: 10 }, () => uniqueEmail('race'));
    const ids = await Promise.all(recipients.map(queueLaterEmail));
    const at = later(2 * HOUR);
    const [a, b] = await Promise.all([
      drainOutbox(dispatcherAt(at), handlers, { batch: 1 }),
      drainOutbox(dispatcherAt(at), handlers, { batch: 1 }),
    ]);
    expect(a + b).toBeGreaterThanOrEqual(ids.length);
    for (const to of recipients) expect(mailsTo(to), to).toHaveLength(1);
    const rows = await db().select().from(outbox).where(inArray(outbox.id, ids));
    expect(rows.map((r) => [r.status, r.attempts])).toEqual(ids.map(() => ['done', 1]));
  });

  it(`retries with backoff on the dispatcher's clock, and after OUTBOX_MAX_ATTEMPTS (${MAX_ATTEMPTS}) failures the row is dead`, async () => {
    const to = uniqueEmail('dead');
    const id = await queueLaterEmail(to);
    const t0 = later(2 * HOUR);
    app.mail.setFailing(true);
    try {
      expect(await drainOutbox(dispatcherAt(t0), handlers)).toBeGreaterThanOrEqual(1);
      let row = await rowById(id);
      expect(row).toMatchObject({ status: 'pending', attempts: 1, claimedUntil: null });
      expect(row.lastError).toMatch(/451|mailbox \S+ unavailable/);
      // 2 s after the first failure, 4 s after the second.
      expect(row.availableAt.getTime()).toBe(t0.getTime() + 2000);

      await drainOutbox(dispatcherAt(new Date(t0.getTime() + 1999)), handlers);
      expect((await rowById(id)).attempts).toBe(1);
      const t1 = new Date(t0.getTime() + 2000);
      await drainOutbox(dispatcherAt(t1), handlers);
      row = await rowById(id);
      expect(row).toMatchObject({ status: 'pending', attempts: 2 });
      expect(row.availableAt.getTime()).toBe(t1.getTime() + 4000);

      await drainOutbox(dispatcherAt(new Date(t1.getTime() + 4000)), handlers);
      row = await rowById(id);
      expect(row).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS });
      expect(row.lastError).toMatch(/451|mailbox \S+ unavailable/);

      app.mail.setFailing(false);
      await drainOutbox(dispatcherAt(later(10 * HOUR)), handlers);
      expect(await rowById(id)).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS });
      expect(mailsTo(to)).toEqual([]);
    } finally {
      app.mail.setFailing(false);
    }
  });
});

describe('outbox: the file mailbox', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'mvshop-mailbox-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('without SMTP_HOST an email is written as one .eml file in MAIL_DIR, even when its delivery is retried', async () => {
    const config = loadConfig({ NODE_ENV: 'test', MAIL_DIR: dir });
    expect(config.mail.smtp).toBeUndefined();
    const mailer = createMailer(config.mail);
    expect(mailer.kind).toBe('file');
    const base = dispatcherAt(later(2 * HOUR));
    const ctx: Ctx = { ...base, ports: { ...base.ports, mailer } };
    try {
      const to = uniqueEmail('file');
      const url = `${app.config.http.frontendUrl}/reset-password/${'t'.repeat(43)}`;
      const id = await enqueueOutbox({ ...app.core.ctx(), afterCommit: undefined }, MAIL_TOPIC, {
        to,
        template: 'reset-password',
        vars: { name: 'Fay', url, expiresInMinutes: 30 },
      }, { delayMs: HOUR });
      const [claimed] = (await claimOutbox(ctx, 100)).filter((r) => r.id === id);
      // A send that is repeated (a lost lease, a crash before the row was marked) rewrites the same file.
      await sendEmailHandler.run(ctx, claimed!);
      expect(await processOutboxRow(ctx, handlers, claimed!)).toBe(true);

      const files = (await readdir(dir)).filter((f) => f.endsWith('.eml'));
      expect(files).toEqual([`${id}_mvshop.eml`]);
      const parsed = await simpleParser(await readFile(path.join(dir, files[0]!)));
      expect(parsed.subject).toBe('Reset your mvshop password');
      expect(parsed.messageId).toBe(`<${id}@mvshop>`);
      expect(parsed.text).toContain(url);
      expect((await rowById(id)).payload).toEqual({ to, template: 'reset-password' });
      expect(mailsTo(to)).toEqual([]);
    } finally {
      mailer.close();
    }
  });
});

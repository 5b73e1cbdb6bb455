import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../src/core/db/index.ts';
import { users } from '../../src/core/db/schema/index.ts';
import { createLogger, errorForLog } from '../../src/core/index.ts';
import { errorMessageOf } from '../../src/core/shared/log.ts';
import { runLogged } from '../../src/worker/job-log.ts';
import { createTestDatabase } from '../helpers/database.ts';

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let database: Database;
beforeAll(async () => {
  testDb = await createTestDatabase();
  database = await openDatabase({ url: testDb.url, pgliteDir: 'unused', poolSize: 1 });
});
afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

function capture() {
  const lines: string[] = [];
  return { log: createLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(line) }), text: () => lines.join('\n') };
}

const EMAIL = 'ann.secret@example.com';
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

describe('the logger', () => {
  it('logs a failed statement as its SQLSTATE, constraint, table and statement; never its parameters, message or detail', async () => {
    const row = { id: 'usr_log_1', name: 'Ann Secret', email: EMAIL, passwordHash: HASH };
    await database.db.insert(users).values(row);
    const err = await database.db
      .insert(users)
      .values({ ...row, id: 'usr_log_2' })
      .then(() => undefined, (e: unknown) => e);
    // What drizzle and the driver carry: the values, in the message, the detail and the parameters.
    expect(String((err as Error).message)).toContain(EMAIL);
    const { log, text } = capture();
    log.error({ err }, 'unhandled error');
    const line = JSON.parse(text()) as { err: Record<string, unknown> };
    expect(line.err).toMatchObject({
      type: 'DrizzleQueryError',
      code: '23505',
      constraint: 'users_email_live_uq',
      table: 'users',
      statement: 'insert into "users"',
      message: 'database error 23505 (users_email_live_uq) in insert into "users"',
    });
    expect(line.err.stack).toMatch(/^DrizzleQueryError: database error 23505[^\n]*\n\s+at /);
    for (const value of [EMAIL, 'ann.secret', HASH, 'Ann Secret']) expect(text()).not.toContain(value);
  });

  it('a database error wrapped as the cause of another is reduced the same way', async () => {
    const cause = await database.db.execute(sql`SELECT ${EMAIL}::int`).then(() => undefined, (e: unknown) => e);
    const wrapped = new Error('checkout failed', { cause });
    expect(errorForLog(wrapped)).toMatchObject({ code: '22P02' });
    expect(JSON.stringify(errorForLog(wrapped))).not.toContain(EMAIL);
  });

  it('redacts secrets and personal data by key at any of the first four levels, and masks emails in other errors', () => {
    const { log, text } = capture();
    log.info(
      {
        body: { email: EMAIL, password: 'hunter2-secret', token: 'tok_secret', address: '742 Evergreen Terrace' },
        order: { shippingAddress: { address1: '31 Spooner Street', zipCode: 'ZX-9876' }, buyer: { phoneNumber: '+1 555 867 5309' } },
        shop: { withdrawMethod: { bankAccountNumber: 'DE89370400440532013000' } },
        req: { headers: { authorization: 'Bearer abc.def', cookie: 'token=abc' } },
      },
      'something happened',
    );
    log.warn({ err: new Error(`550 mailbox ${EMAIL} unavailable`) }, 'outbox delivery failed');
    for (const value of [EMAIL, 'hunter2-secret', 'tok_secret', 'Evergreen', 'Spooner', 'ZX-9876', '867 5309', 'DE8937', 'abc.def', 'token=abc'])
      expect(text()).not.toContain(value);
    expect(text()).toContain('a***@example.com');
  });

  it("a worker job whose query fails logs the statement and SQLSTATE, not the buyer's email and address it carried", async () => {
    const address = '742 Evergreen Terrace, Springfield';
    const job = () =>
      database.db.execute(sql`INSERT INTO users (id, name, email, password_hash, created_at) VALUES ('usr_log_3', 'Ann', ${EMAIL}, 'x', ${address}::timestamptz)`).then(() => ({}));
    const { log, text } = capture();
    const err = await runLogged(log, job, () => false).then(() => undefined, (e: unknown) => e);
    expect(String((err as Error).message)).toContain(EMAIL);
    const line = JSON.parse(text()) as { outcome: string; err: Record<string, unknown> };
    expect(line.outcome).toBe('failed');
    expect(line.err).toMatchObject({ code: '22007', statement: 'insert into users' });
    // What an outbox row keeps as last_error is the same reduced message.
    expect(errorMessageOf(err)).toBe('database error 22007 in insert into users');
    for (const value of [EMAIL, 'ann.secret', 'Evergreen', 'Springfield']) expect(text()).not.toContain(value);
  });
});

import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { withTx } from '../db/tx.ts';
import { newId } from '../shared/ids.ts';
import type { Rng } from '../shared/prng.ts';

const firstNames = ['Ann', 'Bob', 'Cleo', 'Dev', 'Ema', 'Finn', 'Gina', 'Hugo', 'Iris', 'Jon', 'Kai', 'Lena', 'Milo', 'Nora', 'Omar', 'Pia', 'Quinn', 'Rosa', 'Sam', 'Tara'];
const lastNames = ['Baker', 'Chen', 'Diaz', 'Evans', 'Fox', 'Garcia', 'Hill', 'Ito', 'Jensen', 'Khan', 'Lopez', 'Moreau', 'Novak', 'Okafor', 'Park', 'Rossi', 'Silva', 'Tanaka'];

export interface SeededBuyers {
  ids: string[];
  /** Sign-in emails, in ids order: `buyer-<n>@buyers.mvshop.test`. */
  emails: string[];
}

/**
 * Inserts `count` activated buyer accounts for a seeded marketplace, in batches of one multi-row
 * statement each; names come from `rnd`, emails from the position, account ages from `now`. An account
 * created here has no sign-up history and no address book: checkouts name their shipping address.
 */
export async function seedBuyers(
  ctx: Pick<Ctx, 'db'>,
  input: { count: number; now: Date; passwordHash: string; batchSize: number },
  rnd: Rng,
  onProgress?: (done: number, total: number) => void,
): Promise<SeededBuyers> {
  const ids: string[] = [];
  const emails: string[] = [];
  const now = input.now.getTime();
  await withTx(ctx, async (tx) => {
    for (let from = 0; from < input.count; from += input.batchSize) {
      const n = Math.min(input.batchSize, input.count - from);
      const cols = { id: [] as string[], name: [] as string[], email: [] as string[], created: [] as string[] };
      for (let i = from; i < from + n; i++) {
        const id = newId('user');
        const email = `buyer-${i + 1}@buyers.mvshop.test`;
        ids.push(id);
        emails.push(email);
        cols.id.push(id);
        cols.name.push(`${rnd.pick(firstNames)} ${rnd.pick(lastNames)}`);
        cols.email.push(email);
        cols.created.push(new Date(now - rnd.int(40, 900) * 86_400_000).toISOString());
      }
      await tx.execute(sql`
        INSERT INTO users (id, name, email, password_hash, role, created_at, updated_at)
        SELECT u.id, u.name, u.email, ${input.passwordHash}, 'User', u.created, u.created
        FROM unnest(${sql.param(cols.id)}::text[], ${sql.param(cols.name)}::text[], ${sql.param(cols.email)}::text[],
                    ${sql.param(cols.created)}::timestamptz[]) AS u(id, name, email, created)`);
      onProgress?.(from + n, input.count);
    }
  });
  return { ids, emails };
}

import type { Command } from 'commander';
import { dryRunOption, example } from '../../args.ts';
import { parseArg, runCommand } from '../../runtime.ts';

const count = (z: typeof import('zod').z, min: number, max: number) =>
  z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

interface SeedOptions {
  shops: string;
  products: string;
  users: string;
  orders: string;
  seed: string;
  at?: string;
  password?: string;
  reason?: string;
}

/**
 * `mvshop seed`: a whole marketplace in an empty database, the same for the same --seed. Listings and
 * accounts are bulk inserts; every order, payment, refund, settlement and withdrawal goes through the
 * core use cases, so the books and the audit chain are verified before it reports.
 */
export default function register(program: Command): void {
  const verb = program
    .command('seed')
    .description('fill an empty database with a whole marketplace (shops, listings, coupons, buyers, orders in every status a use case reaches, reviews, refunds, settlement, withdrawals); the same data for the same --seed')
    .option('--shops <n>', 'shops, each with a bank account (1-10000)', '10')
    .option('--products <n>', 'products spread across the shops (0-5000000)', '1000')
    .option('--users <n>', 'buyer accounts (1-1000000)', '50')
    .option('--orders <n>', 'orders, walked through every status (0-100000)', '100')
    .option('--seed <n>', 'pseudo-random seed: the same seed gives the same ids, names, prices and times', '1')
    .option('--at <date>', "the seeded world's now: orders fall in the 35 days before it (default 2026-01-01T00:00:00Z)")
    .option('--password <p>', 'a password every seeded shop and buyer can sign in with (its salted hash differs per run)')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((opts: SeedOptions, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { z } = await import('zod');
        const input = {
          shops: parseArg(count(z, 1, 10_000), opts.shops, '--shops'),
          products: parseArg(count(z, 0, 5_000_000), opts.products, '--products'),
          users: parseArg(count(z, 1, 1_000_000), opts.users, '--users'),
          orders: parseArg(count(z, 0, 100_000), opts.orders, '--orders'),
          seed: parseArg(z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number'), opts.seed, '--seed'),
          ...(opts.at !== undefined && { at: parseArg(z.coerce.date({ message: 'must be a date such as 2026-01-01 or 2026-01-01T12:00:00Z' }), opts.at, '--at') }),
          ...(opts.password !== undefined && { password: parseArg(z.string().min(8, 'must be at least 8 characters'), opts.password, '--password') }),
        };
        // Core loads once the command line is known to be good, so a usage error answers at once.
        const [{ seedMarketplace, verifyBooks }, { recordAudit, verifyAudit }, { createDemoCardNetwork }, { createProgress }] = await Promise.all([
          import('../../../core/flows/index.ts'),
          import('../../../core/audit/index.ts'),
          import('../../demo/demo-card-network.ts'),
          import('../../progress.ts'),
        ]);
        const progress = createProgress();
        const outcome = await change(
          `Seed a marketplace of ${input.shops} shops, ${input.products} products, ${input.users} buyers and ${input.orders} orders (seed ${input.seed})?`,
          async (c) => {
            const seeded = await seedMarketplace(c, input, createDemoCardNetwork(), progress.update);
            progress.finish();
            const { password: _, ...recorded } = input;
            await recordAudit(c, { action: 'marketplace.seed', target: 'marketplace', reason: opts.reason, details: recorded });
            // Checked before the change is kept (or, under --dry-run, rolled back), so the report covers what was seeded.
            const [ledger, audit] = [await verifyBooks(c), await verifyAudit(c)];
            return { seeded, ledger, audit };
          },
        );
        const { seeded, ledger, audit } = outcome;
        const ok = ledger.ok && audit.ok;
        if (io.json) io.printJson({ ok, ...seeded, ledger: { ok: ledger.ok, journals: ledger.journals, entries: ledger.entries }, audit: { ok: audit.ok, rows: audit.rows } });
        else {
          const rows: [string, string | number | null][] = [
            ['shops', seeded.shops],
            ['products', seeded.products],
            ['events', seeded.events],
            ['coupons', seeded.coupons],
            ['buyers', seeded.buyers],
            ['orders', seeded.orders],
            ...Object.entries(seeded.ordersByStatus).map(([status, n]): [string, number] => [`  ${status}`, n]),
            ['reviews', seeded.reviews],
            ['refunds', seeded.refunds],
            ['settled orders', seeded.settledOrders],
            ...Object.entries(seeded.withdrawalsByStatus).map(([status, n]): [string, number] => [`withdrawals ${status}`, n]),
            ['first shop email', seeded.firstShopEmail],
            ['first buyer email', seeded.firstBuyerEmail],
            ['ledger verify', ledger.ok ? `ok (${ledger.journals} journals, ${ledger.entries} entries)` : 'FAILED'],
            ['audit verify', audit.ok ? `ok (${audit.rows} rows)` : `FAILED: ${audit.problems.map((p) => p.message).join('; ')}`],
            ['seconds', (seeded.ms / 1000).toFixed(1)],
          ];
          io.table(['what', 'value'], rows);
        }
        if (!ok) throw new Error("the seeded marketplace's books or audit chain did not verify (see above)");
      }),
    );
  example(verb, 'mvshop seed --shops 20 --products 100000 --users 500 --orders 300 --seed 7 --yes');
}

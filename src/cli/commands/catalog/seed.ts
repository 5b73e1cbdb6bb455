import type { Command } from 'commander';
import { dryRunOption, example, noun } from '../../args.ts';
import { parseArg, runCommand } from '../../runtime.ts';

const count = (z: typeof import('zod').z, max: number) => z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more').max(max, `must be at most ${max}`);

/** `mvshop catalog seed`: demo or benchmark data — shops with active products and events. */
export default function register(program: Command): void {
  const verb = noun(program, 'catalog')
    .command('seed')
    .description('insert demo shops with active products and events (for fresh demo or bench databases)')
    .option('--shops <n>', 'shops to create', '10')
    .option('--products <n>', 'products spread across them', '200')
    .option('--events <n>', 'events (half running, half upcoming)', '0')
    .option('--password <p>', 'a password every seeded shop can sign in with')
    .option('--seed <n>', 'pseudo-random seed: the same seed gives the same catalog', '1')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((opts: { shops: string; products: string; events: string; password?: string; seed: string; reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const [{ seedCatalog }, { recordAudit }, { z }] = await Promise.all([
          import('../../../core/catalog/index.ts'),
          import('../../../core/audit/index.ts'),
          import('zod'),
        ]);
        const input = {
          shops: parseArg(count(z, 100_000).min(1, 'must be at least 1'), opts.shops, '--shops'),
          products: parseArg(count(z, 5_000_000), opts.products, '--products'),
          events: parseArg(count(z, 1_000_000), opts.events, '--events'),
          seed: parseArg(z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number'), opts.seed, '--seed'),
          ...(opts.password && { password: opts.password }),
        };
        const result = await change(`Insert ${input.shops} shops, ${input.products} products and ${input.events} events?`, async (c) => {
          const seeded = await seedCatalog(c, input, (step, done, total) => io.note(`${step}: ${done}/${total}`));
          const { shops, products, events, seed } = input;
          await recordAudit(c, { action: 'catalog.seed', target: 'catalog', reason: opts.reason, details: { shops, products, events, seed } });
          return seeded;
        });
        const summary = {
          shops: result.shopIds.length,
          products: result.productIds.length,
          events: result.eventIds.length,
          ms: result.ms,
          firstShopEmail: result.emails[0] ?? null,
        };
        if (io.json) return io.printJson(summary);
        io.table(['what', 'value'], Object.entries(summary).map(([k, v]) => [k, String(v)]));
      }),
    );
  example(verb, 'mvshop catalog seed --shops 20 --products 2000 --events 50 --seed 7 --yes');
}

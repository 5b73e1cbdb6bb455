import type { Command } from 'commander';
import { noun } from '../../args.ts';
import { parseArg, runCommand } from '../../runtime.ts';

const count = (z: typeof import('zod').z, max: number) => z.coerce.number().int('must be a whole number').min(0, 'must be 0 or more').max(max, `must be at most ${max}`);

/** `mvshop catalog seed`: demo or benchmark data — shops with active products and events. */
export default function register(program: Command): void {
  noun(program, 'catalog')
    .command('seed')
    .description('insert demo shops with active products and events (for fresh demo or bench databases)')
    .option('--shops <n>', 'shops to create', '10')
    .option('--products <n>', 'products spread across them', '200')
    .option('--events <n>', 'events (half running, half upcoming)', '0')
    .option('--password <p>', 'a password every seeded shop can sign in with')
    .option('--seed <n>', 'pseudo-random seed: the same seed gives the same catalog', '1')
    .action((opts: { shops: string; products: string; events: string; password?: string; seed: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const [{ seedCatalog }, { z }] = await Promise.all([import('../../../core/catalog/index.ts'), import('zod')]);
        const input = {
          shops: parseArg(count(z, 100_000).min(1, 'must be at least 1'), opts.shops, '--shops'),
          products: parseArg(count(z, 5_000_000), opts.products, '--products'),
          events: parseArg(count(z, 1_000_000), opts.events, '--events'),
          seed: parseArg(z.coerce.number().int('must be a whole number'), opts.seed, '--seed'),
          ...(opts.password && { password: opts.password }),
        };
        await io.confirm(`Insert ${input.shops} shops, ${input.products} products and ${input.events} events?`);
        const result = await seedCatalog(await ctx(), input, (step, done, total) => io.note(`${step}: ${done}/${total}`));
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
}

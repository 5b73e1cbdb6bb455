import type { Command } from 'commander';
import { example, idArgument, noun } from '../../args.ts';
import { amount } from '../../io.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop shop statement <shopId> [--month YYYY-MM] [--csv]`: the seller's monthly statement, as GET /shop/statement gives it. */
export default function register(program: Command): void {
  const verb = noun(program, 'shop')
    .command('statement')
    .description('a shop’s statement for one month (UTC): opening balances, sales, commission, refunds, settlements, withdrawals, closing')
    .addArgument(idArgument('shopId', 'shop', 'the shop (shop_…)'))
    .option('--month <YYYY-MM>', 'the month; default: this month')
    .option('--csv', 'print it as CSV (one row per line, one column per account) instead of a table')
    .action((shopId: string, opts: { month?: string; csv?: boolean }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { shopStatement, shopStatementCsv } = await import('../../../core/ledger/index.ts');
        const c = await ctx();
        const input = { month: opts.month ?? c.clock.now().toISOString().slice(0, 7) };
        if (opts.csv) return io.print((await shopStatementCsv(c, shopId, input).catch(namingId(shopId))).trimEnd());
        const s = await shopStatement(c, shopId, input).catch(namingId(shopId));
        if (io.json) return io.printJson(s);
        const lines = ['opening', 'sales', 'commission', 'refunds', 'settlements', 'withdrawals', 'closing'] as const;
        io.table(
          ['line', 'pending', 'available', 'on hold', 'paid out', 'balance owed'],
          lines.map((l) => [l, ...[s[l].pending, s[l].available, s[l].onHold, s[l].paidOut, s[l].balance].map(amount)]),
        );
        const debt = s.closing.debt > 0 ? `; in debt by ${amount(s.closing.debt)}` : '';
        io.print(`Shop ${s.shopId}, ${s.month} (${s.currency})${debt}.`);
      }),
    );
  example(verb, 'mvshop shop statement shop_01j… --month 2025-03 --csv > statement.csv');
}

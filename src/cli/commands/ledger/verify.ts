import type { Command } from 'commander';
import { noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop ledger verify`: recomputes every balance from the entries; exits 1 when anything drifted. */
export default function register(program: Command): void {
  noun(program, 'ledger')
    .command('verify')
    .description('recompute all balances from ledger entries and report unbalanced journals or drift')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { verifyLedger } = await import('../../../core/ledger/index.ts');
        const report = await verifyLedger(await ctx());
        if (io.json) io.printJson(report);
        else {
          io.table(
            ['check', 'result'],
            [
              ['journals', report.journals],
              ['entries', report.entries],
              ['sum of all entries', report.totalMinor],
              ['unbalanced journals', report.unbalancedJournals.length],
              ['drifted balances', report.balanceDrift.length],
            ],
          );
          for (const j of report.unbalancedJournals) io.print(`unbalanced: ${j.kind}/${j.ref} (${j.journalId}) sums to ${j.sumMinor}`);
          for (const d of report.balanceDrift) io.print(`drift: ${d.account} stored ${d.storedMinor}, entries say ${d.computedMinor}`);
          io.print(report.ok ? 'Ledger OK.' : 'Ledger has drift.');
        }
        if (!report.ok) process.exitCode = 1;
      }),
    );
}

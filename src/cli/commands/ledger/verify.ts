import type { Command } from 'commander';
import { noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop ledger verify`: recomputes every balance from the entries, checks them against withdrawals; exits 1 when anything is off. */
export default function register(program: Command): void {
  noun(program, 'ledger')
    .command('verify')
    .description('recompute all balances from ledger entries and check them against withdrawals; report unbalanced journals, drift or overdrafts')
    .action((_opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { verifyBooks } = await import('../../../core/flows/index.ts');
        const report = await verifyBooks(await ctx());
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
              ['available below zero beyond debt', report.negativeWithoutDebt.length],
              ['held ≠ Processing withdrawals', report.heldMismatch.length],
              ['paid out ≠ succeed withdrawals', report.paidOutMismatch.length],
            ],
          );
          for (const j of report.unbalancedJournals) io.print(`unbalanced: ${j.kind}/${j.ref} (${j.journalId}) sums to ${j.sumMinor}`);
          for (const d of report.balanceDrift) io.print(`drift: ${d.account} stored ${d.storedMinor}, entries say ${d.computedMinor}`);
          for (const n of report.negativeWithoutDebt) io.print(`overdrawn: ${n.account} is ${n.availableMinor}, debt from refunds and fees only ${n.debtMinor}`);
          for (const h of report.heldMismatch) io.print(`held: shop ${h.shopId} holds ${h.heldMinor}, Processing withdrawals sum to ${h.processingMinor}`);
          for (const p of report.paidOutMismatch) io.print(`paid out: shop ${p.shopId} paid out ${p.paidOutMinor}, succeed withdrawals sum to ${p.succeedMinor}`);
          io.print(report.ok ? 'Ledger OK.' : 'Ledger has drift.');
        }
        if (!report.ok) process.exitCode = 1;
      }),
    );
}

import type { Command } from 'commander';
import type { ErrorCode } from '../../../core/shared/errors.ts';
import type { pendingWithdrawals, WithdrawalDto } from '../../../core/withdrawals/index.ts';
import { dryRunOption, example, idsArgument, noun } from '../../args.ts';
import { amount, formatAge, UsageError, type Io } from '../../io.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** What the operator is asked about and shown: the fields the picker and the summary need. */
type Candidate = Pick<WithdrawalDto, '_id' | 'seller' | 'amount' | 'currency'>;

/** The pending queue as a checkbox list: shop, amount, the shop's available balance and debt now, and how long it has waited. */
async function pick(io: Io, queue: Awaited<ReturnType<typeof pendingWithdrawals>>): Promise<Candidate[]> {
  const { checkbox } = await import('@inquirer/prompts');
  const now = Date.now();
  const width = Math.max(...queue.withdraws.map((w) => w.seller.name.length));
  if (queue.total > queue.withdraws.length) io.note(`Showing the oldest ${queue.withdraws.length} of ${queue.total} pending withdrawals.`);
  return checkbox({
    message: `Withdrawals to approve (${queue.total} pending, ${amount(queue.totalAmount)} ${queue.currency})`,
    required: true,
    pageSize: 15,
    choices: queue.withdraws.map((w) => ({
      value: w,
      short: w._id,
      name: [
        w.seller.name.padEnd(width),
        `${amount(w.amount)} ${w.currency}`.padStart(14),
        `available ${amount(w.shopBalance.available)}`,
        w.shopBalance.debt > 0 ? `DEBT ${amount(w.shopBalance.debt)}` : 'no debt',
        `waiting ${formatAge(Math.max(0, Math.floor((now - Date.parse(w.createdAt)) / 1000)))}`,
      ].join('  '),
      // Under the list for the focused row only, so each row fits an 80-column terminal.
      description: `${w._id} of ${w.shopId}`,
    })),
  });
}

/**
 * `mvshop withdraw approve [withdrawalId...]`: pays out withdrawals through the same core call as
 * PUT /withdraw/update-withdraw-request/:id, one after the other; on a terminal without ids, the
 * operator picks from the pending queue. Each is decided once: one already decided is refused and
 * reported, the others still go through, and the command then exits 1.
 */
export default function register(program: Command): void {
  const verb = noun(program, 'withdraw')
    .command('approve')
    .description('approve withdrawals: their held money is paid out to the bank account on file (no id: pick on a terminal)')
    .addArgument(idsArgument('withdrawalIds', 'withdrawal', 'the withdrawals (wd_…); none: choose from the pending ones on a terminal'))
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((ids: string[] | undefined, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx, change }) => {
        const [{ approveWithdrawal, getWithdrawal, pendingWithdrawals }, { AppError, isAppError }, { majorToMinor, formatMinor }] = await Promise.all([
          import('../../../core/withdrawals/index.ts'),
          import('../../../core/shared/errors.ts'),
          import('../../../core/shared/money.ts'),
        ]);
        let chosen: Candidate[];
        if (ids?.length) {
          const c = await ctx();
          chosen = [];
          for (const id of ids) chosen.push(await getWithdrawal(c, id).catch(namingId(id)));
        } else {
          if (!io.interactive)
            throw new UsageError('name the withdrawals to approve (see mvshop withdraw list --status Processing), or run on a terminal to pick them');
          const queue = await pendingWithdrawals(await ctx());
          if (queue.withdraws.length === 0) {
            if (io.json) return io.printJson({ approved: [], failed: [] });
            return io.print('No withdrawals wait for approval.');
          }
          chosen = await pick(io, queue);
        }
        const currency = chosen[0]!.currency;
        const totalMinor = chosen.reduce((sum, w) => sum + majorToMinor(w.amount), 0);
        const what = chosen.length === 1 ? `withdrawal ${chosen[0]!._id} of ${chosen[0]!.seller.name}` : `${chosen.length} withdrawals`;
        const outcome = await change(`Pay out ${formatMinor(totalMinor)} ${currency} in all, approving ${what}?`, async (c) => {
          const approved = [];
          const failed: { _id: string; code: ErrorCode; error: string }[] = [];
          for (const w of chosen) {
            try {
              approved.push(await approveWithdrawal(c, { id: w._id, reason: opts.reason }));
            } catch (err) {
              if (!isAppError(err)) throw err;
              failed.push({ _id: w._id, code: err.code, error: err.message });
            }
          }
          return { approved, failed };
        });
        if (io.json) io.printJson(outcome);
        else {
          io.table(
            ['withdrawal', 'shop', 'amount', 'outcome'],
            [
              ...outcome.approved.map((w) => [w._id, w.seller.name, `${amount(w.amount)} ${w.currency}`, `${w.status}, by ${w.decidedBy}`]),
              ...outcome.failed.map((f) => [f._id, chosen.find((w) => w._id === f._id)?.seller.name, '', `refused: ${f.error}`]),
            ],
          );
          const paid = outcome.approved.reduce((sum, w) => sum + majorToMinor(w.amount), 0);
          io.print(`Approved ${outcome.approved.length} of ${chosen.length}, ${formatMinor(paid)} ${currency} paid out.`);
        }
        const [first] = outcome.failed;
        if (!first) return;
        if (outcome.failed.length === 1) throw new AppError(first.code, first.error);
        throw new AppError('INVALID_STATE', `${outcome.failed.length} of ${chosen.length} withdrawals were not approved: ${outcome.failed.map((f) => f.error).join('; ')}`);
      }),
    );
  example(verb, 'mvshop withdraw approve wd_01j… wd_01k… --reason "weekly payout run"');
}

import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop coupon delete <couponId> --reason R`: nobody can redeem the coupon any more; audited. */
export default function register(program: Command): void {
  const verb = noun(program, 'coupon')
    .command('delete')
    .description('delete a coupon: nobody can redeem it any more (orders that used it keep it)')
    .addArgument(idArgument('couponId', 'coupon', 'the coupon (cpn_…)'))
    .option('--reason <text>', 'why (recorded in the audit log); required')
    .addOption(dryRunOption())
    .action((couponId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { deleteCoupon } = await import('../../../core/coupons/index.ts');
        const reason = await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (recorded in the audit log)' });
        const coupon = await change(`Delete coupon ${couponId}? Nobody can redeem it any more.`, (c) =>
          deleteCoupon(c, couponId, reason).catch(namingId(couponId)),
        );
        if (io.json) return io.printJson({ coupon, deleted: true, reason });
        io.print(`Deleted coupon ${coupon._id} (${coupon.name}) of shop ${coupon.shopId}.`);
      }),
    );
  example(verb, 'mvshop coupon delete cpn_01j… --reason "leaked on a deals forum"');
}

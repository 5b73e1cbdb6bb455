import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { amount } from '../../io.ts';
import { namingId, runCommand } from '../../runtime.ts';

/**
 * `mvshop order refund <orderId> --reason R`: completes a refund the buyer asked for, as an admin
 * does with PUT /order/order-refund-success/:id: money back (Stripe or cash), restock, ledger reversed.
 */
export default function register(program: Command): void {
  const verb = noun(program, 'order')
    .command('refund')
    .description('refund an order in "Processing refund": money back to the buyer, stock restored, ledger reversed')
    .addArgument(idArgument('orderId', 'order', 'the order (ord_…)'))
    .option('--reason <text>', 'why (recorded in the audit log); required')
    .addOption(dryRunOption())
    .action((orderId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { refundOrder } = await import('../../../core/flows/index.ts');
        const reason = await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (recorded in the audit log)' });
        const order = await change(`Refund order ${orderId} to its buyer? Its stock is restored and its ledger postings reversed.`, (c) =>
          refundOrder(c, orderId, { reason }).catch(namingId(orderId)),
        );
        if (io.json) return io.printJson(order);
        if (order.status === 'Processing refund')
          return io.print(`Refund of order ${order._id} sent: Stripe holds it as pending until the bank pays it; the order stays "Processing refund".`);
        io.print(`Refunded order ${order._id}: ${amount(order.totalPrice)} ${order.currency}, now "${order.status}" (payment ${order.paymentInfo.status}).`);
      }),
    );
  example(verb, 'mvshop order refund ord_01j… --reason "parcel lost by the carrier"');
}

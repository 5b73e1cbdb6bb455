import type { Command } from 'commander';
import { example, idArgument, noun } from '../../args.ts';
import { amount, shortTime } from '../../io.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop order show <orderId>`: one order, its lines and its status history. */
export default function register(program: Command): void {
  const verb = noun(program, 'order')
    .command('show')
    .description('show one order: buyer, shop, money, lines and status history')
    .addArgument(idArgument('orderId', 'order', 'the order (ord_…)'))
    .action((orderId: string, _opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { getOrder } = await import('../../../core/orders/index.ts');
        const o = await getOrder(await ctx(), orderId).catch(namingId(orderId));
        if (io.json) return io.printJson(o);
        const money = (major: number) => `${amount(major)} ${o.currency}`;
        io.table(
          ['order', o._id],
          [
            ['status', o.status],
            ['shop', `${o.shop.name} (${o.shopId})`],
            ['buyer', `${o.user.name} <${o.user.email}> (${o.user._id})`],
            ['payment', `${o.paymentInfo.type}, ${o.paymentInfo.status}${o.paymentInfo.id ? ` (${o.paymentInfo.id})` : ''}`],
            ['subtotal', money(o.subtotal)],
            ['discount', money(o.discount)],
            ['shipping', money(o.shipping)],
            ['total', money(o.totalPrice)],
            ['platform fee', money(o.platformFee)],
            ['refund reason', o.refundReason],
            ['placed', shortTime(o.createdAt)],
          ],
        );
        io.table(
          ['product', 'name', 'qty', 'unit price', 'line total'],
          o.cart.map((l) => [l.productId, l.name, l.qty, money(l.price), money(l.lineTotal)]),
        );
        io.table(
          ['when', 'from', 'to', 'by', 'note'],
          (o.statusHistory ?? []).map((h) => [shortTime(h.at), h.from, h.status, h.actor, h.note]),
        );
      }),
    );
  example(verb, 'mvshop order show ord_01j… --json');
}

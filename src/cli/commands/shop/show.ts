import type { Command } from 'commander';
import { example, idArgument, noun } from '../../args.ts';
import { shortTime } from '../../io.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop shop show <shopId>`: one shop, closed or not: profile, standing, listings, orders, balances. */
export default function register(program: Command): void {
  const verb = noun(program, 'shop')
    .command('show')
    .description('show one shop: profile, commission, ban, listings, orders and balances')
    .addArgument(idArgument('shopId', 'shop', 'the shop (shop_…)'))
    .action((shopId: string, _opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const [{ showShop }, { formatMinor }] = await Promise.all([import('../../../core/shops/index.ts'), import('../../../core/shared/money.ts')]);
        const c = await ctx();
        const s = await showShop(c, shopId).catch(namingId(shopId));
        if (io.json) return io.printJson(s);
        const money = (minor: number) => `${formatMinor(minor)} ${c.config.currency}`;
        const bank = s.withdrawMethod;
        io.table(
          ['shop', s._id],
          [
            ['name', s.name],
            ['email', s.email],
            ['phone', s.phoneNumber],
            ['address', `${s.address} ${s.zipCode}`],
            ['commission', `${(s.feeBps / 100).toFixed(2)}%`],
            ['banned', s.bannedAt ? `since ${shortTime(s.bannedAt)}: ${s.banReason ?? ''}` : 'no'],
            ['closed', s.deletedAt ? shortTime(s.deletedAt) : 'no'],
            ['listings', `${s.listings.products} products, ${s.listings.events} events`],
            ['orders', `${s.orders.count} (${money(s.orders.totalMinor)})`],
            ['balance', `pending ${money(s.balances.pendingMinor)}, available ${money(s.balances.availableMinor)}`],
            ['withdraw method', bank ? `${bank.bankName}, ${bank.bankHolderName}` : 'none'],
            ['opened', shortTime(s.createdAt)],
          ],
        );
      }),
    );
  example(verb, 'mvshop shop show shop_01j…');
}

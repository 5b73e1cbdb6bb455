import type { Command } from 'commander';
import { example, idArgument, noun } from '../../args.ts';
import { amount } from '../../io.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop shop balance <shopId>`: the shop's ledger balances by stage. */
export default function register(program: Command): void {
  const verb = noun(program, 'shop')
    .command('balance')
    .description('show a shop’s ledger balances: pending, available, on hold for withdrawal, paid out')
    .addArgument(idArgument('shopId', 'shop', 'the shop (shop_…)'))
    .action((shopId: string, _opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { getShopBalance } = await import('../../../core/shops/index.ts');
        const shop = await getShopBalance(await ctx(), shopId).catch(namingId(shopId));
        if (io.json) return io.printJson(shop);
        const { currency, ...stages } = shop.balance;
        io.table(
          ['balance', `amount (${currency})`],
          Object.entries(stages).map(([stage, major]) => [stage, amount(major)]),
        );
        io.print(`Shop ${shop.name} (${shop.shopId}).`);
      }),
    );
  example(verb, 'mvshop shop balance shop_01j… --json');
}

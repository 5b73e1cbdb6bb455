import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop shop unban <shopId>`: lifts a ban; the shop is visible and can sign in again. */
export default function register(program: Command): void {
  const verb = noun(program, 'shop')
    .command('unban')
    .description('lift a ban on a shop')
    .addArgument(idArgument('shopId', 'shop', 'the shop (shop_…)'))
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((shopId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { setShopBan } = await import('../../../core/shops/index.ts');
        await change(`Lift the ban on shop ${shopId}?`, (c) => setShopBan(c, shopId, false, opts.reason).catch(namingId(shopId)));
        if (io.json) return io.printJson({ shopId, banned: false });
        io.print(`Lifted the ban on shop ${shopId}.`);
      }),
    );
  example(verb, 'mvshop shop unban shop_01j… --reason "documents checked"');
}

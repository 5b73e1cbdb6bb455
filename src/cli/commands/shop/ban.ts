import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop shop ban <shopId> --reason R`: the shop cannot sign in and disappears from public views. */
export default function register(program: Command): void {
  const verb = noun(program, 'shop')
    .command('ban')
    .description('ban a shop: its seller cannot sign in and it disappears from public views')
    .addArgument(idArgument('shopId', 'shop', 'the shop (shop_…)'))
    .option('--reason <text>', 'why (recorded in the audit log); required')
    .addOption(dryRunOption())
    .action((shopId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { setShopBan } = await import('../../../core/shops/index.ts');
        const reason = await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (recorded in the audit log)' });
        await change(`Ban shop ${shopId}? Its seller is signed out and its products are hidden.`, (c) =>
          setShopBan(c, shopId, true, reason).catch(namingId(shopId)),
        );
        if (io.json) return io.printJson({ shopId, banned: true, reason });
        io.print(`Banned shop ${shopId}.`);
      }),
    );
  example(verb, 'mvshop shop ban shop_01j… --reason "counterfeit goods"');
}

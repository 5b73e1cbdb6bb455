import type { Command } from 'commander';
import { dryRunOption, example, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop product hide <listingId>`: hide an active or pending listing from buyers (reason required); audited with the operator's name. */
export default function register(program: Command): void {
  const verb = noun(program, 'product')
    .command('hide')
    .description('hide an active or pending listing from buyers (reason required)')
    .argument('<listingId>', 'the product or event (prod_… or evt_…)')
    .option('--reason <text>', 'why (recorded in the audit log); required')
    .addOption(dryRunOption())
    .action((listingId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { hideListing } = await import('../../../core/catalog/index.ts');
        const reason = await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (recorded in the audit log)' });
        const result = await change(`Hide listing ${listingId} from buyers?`, (c) => hideListing(c, { id: listingId, reason }).catch(namingId(listingId)));
        if (io.json) return io.printJson(result);
        io.print(`${result.kind} ${result._id}: ${result.from} → ${result.status}`);
      }),
    );
  example(verb, 'mvshop product hide evt_01j… --reason "misleading price"');
}

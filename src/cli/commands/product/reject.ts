import type { Command } from 'commander';
import { dryRunOption, example, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop product reject <listingId>`: reject a pending listing (reason required); audited with the operator's name. */
export default function register(program: Command): void {
  const verb = noun(program, 'product')
    .command('reject')
    .description('reject a pending listing (reason required)')
    .argument('<listingId>', 'the product or event (prod_… or evt_…)')
    .option('--reason <text>', 'why (recorded in the audit log); required')
    .addOption(dryRunOption())
    .action((listingId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { rejectListing } = await import('../../../core/catalog/index.ts');
        const reason = await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (recorded in the audit log)' });
        const result = await change(`Reject listing ${listingId}? The seller sees the reason.`, (c) => rejectListing(c, { id: listingId, reason }).catch(namingId(listingId)));
        if (io.json) return io.printJson(result);
        io.print(`${result.kind} ${result._id}: ${result.from} → ${result.status}`);
      }),
    );
  example(verb, 'mvshop product reject prod_01j… --reason "prohibited item"');
}

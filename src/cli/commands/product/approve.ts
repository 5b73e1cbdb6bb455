import type { Command } from 'commander';
import { dryRunOption, example, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop product approve <listingId>`: make a pending, hidden or rejected listing active; audited with the operator's name. */
export default function register(program: Command): void {
  const verb = noun(program, 'product')
    .command('approve')
    .description('make a pending, hidden or rejected listing active')
    .argument('<listingId>', 'the product or event (prod_… or evt_…)')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((listingId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { approveListing } = await import('../../../core/catalog/index.ts');
        const reason = opts.reason;
        const result = await change(`Make listing ${listingId} active (visible and on sale)?`, (c) => approveListing(c, { id: listingId, reason }).catch(namingId(listingId)));
        if (io.json) return io.printJson(result);
        io.print(`${result.kind} ${result._id}: ${result.from} → ${result.status}`);
      }),
    );
  example(verb, 'mvshop product approve prod_01j… --reason "fixed the photos"');
}

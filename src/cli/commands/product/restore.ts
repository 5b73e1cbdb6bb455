import type { Command } from 'commander';
import { dryRunOption, example, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop product restore <listingId>`: undoes a deletion (by its shop or an operator); audited. */
export default function register(program: Command): void {
  const verb = noun(program, 'product')
    .command('restore')
    .description('bring back a deleted product or event, with the moderation status it had')
    .argument('<listingId>', 'the product or event (prod_… or evt_…)')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((listingId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { restoreListing } = await import('../../../core/catalog/index.ts');
        const restored = await change(`Restore deleted listing ${listingId}?`, (c) =>
          restoreListing(c, { id: listingId, reason: opts.reason }).catch(namingId(listingId)),
        );
        if (io.json) return io.printJson({ listing: restored, restored: true });
        io.print(`Restored ${restored.kind} ${restored._id} ("${restored.name}"), ${restored.status}.`);
      }),
    );
  example(verb, 'mvshop product restore prod_01j… --reason "deleted by mistake"');
}

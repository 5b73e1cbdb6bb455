import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop event delete <eventId> --reason R`: takes an event down for good (restorable with `product restore`); audited. */
export default function register(program: Command): void {
  const verb = noun(program, 'event')
    .command('delete')
    .description('delete an event: nobody can see or buy it any more (orders keep it; `product restore` brings it back)')
    .addArgument(idArgument('eventId', 'event', 'the event (evt_…)'))
    .option('--reason <text>', 'why (recorded in the audit log); required')
    .addOption(dryRunOption())
    .action((eventId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { deleteEvent } = await import('../../../core/catalog/index.ts');
        const reason = await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (recorded in the audit log)' });
        const deleted = await change(`Delete event ${eventId}? Buyers can no longer see or buy it.`, (c) =>
          deleteEvent(c, eventId, reason).catch(namingId(eventId)),
        );
        if (io.json) return io.printJson({ event: deleted, deleted: true, reason });
        io.print(`Deleted event ${deleted._id} ("${deleted.name}") of shop ${deleted.shopId}.`);
      }),
    );
  example(verb, 'mvshop event delete evt_01j… --reason "fake discount"');
}

import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop user unban <userId>`: lifts a ban; the account can sign in again. */
export default function register(program: Command): void {
  const verb = noun(program, 'user')
    .command('unban')
    .description('lift a ban on an account')
    .addArgument(idArgument('userId', 'user', 'the account (usr_…)'))
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((userId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { setUserBan } = await import('../../../core/users/index.ts');
        await change(`Lift the ban on user ${userId}?`, (c) => setUserBan(c, userId, false, opts.reason).catch(namingId(userId)));
        if (io.json) return io.printJson({ userId, banned: false });
        io.print(`Lifted the ban on user ${userId}.`);
      }),
    );
  example(verb, 'mvshop user unban usr_01j… --reason "appeal accepted"');
}

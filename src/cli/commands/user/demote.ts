import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop user demote <userId>`: make an Admin a plain User again; takes effect on their next request, audited. */
export default function register(program: Command): void {
  const verb = noun(program, 'user')
    .command('demote')
    .description('make an Admin a plain User again')
    .addArgument(idArgument('userId', 'user', 'the account (usr_…)'))
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((userId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { setUserRole } = await import('../../../core/users/index.ts');
        const user = await change(`Make user ${userId} a plain User again? They lose admin rights at once.`, (c) => setUserRole(c, userId, 'User', opts.reason).catch(namingId(userId)));
        if (io.json) return io.printJson({ user });
        io.print(`Demoted ${user._id} <${user.email}> to User.`);
      }),
    );
  example(verb, 'mvshop user demote usr_01j… --reason "left the support team"');
}

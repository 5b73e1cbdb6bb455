import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop user promote <userId>`: make an account an Admin; takes effect on their next request, audited. */
export default function register(program: Command): void {
  const verb = noun(program, 'user')
    .command('promote')
    .description('make an account an Admin')
    .addArgument(idArgument('userId', 'user', 'the account (usr_…)'))
    .option('--reason <text>', 'why (recorded in the audit log)')
    .addOption(dryRunOption())
    .action((userId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { setUserRole } = await import('../../../core/users/index.ts');
        const user = await change(`Make user ${userId} an Admin? They can moderate, refund and ban.`, (c) => setUserRole(c, userId, 'Admin', opts.reason).catch(namingId(userId)));
        if (io.json) return io.printJson({ user });
        io.print(`Promoted ${user._id} <${user.email}> to Admin.`);
      }),
    );
  example(verb, 'mvshop user promote usr_01j… --reason "new support lead"');
}

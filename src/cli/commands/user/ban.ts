import type { Command } from 'commander';
import { dryRunOption, example, idArgument, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop user ban <userId> --reason R`: the account cannot sign in and its live sessions are refused. */
export default function register(program: Command): void {
  const verb = noun(program, 'user')
    .command('ban')
    .description('ban an account: it cannot sign in and its sessions stop working')
    .addArgument(idArgument('userId', 'user', 'the account (usr_…)'))
    .option('--reason <text>', 'why (recorded in the audit log); required')
    .addOption(dryRunOption())
    .action((userId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, change }) => {
        const { setUserBan } = await import('../../../core/users/index.ts');
        const reason = await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (recorded in the audit log)' });
        await change(`Ban user ${userId}? They are signed out and cannot sign in.`, (c) => setUserBan(c, userId, true, reason).catch(namingId(userId)));
        if (io.json) return io.printJson({ userId, banned: true, reason });
        io.print(`Banned user ${userId}.`);
      }),
    );
  example(verb, 'mvshop user ban usr_01j… --reason "spam orders"');
}

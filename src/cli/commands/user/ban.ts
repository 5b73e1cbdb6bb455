import type { Command } from 'commander';
import { idArgument, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop user ban <userId> --reason R`: the account cannot sign in and its live sessions are refused. */
export default function register(program: Command): void {
  noun(program, 'user')
    .command('ban')
    .description('ban an account: it cannot sign in and its sessions stop working')
    .addArgument(idArgument('userId', 'user', 'the account (usr_…)'))
    .option('--reason <text>', 'why (recorded in the audit log); required')
    .action((userId: string, opts: { reason?: string }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { setUserBan } = await import('../../../core/users/index.ts');
        const reason = await io.require(opts.reason, { flag: '--reason <text>', message: 'Reason (recorded in the audit log)' });
        await io.confirm(`Ban user ${userId}? They are signed out and cannot sign in.`);
        await setUserBan(await ctx(), userId, true, reason).catch(namingId(userId));
        if (io.json) return io.printJson({ userId, banned: true, reason });
        io.print(`Banned user ${userId}.`);
      }),
    );
}

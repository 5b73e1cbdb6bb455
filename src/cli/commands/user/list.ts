import type { Command } from 'commander';
import { intOption, noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop user list [--page N] [--limit N]`: live accounts, newest first. */
export default function register(program: Command): void {
  noun(program, 'user')
    .command('list')
    .description('list accounts, newest first')
    .option('--page <n>', 'page number', intOption)
    .option('--limit <n>', 'rows per page (at most 100)', intOption)
    .action((opts: { page?: number; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { listUsers } = await import('../../../core/users/index.ts');
        const page = await listUsers(await ctx(), opts);
        if (io.json) return io.printJson(page);
        if (page.users.length === 0) return io.print(page.total ? `No users on page ${page.page} (${page.total} in all).` : 'No users.');
        io.table(
          ['id', 'name', 'email', 'role', 'created'],
          page.users.map((u) => [u._id, u.name, u.email, u.role, u.createdAt]),
        );
        io.print(`Page ${page.page} of ${page.pages}, ${page.total} user${page.total === 1 ? '' : 's'}.`);
      }),
    );
}

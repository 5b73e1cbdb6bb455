import type { Command } from 'commander';
import { example, idArgument, noun } from '../../args.ts';
import { shortTime } from '../../io.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop user show <userId>`: one account, deleted or not, with its standing and orders. */
export default function register(program: Command): void {
  const verb = noun(program, 'user')
    .command('show')
    .description('show one account: profile, role, ban, addresses and orders')
    .addArgument(idArgument('userId', 'user', 'the account (usr_…)'))
    .action((userId: string, _opts: unknown, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const [{ showUser }, { formatMinor }] = await Promise.all([import('../../../core/users/index.ts'), import('../../../core/shared/money.ts')]);
        const c = await ctx();
        const u = await showUser(c, userId).catch(namingId(userId));
        if (io.json) return io.printJson(u);
        io.table(
          ['user', u._id],
          [
            ['name', u.name],
            ['email', u.email],
            ['phone', u.phoneNumber],
            ['role', u.role],
            ['banned', u.bannedAt ? `since ${shortTime(u.bannedAt)}: ${u.banReason ?? ''}` : 'no'],
            ['deleted', u.deletedAt ? shortTime(u.deletedAt) : 'no'],
            ['orders', `${u.orders.count} (${formatMinor(u.orders.totalMinor)} ${c.config.currency})`],
            ['addresses', u.addresses.map((a) => `${a.addressType}: ${a.address1}, ${a.city}, ${a.country}`).join('\n')],
            ['joined', shortTime(u.createdAt)],
          ],
        );
      }),
    );
  example(verb, 'mvshop user show usr_01j…');
}

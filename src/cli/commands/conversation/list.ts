import type { Command } from 'commander';
import { intOption, noun } from '../../args.ts';
import { runCommand } from '../../runtime.ts';

/** `mvshop conversation list [--user U] [--shop S]`: conversations, newest activity first, for abuse handling; audited. */
export default function register(program: Command): void {
  noun(program, 'conversation')
    .command('list')
    .description("list conversations, newest activity first (audited); --user or --shop narrows to one party's")
    .option('--user <userId>', "only this buyer's conversations (usr_…)")
    .option('--shop <shopId>', "only this shop's conversations (shop_…)")
    .option('--page <n>', 'page number', intOption)
    .option('--limit <n>', 'rows per page (at most 100)', intOption)
    .action((opts: { user?: string; shop?: string; page?: number; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { adminListConversations } = await import('../../../core/messaging/index.ts');
        const page = await adminListConversations(await ctx(), opts);
        if (io.json) return io.printJson(page);
        if (page.conversations.length === 0)
          return io.print(page.total ? `No conversations on page ${page.page} (${page.total} in all).` : 'No conversations.');
        io.table(
          ['id', 'buyer', 'shop', 'product', 'messages', 'last message', 'last activity'],
          page.conversations.map((c) => [
            c._id,
            `${c.user.name} (${c.user._id})`,
            `${c.shop.name} (${c.shop._id})`,
            c.productId,
            c.messageCount,
            c.lastMessage,
            c.updatedAt,
          ]),
        );
        io.print(`Page ${page.page} of ${page.pages}, ${page.total} conversation${page.total === 1 ? '' : 's'}.`);
      }),
    );
}

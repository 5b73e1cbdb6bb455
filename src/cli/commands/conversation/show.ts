import type { Command } from 'commander';
import { idArgument, intOption, noun } from '../../args.ts';
import { namingId, runCommand } from '../../runtime.ts';

/** `mvshop conversation show <conversationId> [--before M] [--limit N]`: a page of its messages, oldest first; audited, marks nothing read. */
export default function register(program: Command): void {
  noun(program, 'conversation')
    .command('show')
    .description('show a page of a conversation, oldest first (audited; marks nothing read)')
    .addArgument(idArgument('conversationId', 'conversation', 'the conversation (conv_…)'))
    .option('--before <messageId>', 'the page ends just before this message (msg_…); default the newest page')
    .option('--limit <n>', 'messages per page (at most 100, default 50)', intOption)
    .action((conversationId: string, opts: { before?: string; limit?: number }, cmd: Command) =>
      runCommand(cmd, async ({ io, ctx }) => {
        const { listMessages } = await import('../../../core/messaging/index.ts');
        const page = await listMessages(await ctx(), { conversationId, ...opts }).catch(namingId(conversationId));
        if (io.json) return io.printJson(page);
        const c = page.conversation;
        io.print(`${c._id}: ${c.user.name} (${c.user._id}) ↔ ${c.shop.name} (${c.shop._id})${c.productId ? `, about ${c.productId}` : ''}`);
        const names = { [c.user._id]: c.user.name, [c.shop._id]: c.shop.name };
        io.table(
          ['id', 'at', 'from', 'text', 'images', 'read'],
          page.messages.map((m) => [m._id, m.createdAt, names[m.sender] ?? m.sender, m.text, m.images.map((i) => i.url).join('\n'), m.readAt ?? '']),
        );
        io.print(`${page.messages.length} of ${page.total} message${page.total === 1 ? '' : 's'}${page.before ? `; older: --before ${page.before}` : ''}.`);
      }),
    );
}

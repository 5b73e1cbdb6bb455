import { and, desc, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import type { Db } from '../db/index.ts';
import { conversations, messages, type ConversationSide } from '../db/schema/index.ts';
import { withTx } from '../db/tx.ts';
import { recordAudit } from '../audit/index.ts';
import { publishOnCommit } from '../live/index.ts';
import { notFound } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { pageInput } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { loadConversation, otherSide, readerOf, type LoadedConversation } from './access.ts';
import { conversationDto, messageDto, toConversationDto, toMessageDto } from './dto.ts';

export const listMessagesInput = z.object({
  conversationId: idSchema('conversation'),
  /** A message id: the page ends just before it (the next older page). Absent: the newest page. */
  before: idSchema('message').optional(),
  limit: pageInput.shape.limit.unwrap().default(50),
});
export type ListMessagesInput = z.input<typeof listMessagesInput>;

export const messagePageDto = z.object({
  conversation: conversationDto,
  /** Oldest to newest. */
  messages: z.array(messageDto),
  /** Messages in the whole conversation. */
  total: z.number().int(),
  /** The `before` cursor of the next older page; null when this page reaches the first message. */
  before: z.string().nullable(),
});
export type MessagePage = z.infer<typeof messagePageDto>;

/**
 * A page of a conversation, oldest to newest, ending before the `before` cursor (or at the newest
 * message). For a participant the other party's messages on the page become read, and in the same
 * transaction the unread count drops by exactly the messages this call marked (a concurrent reader
 * waits on their row locks and marks none of them again; a post adds one with its message), so the
 * count always equals the unread messages. The other party hears a read receipt and the reader's
 * streams the new count. An admin reads any conversation, marks nothing, and the reading is audited.
 */
export async function listMessages(ctx: Ctx, raw: unknown): Promise<MessagePage> {
  const input = parseInput(listMessagesInput, raw);
  const seen = await loadConversation(ctx.db, input.conversationId);
  if (!seen) throw notFound('Conversation');
  const reader = readerOf(ctx.actor, seen.conversation);

  if (reader === 'admin') {
    await recordAudit(ctx, { action: 'conversation.read', target: input.conversationId, details: { before: input.before ?? null, limit: input.limit } });
    return pageOf(seen, reader, await readPage(ctx.db, input));
  }
  if ((reader === 'user' ? seen.conversation.userUnread : seen.conversation.shopUnread) === 0)
    return pageOf(seen, reader, await readPage(ctx.db, input));

  return withTx(ctx, async (tx) => {
    const page = await readPage(tx, input);
    const now = ctx.clock.now();
    const conv = seen.conversation;
    const marked = await tx
      .update(messages)
      .set({ readAt: now })
      .where(
        and(
          inArray(
            messages.id,
            page.rows.map((m) => m.id),
          ),
          eq(messages.senderSide, otherSide(reader)),
          isNull(messages.readAt),
        ),
      )
      .returning({ id: messages.id });
    if (marked.length === 0) return pageOf(seen, reader, page);

    const readIds = new Set(marked.map((m) => m.id));
    for (const m of page.rows) if (readIds.has(m.id)) m.readAt = now;
    const unreadColumn = reader === 'user' ? conversations.userUnread : conversations.shopUnread;
    const lessRead = sql`${unreadColumn} - ${marked.length}`;
    const [updated] = await tx
      .update(conversations)
      .set(reader === 'user' ? { userUnread: lessRead } : { shopUnread: lessRead })
      .where(eq(conversations.id, conv.id))
      .returning();
    const readerId = reader === 'user' ? conv.userId : conv.shopId;
    publishOnCommit({ ...ctx, db: tx }, [
      {
        account: reader === 'user' ? conv.shopId : conv.userId,
        type: 'read',
        data: { conversationId: conv.id, reader: readerId, messageIds: [...readIds], readAt: now.toISOString() },
      },
      {
        account: readerId,
        type: 'unread',
        data: { conversationId: conv.id, unread: reader === 'user' ? updated!.userUnread : updated!.shopUnread },
      },
    ]);
    return pageOf({ ...seen, conversation: updated! }, reader, page);
  });
}

type MessageRow = typeof messages.$inferSelect;
interface RawPage {
  rows: MessageRow[];
  hasOlder: boolean;
}

/** The page newest-first from the index (conversation, id), one extra row telling whether older ones exist. */
async function readPage(db: Db, input: z.output<typeof listMessagesInput>): Promise<RawPage> {
  const rows = await db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, input.conversationId), input.before ? lt(messages.id, input.before) : undefined))
    .orderBy(desc(messages.id))
    .limit(input.limit + 1);
  const hasOlder = rows.length > input.limit;
  return { rows: rows.slice(0, input.limit).reverse(), hasOlder };
}

function pageOf(loaded: LoadedConversation, reader: ConversationSide | 'admin', page: RawPage): MessagePage {
  return {
    conversation: toConversationDto(loaded, reader),
    messages: page.rows.map(toMessageDto),
    total: loaded.conversation.messageCount,
    before: page.hasOlder ? (page.rows[0]?.id ?? null) : null,
  };
}

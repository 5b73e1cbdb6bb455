import { and, eq, isNull, min } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { findAccountById } from '../auth/index.ts';
import { conversationSides, conversations, messages, type ConversationSide } from '../db/schema/index.ts';
import { withTx } from '../db/tx.ts';
import { queueEmail } from '../mail/index.ts';
import { enqueueOutbox, type OutboxHandler } from '../outbox/index.ts';
import { idSchema } from '../shared/ids.ts';
import { loadConversation, otherSide } from './access.ts';

export const UNREAD_EMAIL_TOPIC = 'messaging.unread-email';

const payloadSchema = z.object({
  conversationId: idSchema('conversation'),
  side: z.enum(conversationSides),
  dueAt: z.iso.datetime(),
});

/**
 * Schedules the check for `side`'s unread messages at `dueAt` (an outbox row that becomes due then),
 * in the caller's transaction, which also records `dueAt` on the conversation: while one waits no
 * other is scheduled, so a side gets at most one email per conversation per delay.
 */
export async function scheduleUnreadEmail(ctx: Ctx, conversationId: string, side: ConversationSide, dueAt: Date): Promise<void> {
  await enqueueOutbox(ctx, UNREAD_EMAIL_TOPIC, { conversationId, side, dueAt: dueAt.toISOString() }, { delayMs: dueAt.getTime() - ctx.clock.now().getTime() });
}

const inboxPath: Record<ConversationSide, string> = { user: '/inbox', shop: '/dashboard-messages' };

/**
 * When a scheduled check comes due: if a message from the other party has waited unread for the
 * whole delay, the recipient is emailed once; if the oldest unread one is younger (the older ones
 * were read meanwhile), the check moves to when that one is due; with nothing unread it just ends.
 * Only the check the conversation still records acts, so a retried or stale row changes nothing.
 */
export const unreadEmailHandler: OutboxHandler = {
  async run(ctx, row) {
    const { conversationId, side, dueAt } = payloadSchema.parse(row.payload);
    await withTx(ctx, async (tx) => {
      const c = { ...ctx, db: tx };
      const loaded = await loadConversation(tx, conversationId, { lock: true });
      const conv = loaded?.conversation;
      const recorded = side === 'user' ? conv?.userEmailDueAt : conv?.shopEmailDueAt;
      if (!loaded || !conv || recorded?.toISOString() !== dueAt) return;

      const unread = side === 'user' ? conv.userUnread : conv.shopUnread;
      let next: Date | null = null;
      if (unread > 0 && !loaded.closed[side]) {
        const [oldest] = await tx
          .select({ at: min(messages.createdAt) })
          .from(messages)
          .where(and(eq(messages.conversationId, conv.id), eq(messages.senderSide, otherSide(side)), isNull(messages.readAt)));
        const overdueAt = oldest?.at ? new Date(oldest.at.getTime() + ctx.config.messaging.emailDelayMinutes * 60_000) : null;
        if (overdueAt && overdueAt > ctx.clock.now()) next = overdueAt;
        else await emailRecipient(c, conv.id, side, side === 'user' ? conv.userId : conv.shopId, loaded[otherSide(side)].name, unread);
      }
      await tx
        .update(conversations)
        .set(side === 'user' ? { userEmailDueAt: next } : { shopEmailDueAt: next })
        .where(eq(conversations.id, conv.id));
      if (next) await scheduleUnreadEmail(c, conv.id, side, next);
    });
  },
};

async function emailRecipient(ctx: Ctx, conversationId: string, side: ConversationSide, accountId: string, from: string, count: number): Promise<void> {
  const to = await findAccountById(ctx, side, accountId);
  if (!to) return;
  const url = `${ctx.config.http.frontendUrl}${inboxPath[side]}?conversation=${conversationId}`;
  await queueEmail(ctx, to.email, 'unread-messages', { name: to.name, from, count, url });
}

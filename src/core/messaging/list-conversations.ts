import { and, count, desc, eq, gt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { recordAudit } from '../audit/index.ts';
import { conversations } from '../db/schema/index.ts';
import { forbidden } from '../shared/errors.ts';
import { idSchema } from '../shared/ids.ts';
import { offsetOf, pageInput, pageOf, type Page, type PageInput } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';
import { isAdminActor, partyOf, selectConversations, toLoaded } from './access.ts';
import { toConversationDto, type ConversationDto, type ConversationViewer } from './dto.ts';

export const listConversationsInput = pageInput;

/**
 * The signed-in buyer's or shop's own conversations, newest activity first, each with the other
 * party's public name and avatar, the last message's preview and the viewer's unread count. A shop
 * sees a conversation once it has a message, so buyers cannot fill a shop's inbox with empty ones.
 */
export async function listConversations(ctx: Ctx, raw: unknown): Promise<Page & { conversations: ConversationDto[] }> {
  const input = parseInput(listConversationsInput, raw);
  const party = partyOf(ctx.actor);
  const own =
    party.side === 'user' ? eq(conversations.userId, party.id) : and(eq(conversations.shopId, party.id), gt(conversations.messageCount, 0));
  return conversationPage(ctx, own, input, party.side);
}

export const adminConversationsInput = pageInput.extend({
  user: idSchema('user').optional(),
  shop: idSchema('shop').optional(),
});
export type AdminConversationsInput = z.input<typeof adminConversationsInput>;

/** Any conversations, for abuse handling (optionally one buyer's or one shop's); admins and operators only, audited. */
export async function adminListConversations(ctx: Ctx, raw: unknown): Promise<Page & { conversations: ConversationDto[] }> {
  const input = parseInput(adminConversationsInput, raw);
  if (!isAdminActor(ctx.actor)) throw forbidden('Admins only');
  await recordAudit(ctx, { action: 'conversation.list', target: input.user ?? input.shop ?? 'conversations', details: { user: input.user ?? null, shop: input.shop ?? null, page: input.page } });
  const filter = and(input.user ? eq(conversations.userId, input.user) : undefined, input.shop ? eq(conversations.shopId, input.shop) : undefined);
  return conversationPage(ctx, filter, input, 'admin');
}

async function conversationPage(ctx: Ctx, where: SQL | undefined, input: PageInput, viewer: ConversationViewer) {
  const [rows, [{ total } = { total: 0 }]] = await Promise.all([
    selectConversations(ctx.db)
      .where(where)
      .orderBy(desc(conversations.lastActivityAt), desc(conversations.id))
      .limit(input.limit)
      .offset(offsetOf(input)),
    ctx.db.select({ total: count() }).from(conversations).where(where),
  ]);
  return { conversations: rows.map((r) => toConversationDto(toLoaded(r), viewer)), ...pageOf(total, input) };
}

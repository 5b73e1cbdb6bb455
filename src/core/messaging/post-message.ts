import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Ctx } from '../context.ts';
import { conversations, messages } from '../db/schema/index.ts';
import { withTx } from '../db/tx.ts';
import { publishOnCommit } from '../live/index.ts';
import { withStoredImages, type ImageUpload } from '../media/index.ts';
import { AppError, notFound } from '../shared/errors.ts';
import { optionalText } from '../shared/fields.ts';
import { idSchema, newId } from '../shared/ids.ts';
import { parseInput } from '../shared/validation.ts';
import { assertCanPost, loadConversation, otherSide, senderOf, type LoadedConversation } from './access.ts';
import { previewOf, toMessageDto, type MessageDto } from './dto.ts';
import { scheduleUnreadEmail } from './unread-email.ts';

export const MAX_MESSAGE_LENGTH = 5000;
/** The same limit as a listing's images; type and size are checked by the same rules at the edge. */
export const MAX_MESSAGE_IMAGES = 5;
const IMAGE_FOLDER = 'messages';

export const postMessageInput = z.object({
  conversationId: idSchema('conversation'),
  text: optionalText(MAX_MESSAGE_LENGTH),
});
export type PostMessageInput = z.input<typeof postMessageInput>;

/**
 * A participant posts text and/or up to 5 images; the sender is `ctx.actor`, never the input. In one
 * transaction, under the conversation's row lock: the message, the conversation's last message,
 * activity time and message count, the other side's unread count, and (when none is waiting) the
 * other side's unread-message email, due after MESSAGE_EMAIL_DELAY_MINUTES. Both parties' live streams
 * hear of it once it commits.
 */
export async function postMessage(ctx: Ctx, raw: unknown, uploads: readonly ImageUpload[] = []): Promise<MessageDto> {
  const input = parseInput(postMessageInput, raw);
  const text = input.text ?? '';
  if (uploads.length > MAX_MESSAGE_IMAGES)
    throw new AppError('VALIDATION_FAILED', `images: at most ${MAX_MESSAGE_IMAGES} images`, { fields: { images: `at most ${MAX_MESSAGE_IMAGES} images` } });
  if (text === '' && uploads.length === 0)
    throw new AppError('VALIDATION_FAILED', 'text is required unless an image is attached', { fields: { text: 'is required unless an image is attached' } });

  const senderIn = (loaded: LoadedConversation | undefined) => {
    if (!loaded) throw notFound('Conversation');
    const side = senderOf(ctx.actor, loaded.conversation);
    assertCanPost(loaded, side);
    return side;
  };
  // Checked before any image is stored too, so a stranger's upload never reaches the media store.
  if (uploads.length > 0) senderIn(await loadConversation(ctx.db, input.conversationId));

  const row = await withStoredImages(ctx, uploads, IMAGE_FOLDER, (images) =>
    withTx(ctx, async (tx) => {
      const c = { ...ctx, db: tx };
      const loaded = await loadConversation(tx, input.conversationId, { lock: true });
      const side = senderIn(loaded);
      const conv = loaded!.conversation;
      const recipient = otherSide(side);
      const now = ctx.clock.now();
      const [message] = await tx
        .insert(messages)
        .values({ id: newId('message'), conversationId: conv.id, senderSide: side, senderId: side === 'user' ? conv.userId : conv.shopId, text, images, createdAt: now })
        .returning();
      const emailWaiting = (recipient === 'user' ? conv.userEmailDueAt : conv.shopEmailDueAt) !== null;
      const emailDueAt = new Date(now.getTime() + ctx.config.messaging.emailDelayMinutes * 60_000);
      const unreadPlusOne = sql`${recipient === 'user' ? conversations.userUnread : conversations.shopUnread} + 1`;
      const [updated] = await tx
        .update(conversations)
        .set({
          lastMessageId: message!.id,
          lastMessagePreview: previewOf(text, images.length),
          lastMessageSender: message!.senderId,
          lastActivityAt: now,
          messageCount: sql`${conversations.messageCount} + 1`,
          ...(recipient === 'user' ? { userUnread: unreadPlusOne } : { shopUnread: unreadPlusOne }),
          ...(!emailWaiting && (recipient === 'user' ? { userEmailDueAt: emailDueAt } : { shopEmailDueAt: emailDueAt })),
          updatedAt: now,
        })
        .where(eq(conversations.id, conv.id))
        .returning({ userUnread: conversations.userUnread, shopUnread: conversations.shopUnread });
      if (!emailWaiting) await scheduleUnreadEmail(c, conv.id, recipient, emailDueAt);

      const dto = toMessageDto(message!);
      const recipientId = recipient === 'user' ? conv.userId : conv.shopId;
      publishOnCommit(c, [
        { account: conv.userId, type: 'message', data: { conversationId: conv.id, message: dto } },
        { account: conv.shopId, type: 'message', data: { conversationId: conv.id, message: dto } },
        {
          account: recipientId,
          type: 'unread',
          data: { conversationId: conv.id, unread: recipient === 'user' ? updated!.userUnread : updated!.shopUnread },
        },
      ]);
      return message!;
    }),
  );
  return toMessageDto(row);
}

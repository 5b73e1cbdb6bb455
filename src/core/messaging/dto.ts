import { z } from 'zod';
import { conversationSides, conversations, imageDto, messages, type ConversationSide } from '../db/schema/index.ts';
import { isoTime } from '../shared/dto.ts';
import { idSchema } from '../shared/ids.ts';

type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof messages.$inferSelect;

/** What anyone in a conversation sees of either party: public name and avatar only. */
const accountId = z.union([idSchema('user'), idSchema('shop')]);

export const partyDto = z.object({ _id: accountId, name: z.string(), avatar: imageDto.nullable() });
export type PartyDto = z.infer<typeof partyDto>;

/** A conversation as one viewer sees it. `members` and `lastMessage` keep the storefront's names. */
export const conversationDto = z.object({
  _id: idSchema('conversation'),
  members: z.tuple([idSchema('user'), idSchema('shop')]),
  userId: idSchema('user'),
  sellerId: idSchema('shop'),
  productId: z.string().nullable(),
  user: partyDto,
  shop: partyDto,
  /** The party the viewer talks to; null for an admin reading someone else's conversation. */
  otherParty: partyDto.nullable(),
  /** A preview of the last message (its text, shortened, or `[image]`). */
  lastMessage: z.string().nullable(),
  lastMessageId: idSchema('message').nullable(),
  lastMessageSender: accountId.nullable(),
  messageCount: z.number().int(),
  /** Messages from the other party the viewer has not read; null for an admin. */
  unread: z.number().int().nullable(),
  createdAt: isoTime,
  /** The last activity (the last message, or the creation). */
  updatedAt: isoTime,
});
export type ConversationDto = z.infer<typeof conversationDto>;

export const messageDto = z.object({
  _id: idSchema('message'),
  conversationId: idSchema('conversation'),
  /** The sending account's id (a user or a shop). */
  sender: accountId,
  senderSide: z.enum(conversationSides),
  text: z.string(),
  images: z.array(imageDto),
  readAt: isoTime.nullable(),
  createdAt: isoTime,
});
export type MessageDto = z.infer<typeof messageDto>;

/** A conversation row with both parties' public columns, as the queries in this module read it. */
export interface ConversationWithParties {
  conversation: ConversationRow;
  user: PartyDto;
  shop: PartyDto;
}

/** Who reads: one of the two sides, or an admin (who reads but is never a party). */
export type ConversationViewer = ConversationSide | 'admin';

const PREVIEW_LENGTH = 140;

/** The inbox preview of a message: its text cut to 140 characters, or `[image]` for an image alone. */
export function previewOf(text: string, imageCount: number): string {
  if (text === '') return imageCount === 1 ? '[image]' : `[${imageCount} images]`;
  return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text;
}

export function toConversationDto({ conversation: c, user, shop }: ConversationWithParties, viewer: ConversationViewer): ConversationDto {
  return {
    _id: c.id,
    members: [c.userId, c.shopId],
    userId: c.userId,
    sellerId: c.shopId,
    productId: c.productId,
    user,
    shop,
    otherParty: viewer === 'user' ? shop : viewer === 'shop' ? user : null,
    lastMessage: c.lastMessagePreview,
    lastMessageId: c.lastMessageId,
    lastMessageSender: c.lastMessageSender,
    messageCount: c.messageCount,
    unread: viewer === 'user' ? c.userUnread : viewer === 'shop' ? c.shopUnread : null,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.lastActivityAt.toISOString(),
  };
}

export const toMessageDto = (m: MessageRow): MessageDto => ({
  _id: m.id,
  conversationId: m.conversationId,
  sender: m.senderId,
  senderSide: m.senderSide,
  text: m.text,
  images: m.images,
  readAt: m.readAt ? m.readAt.toISOString() : null,
  createdAt: m.createdAt.toISOString(),
});

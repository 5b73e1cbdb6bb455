import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, unique } from 'drizzle-orm/pg-core';
import { createdAt, tsz, updatedAt, type Image } from './columns.ts';
import { shops, users } from './identity.ts';
import { products } from './catalog.ts';

/** The two sides of a conversation: its buyer and its shop. */
export const conversationSides = ['user', 'shop'] as const;
export type ConversationSide = (typeof conversationSides)[number];

/**
 * One buyer and one shop, optionally about one listing (one conversation per user–shop–listing).
 * The last message's preview, the activity time and each side's unread count are kept here, updated
 * in the transaction that posts or reads, so inbox lists never count messages.
 */
export const conversations = pgTable(
  'conversations',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    shopId: text('shop_id')
      .notNull()
      .references(() => shops.id),
    productId: text('product_id').references(() => products.id),
    lastMessageId: text('last_message_id'),
    lastMessagePreview: text('last_message_preview'),
    lastMessageSender: text('last_message_sender'),
    lastActivityAt: tsz('last_activity_at').notNull(),
    messageCount: integer('message_count').notNull().default(0),
    userUnread: integer('user_unread').notNull().default(0),
    shopUnread: integer('shop_unread').notNull().default(0),
    // When the unread-message email of each side is due; set while one is scheduled, so at most one waits.
    userEmailDueAt: tsz('user_email_due_at'),
    shopEmailDueAt: tsz('shop_email_due_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    unique('conversations_party_uq').on(t.userId, t.shopId, t.productId).nullsNotDistinct(),
    index('conversations_user_activity_idx').on(t.userId, t.lastActivityAt.desc(), t.id.desc()),
    index('conversations_shop_activity_idx').on(t.shopId, t.lastActivityAt.desc(), t.id.desc()),
    check('conversations_unread_ck', sql`${t.userUnread} >= 0 AND ${t.shopUnread} >= 0`),
  ],
);

/** A message: text and/or images, from one side. Ids are time-sortable, so pages go by id. */
export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    conversationId: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    senderSide: text('sender_side').$type<ConversationSide>().notNull(),
    senderId: text('sender_id').notNull(),
    text: text('text').notNull().default(''),
    images: jsonb('images').$type<Image[]>().notNull().default(sql`'[]'::jsonb`),
    readAt: tsz('read_at'),
    createdAt: createdAt(),
  },
  (t) => [
    index('messages_conversation_idx').on(t.conversationId, t.id),
    check('messages_sender_side_ck', sql`${t.senderSide} IN ('user', 'shop')`),
    check('messages_content_ck', sql`${t.text} <> '' OR jsonb_array_length(${t.images}) > 0`),
  ],
);

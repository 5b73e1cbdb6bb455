import { eq, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { Actor } from '../context.ts';
import type { Db } from '../db/index.ts';
import { conversations, shops, users, type ConversationSide } from '../db/schema/index.ts';
import { AppError, notFound } from '../shared/errors.ts';
import type { ConversationViewer, ConversationWithParties } from './dto.ts';

/** Who may do what with a conversation, decided from `ctx.actor` for the API and the CLI alike. */

export const isAdminActor = (actor: Actor) => (actor.kind === 'user' && actor.role === 'Admin') || actor.kind === 'operator';

/** The signed-in buyer or shop acting for itself; anyone else has no inbox of their own. */
export function partyOf(actor: Actor): { side: ConversationSide; id: string } {
  if (actor.kind === 'user') return { side: 'user', id: actor.id };
  if (actor.kind === 'shop') return { side: 'shop', id: actor.id };
  if (actor.kind === 'anonymous') throw new AppError('UNAUTHENTICATED', 'Please sign in first');
  throw new AppError('FORBIDDEN', 'Only buyers and shops have conversations');
}

function sideOf(actor: Actor, c: { userId: string; shopId: string }): ConversationSide | undefined {
  if (actor.kind === 'user' && actor.id === c.userId) return 'user';
  if (actor.kind === 'shop' && actor.id === c.shopId) return 'shop';
  return undefined;
}

/**
 * How `actor` reads the conversation: as its buyer, as its shop, or as an admin. Anyone else gets
 * NOT_FOUND, exactly as for an id that does not exist, so a guessed id reveals nothing.
 */
export function readerOf(actor: Actor, c: { userId: string; shopId: string }): ConversationViewer {
  const side = sideOf(actor, c);
  if (side) return side;
  if (actor.kind === 'anonymous') throw new AppError('UNAUTHENTICATED', 'Please sign in first');
  if (isAdminActor(actor)) return 'admin';
  throw notFound('Conversation');
}

/** Which side `actor` posts as: only the two parties post (an admin reads, never speaks); others get NOT_FOUND. */
export function senderOf(actor: Actor, c: { userId: string; shopId: string }): ConversationSide {
  const side = sideOf(actor, c);
  if (side) return side;
  if (actor.kind === 'anonymous') throw new AppError('UNAUTHENTICATED', 'Please sign in first');
  throw notFound('Conversation');
}

export const otherSide = (side: ConversationSide): ConversationSide => (side === 'user' ? 'shop' : 'user');

/** The conversation with both parties' public columns and whether each account is still usable. */
export interface LoadedConversation extends ConversationWithParties {
  closed: Record<ConversationSide, 'banned' | 'deleted' | null>;
}

const closedState = (deletedAt: AnyPgColumn, bannedAt: AnyPgColumn) =>
  sql<'banned' | 'deleted' | null>`CASE WHEN ${deletedAt} IS NOT NULL THEN 'deleted' WHEN ${bannedAt} IS NOT NULL THEN 'banned' END`;

/** Conversations joined with both parties: public name and avatar, and whether each account is closed. */
export function selectConversations(db: Db) {
  return db
    .select({
      conversation: conversations,
      user: { _id: users.id, name: users.name, avatar: users.avatar },
      shop: { _id: shops.id, name: shops.name, avatar: shops.avatar },
      userClosed: closedState(users.deletedAt, users.bannedAt),
      shopClosed: closedState(shops.deletedAt, shops.bannedAt),
    })
    .from(conversations)
    .innerJoin(users, eq(users.id, conversations.userId))
    .innerJoin(shops, eq(shops.id, conversations.shopId))
    .$dynamic();
}

type SelectedRow = Awaited<ReturnType<typeof selectConversations>>[number];

export function toLoaded({ userClosed, shopClosed, ...rest }: SelectedRow): LoadedConversation {
  return { ...rest, closed: { user: userClosed, shop: shopClosed } };
}

/** Reads a conversation and its parties; `lock` takes the row for an update (the caller is in a transaction). */
export async function loadConversation(db: Db, id: string, opts: { lock?: boolean } = {}): Promise<LoadedConversation | undefined> {
  const query = selectConversations(db).where(eq(conversations.id, id));
  const [row] = opts.lock ? await query.for('update', { of: conversations }) : await query;
  return row && toLoaded(row);
}

/**
 * A blocked account cannot post: the sender's own ban or deletion is refused (403), and a
 * conversation whose other party is banned or gone is closed (409), so nothing is sent into it.
 */
export function assertCanPost(loaded: LoadedConversation, side: ConversationSide): void {
  const own = loaded.closed[side];
  if (own) throw new AppError('FORBIDDEN', `Your ${side === 'user' ? 'account' : 'shop'} is ${own}: it cannot send messages`);
  const other = loaded.closed[otherSide(side)];
  if (other)
    throw new AppError(
      'INVALID_STATE',
      `This conversation is closed: the ${side === 'user' ? 'shop' : 'buyer'} ${other === 'banned' ? 'is banned' : 'no longer exists'}`,
    );
}

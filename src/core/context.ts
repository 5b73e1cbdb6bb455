import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Db } from './db/index.ts';
import type { Clock } from './shared/clock.ts';
import type { Mailer } from './mail/mailer.ts';
import type { MediaStore } from './media/media-store.ts';
import type { AzureTokenVerifier } from './auth/azure-verifier.ts';
import type { PaymentProvider } from './payments/payment-provider.ts';
import type { LivePublisher } from './live/live-events.ts';

/** Who is acting. Recorded in audit rows and order histories. */
export type Actor =
  | { kind: 'user'; id: string; role: 'User' | 'Admin' }
  | { kind: 'shop'; id: string }
  | { kind: 'operator'; name: string }
  | { kind: 'system'; name: string }
  | { kind: 'anonymous' };

export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'user':
    case 'shop':
      return actor.id;
    case 'operator':
      return `operator:${actor.name}`;
    case 'system':
      return `system:${actor.name}`;
    case 'anonymous':
      return 'anonymous';
  }
}

/** An admin user or an operator: who may decide about other accounts' orders and money. */
export const isAdmin = (actor: Actor): boolean => (actor.kind === 'user' && actor.role === 'Admin') || actor.kind === 'operator';

/** The outside world, behind interfaces so tests point them at local fakes at the network edge. */
export interface Ports {
  mailer: Mailer;
  media: MediaStore;
  azure?: AzureTokenVerifier;
  /** Card payments; absent without STRIPE_SECRET_KEY (cash on delivery still works). */
  payments?: PaymentProvider;
  /** Live events (messages, read receipts, order status) for connected streams; set by the API process. */
  live?: LivePublisher;
}

/**
 * Named points inside money-moving flows where tests can run a competing operation exactly
 * between a read and its write. Absent in production, so each point costs one optional call.
 */
export type Probe = (point: string) => Promise<void>;

export interface Ctx {
  db: Db;
  actor: Actor;
  log: Logger;
  clock: Clock;
  config: Config;
  ports: Ports;
  /** Called after a transaction that wrote outbox rows commits, so delivery starts without waiting for a poll. */
  afterCommit?: () => void;
  probe?: Probe;
}

export type { Logger };

/**
 * A small local HTTP server shaped like the parts of Stripe's API that mvshop uses, so the REAL
 * `stripe` SDK can be pointed at it in tests: only the network edge is faked.
 *
 *   const fake = await startFakeStripe();
 *   const stripe = new Stripe(fake.secretKey, {
 *     host: '127.0.0.1', port: fake.port, protocol: 'http', maxNetworkRetries: 0, timeout: 2_000,
 *   });
 *   // or fake.client(), or give mvshop STRIPE_API_URL=fake.url, STRIPE_SECRET_KEY=fake.secretKey,
 *   // STRIPE_WEBHOOK_SECRET=fake.webhookSecret
 *
 * Endpoints: payment_intents (create, retrieve, update, cancel, list), refunds (create, retrieve,
 * list), charges (retrieve), balance_transactions (retrieve, list, `expand[]=data.source`), events
 * (retrieve, list). Money moving writes balance transactions as Stripe's balance does: a `charge`
 * (less Stripe's fee, 2.9 % + 30) when a payment succeeds, a `refund` when a refund is created
 * (pending ones too), a `refund_failure` giving it back when a refund fails or is canceled. Bodies are form-encoded like Stripe's; answers are
 * JSON objects shaped like Stripe's; errors are `{ error: { type, code, message, param } }` with
 * Stripe's statuses, so the SDK throws its own error classes.
 *
 * Idempotency works like Stripe's: a POST whose Idempotency-Key was seen before, with the same
 * method, path and parameters, replays the stored answer (header `Idempotent-Replayed: true`) without
 * a second effect; different parameters → 400 `idempotency_error`; the same key while the first
 * request is still running → 409. Answers are stored once an endpoint "executed" (successes, and state
 * errors such as amount_too_large), not for validation errors or unknown objects.
 *
 * Faults (see `injectFault`) act at the HTTP edge and are matched by method + path prefix.
 *
 * Refunds can wait like Stripe's (`holdRefunds`, then `settleRefund` to succeeded, failed or canceled),
 * and the fake raises the events Stripe would on each state change, signed and POSTed to the URL given
 * to `sendWebhooksTo`, so a test's webhooks never contradict the fake's own state.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Stripe from 'stripe';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

export type Metadata = Record<string, string>;

export type FakePaymentIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'canceled'
  | 'succeeded';

export interface FakePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  currency: string;
  status: FakePaymentIntentStatus;
  client_secret: string;
  description: string | null;
  metadata: Metadata;
  created: number;
  livemode: false;
  latest_charge: string | null;
  last_payment_error: { type: string; code: string; message: string } | null;
  payment_method: string | null;
  payment_method_types: string[];
  automatic_payment_methods: { enabled: boolean } | null;
  capture_method: 'automatic';
  confirmation_method: 'automatic';
  canceled_at: number | null;
  cancellation_reason: string | null;
}

export interface FakeCharge {
  id: string;
  object: 'charge';
  amount: number;
  amount_captured: number;
  amount_refunded: number;
  refunded: boolean;
  captured: boolean;
  paid: boolean;
  currency: string;
  status: 'succeeded';
  payment_intent: string;
  payment_method: string;
  metadata: Metadata;
  created: number;
  livemode: false;
}

export type FakeRefundStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';

export interface FakeRefund {
  id: string;
  object: 'refund';
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string;
  status: FakeRefundStatus;
  /** Set when the refund failed or was canceled, as Stripe's `failure_reason`. */
  failure_reason: string | null;
  reason: string | null;
  metadata: Metadata;
  created: number;
}

export interface FakeBalanceTransaction {
  id: string;
  object: 'balance_transaction';
  type: 'charge' | 'refund' | 'refund_failure';
  amount: number;
  fee: number;
  net: number;
  currency: string;
  /** The charge (ch_…) or refund (re_…) that moved the money. */
  source: string;
  status: 'available';
  created: number;
}

export interface FakeEvent<T = Record<string, unknown>> {
  id: string;
  object: 'event';
  type: string;
  api_version: string;
  created: number;
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  data: { object: T };
}

export type FaultKind =
  | 'latency'
  | 'error500-after-commit'
  | 'error500-before-commit'
  | 'drop-connection'
  | 'timeout';

export interface FaultSpec {
  /** HTTP method to match ('GET', 'POST'); omitted or '*' matches any. */
  method?: string;
  /** Path prefix to match, e.g. '/v1/refunds' or '/v1/payment_intents/pi_123/cancel'. Query excluded. */
  path: string;
  kind: FaultKind;
  /**
   * 'latency' only: delay before the request runs (default 100 ms). A POST's idempotency key is
   * locked during the delay, so a concurrent request with the same key gets 409.
   */
  ms?: number;
  /**
   * 'drop-connection' and 'timeout' only: run the request (its effect happens and is stored under its
   * idempotency key) before the connection is dropped / left hanging. Default false: no effect.
   */
  commit?: boolean;
  /**
   * 'error500-*' only: store the 500 under the request's idempotency key, so that a retry with the
   * same key gets the same 500 again (Stripe replays an executed request's answer, errors included).
   */
  replay?: boolean;
  /** How many matching requests the fault hits (default 1). */
  times?: number;
  /** Hit every matching request until removed or `clearFaults()` (same as times: Infinity). */
  persistent?: boolean;
}

export interface Fault {
  readonly spec: Readonly<FaultSpec>;
  /** Matching requests hit so far. */
  readonly hits: number;
  /** Hits left (Infinity when persistent). */
  readonly remaining: number;
  remove(): void;
}

export interface LoggedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, unknown>;
  idempotencyKey: string | null;
  /** Decoded form body (nested keys such as metadata[x] become objects; arrays from a[0], a[1]). */
  body: Record<string, unknown>;
  rawBody: string;
  authorization: string | null;
  stripeVersion: string | null;
  /** Final HTTP status sent, or what happened instead. 0 while in flight. */
  status: number | 'dropped' | 'timeout';
  /** True when the answer came from the idempotency store. */
  replayed: boolean;
  fault: FaultKind | null;
  at: number;
}

export interface SignedWebhook {
  payload: string;
  header: string;
}

export interface WebhookDelivery {
  status: number;
  body: string;
  json: unknown;
}

export interface SignOptions {
  /** Defaults to the fake's webhookSecret. */
  secret?: string;
  /** Unix seconds; defaults to now. Use an old one to test the tolerance window. */
  timestamp?: number;
}

export interface FakeStripe {
  /** `http://127.0.0.1:<port>` — mvshop's STRIPE_API_URL. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** An sk_test_ key the fake accepts (any `Bearer sk_test_…` is accepted). */
  readonly secretKey: string;
  readonly webhookSecret: string;
  /** STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET and STRIPE_API_URL for the app. */
  readonly env: Record<string, string>;
  readonly paymentIntents: Map<string, FakePaymentIntent>;
  readonly charges: Map<string, FakeCharge>;
  readonly refunds: Map<string, FakeRefund>;
  readonly balanceTransactions: Map<string, FakeBalanceTransaction>;
  readonly events: Map<string, FakeEvent>;
  readonly requests: LoggedRequest[];
  /** Options for `new Stripe(key, options)` that point the real SDK at this server. */
  stripeConfig(overrides?: Stripe.StripeConfig): Stripe.StripeConfig;
  /** A real Stripe SDK client pointed at this server (maxNetworkRetries 0, timeout 2 s by default). */
  client(overrides?: Stripe.StripeConfig): Stripe;

  /** The buyer pays: status succeeded, amount_received = amount, a charge ch_… as latest_charge. */
  succeed(piId: string, opts?: { paymentMethod?: string }): FakePaymentIntent;
  /** The payment attempt fails: status requires_payment_method with last_payment_error. */
  fail(piId: string, message?: string, opts?: { code?: string }): FakePaymentIntent;
  /** Total refunded on the PaymentIntent's charge (0 when none). */
  amountRefunded(piId: string): number;
  /** Refunds of one PaymentIntent, oldest first. */
  refundsFor(piId: string): FakeRefund[];

  /**
   * New refunds start `pending` (as bank transfers and some card networks do) until `settleRefund`;
   * off by default: every refund succeeds at once.
   */
  holdRefunds(on?: boolean): void;
  /** Moves a refund to its final status, as the bank answers; a failed or canceled refund gives its amount back to the charge. */
  settleRefund(refundId: string, status: 'succeeded' | 'failed' | 'canceled', failureReason?: string): FakeRefund;
  /**
   * When set, every event the fake raises on a state change (payment_intent.succeeded, refund.created,
   * refund.updated, charge.refund.updated, charge.refunded) is POSTed there, signed, as Stripe would.
   * `null` stops it (the default: events are only stored).
   */
  sendWebhooksTo(url: string | null): void;
  /** Waits for every webhook delivery started so far; their answers, in order of sending. */
  flushWebhooks(): Promise<WebhookDelivery[]>;
  /** Events the fake raised itself about one object (a refund, intent or charge id), oldest first. */
  eventsAbout(objectId: string): FakeEvent[];

  /** A Stripe Event around a copy of `object` (also served at GET /v1/events/:id). */
  webhookEvent<T extends object>(type: string, object: T): FakeEvent<T>;
  /** Payload and Stripe-Signature header signed with the real SDK's generateTestHeaderString. */
  signedWebhook(event: FakeEvent<unknown> | string, opts?: SignOptions): SignedWebhook;
  /** POSTs the signed event to `url` with a Stripe-Signature header, as Stripe would. */
  deliverWebhook(
    url: string,
    event: FakeEvent<unknown> | string,
    opts?: SignOptions & { header?: string; headers?: Record<string, string> },
  ): Promise<WebhookDelivery>;

  /**
   * Moves the fake's clock forward by `ms`. Stripe forgets an idempotency key 24 hours after its first
   * use (`idempotencyTtlMs` here); once a key is that old on this clock, a retry with it acts again
   * (a new refund, a new intent), as it would at Stripe. Objects keep their real creation times.
   */
  advanceClock(ms: number): void;
  /** Moves the clock past the idempotency window: every key stored so far is forgotten. */
  expireIdempotencyKeys(): void;

  injectFault(spec: FaultSpec): Fault;
  clearFaults(): void;
  /** Forget all objects, requests, idempotency keys and faults. */
  reset(): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let s = '';
  for (const b of bytes) s += ALPHANUM[b % ALPHANUM.length];
  return `${prefix}_${s}`;
}

const now = () => Math.floor(Date.now() / 1000);
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Stable JSON (sorted keys) for comparing request parameters. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.keys(value as Record<string, unknown>)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Decodes Stripe's form encoding: `a[b][c]=1&list[0]=x` → `{ a: { b: { c: '1' } }, list: ['x'] }`. */
export function decodeStripeForm(raw: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  if (!raw) return root;
  for (const [fullKey, value] of new URLSearchParams(raw)) {
    const match = /^([^[\]]+)((?:\[[^\]]*\])*)$/.exec(fullKey);
    const segments = match
      ? [match[1]!, ...[...match[2]!.matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!)]
      : [fullKey];
    let node: Record<string, unknown> = root;
    segments.forEach((seg, i) => {
      const key = seg === '' ? String(Object.keys(node).length) : seg;
      if (i === segments.length - 1) {
        node[key] = value;
      } else {
        const next = node[key];
        if (!next || typeof next !== 'object') node[key] = {};
        node = node[key] as Record<string, unknown>;
      }
    });
  }
  return arrayify(root) as Record<string, unknown>;
}

/** Objects keyed 0..n-1 become arrays (Stripe's `list[0]=…`), except metadata, whose keys are free-form. */
function arrayify(value: unknown, name = ''): unknown {
  if (!value || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) obj[k] = arrayify(obj[k], k);
  const keys = Object.keys(obj);
  if (name !== 'metadata' && keys.length > 0 && keys.every((k, i) => k === String(i))) return keys.map((k) => obj[k]);
  return obj;
}

class ApiError {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly message: string,
    readonly code?: string,
    readonly param?: string,
    /** Stripe stores an answer under the idempotency key once the endpoint executed. */
    readonly executed = false,
  ) {}
  body() {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code ? { code: this.code } : {}),
        ...(this.param ? { param: this.param } : {}),
        request_log_url: null,
      },
    };
  }
}

const invalid = (message: string, param?: string, code = 'parameter_invalid') =>
  new ApiError(400, 'invalid_request_error', message, code, param);
const missing = (kind: string, id: string, param = 'id') =>
  new ApiError(404, 'invalid_request_error', `No such ${kind}: '${id}'`, 'resource_missing', param);
const stateError = (message: string, code: string) =>
  new ApiError(400, 'invalid_request_error', message, code, undefined, true);

function parseAmount(value: unknown, param: string, required: boolean): number | undefined {
  if (value === undefined || value === '') {
    if (required) throw invalid(`Missing required param: ${param}.`, param, 'parameter_missing');
    return undefined;
  }
  if (typeof value !== 'string' || !/^\d+$/.test(value)) {
    throw invalid(`Invalid integer: ${String(value)}`, param, 'parameter_invalid_integer');
  }
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw invalid('This value must be greater than or equal to 1.', param, 'parameter_invalid_integer');
  }
  return n;
}

function parseMetadata(value: unknown, existing: Metadata = {}): Metadata {
  if (value === undefined) return existing;
  if (value === '') return {}; // metadata='' clears everything
  if (typeof value !== 'object' || Array.isArray(value) || value === null) {
    throw invalid('Invalid object', 'metadata');
  }
  const out: Metadata = { ...existing };
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v !== 'string') throw invalid('Metadata values must be strings.', `metadata[${k}]`);
    if (v === '') delete out[k];
    else out[k] = v;
  }
  if (Object.keys(out).length > 50) throw invalid('Metadata can have at most 50 keys.', 'metadata');
  return out;
}

const optionalString = (value: unknown, param: string): string | undefined => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(`Invalid string: ${param}`, param);
  return value;
};

function expandList(q: Record<string, unknown>): string[] {
  const e = q.expand;
  if (Array.isArray(e)) return e.filter((x): x is string => typeof x === 'string');
  if (typeof e === 'string') return [e];
  return [];
}

interface Answer {
  status: number;
  body: unknown;
}

interface StoredIdempotent {
  method: string;
  path: string;
  params: string;
  answer: Answer;
  /** The fake's clock (ms) when the key was first used. */
  storedAt: number;
}

export interface FakeStripeOptions {
  /** How long a stored idempotency key is replayed (Stripe: 24 hours); measured on the fake's clock (`advanceClock`). */
  idempotencyTtlMs?: number;
}

interface FaultEntry {
  spec: FaultSpec;
  hits: number;
  remaining: number;
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

export async function startFakeStripe(opts: FakeStripeOptions = {}): Promise<FakeStripe> {
  const idempotencyTtlMs = opts.idempotencyTtlMs ?? 24 * 3600_000;
  let clockOffsetMs = 0;
  const clock = () => Date.now() + clockOffsetMs;
  const secretKey = randomId('sk_test', 32);
  const webhookSecret = randomId('whsec', 32);
  const paymentIntents = new Map<string, FakePaymentIntent>();
  const charges = new Map<string, FakeCharge>();
  const refunds = new Map<string, FakeRefund>();
  const balanceTransactions = new Map<string, FakeBalanceTransaction>();
  const events = new Map<string, FakeEvent>();
  const requests: LoggedRequest[] = [];
  const idempotency = new Map<string, StoredIdempotent>();
  const inFlightKeys = new Set<string>();
  let faults: FaultEntry[] = [];
  const sockets = new Set<Socket>();
  const sleepers = new Map<NodeJS.Timeout, () => void>();
  let closed = false;
  let holdingRefunds = false;
  let webhookTarget: string | null = null;
  const deliveries: Promise<WebhookDelivery>[] = [];

  // --- events -------------------------------------------------------------------------------

  const makeEvent = (type: string, object: object): FakeEvent => {
    const event: FakeEvent = {
      id: randomId('evt'),
      object: 'event',
      type,
      api_version: Stripe.API_VERSION as string,
      created: now(),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: clone(object) as Record<string, unknown> },
    };
    events.set(event.id, event);
    return event;
  };

  /** An event the fake raises on its own state change, sent to the webhook target when one is set. */
  const raise = (type: string, object: object) => {
    const event = makeEvent(type, object);
    if (webhookTarget) deliveries.push(fake.deliverWebhook(webhookTarget, event));
  };

  const chargeWithRefunds = (charge: FakeCharge) => ({
    ...clone(charge),
    refunds: { object: 'list', data: [...refunds.values()].filter((r) => r.charge === charge.id).map(clone), has_more: false },
  });

  // --- domain -------------------------------------------------------------------------------

  const book = (type: FakeBalanceTransaction['type'], source: string, amount: number, currency: string) => {
    const fee = type === 'charge' ? Math.round(amount * 0.029) + 30 : 0;
    const bt: FakeBalanceTransaction = { id: randomId('txn'), object: 'balance_transaction', type, amount, fee, net: amount - fee, currency, source, status: 'available', created: now() };
    balanceTransactions.set(bt.id, bt);
  };

  const renderBalanceTransaction = (bt: FakeBalanceTransaction, expand: string[]) => {
    const out = clone(bt) as unknown as Record<string, unknown>;
    if (expand.includes('source') || expand.includes('data.source')) out.source = clone(charges.get(bt.source) ?? refunds.get(bt.source) ?? bt.source);
    return out;
  };

  const getPi = (id: string, param = 'id') => {
    const pi = paymentIntents.get(id);
    if (!pi) throw missing('payment_intent', id, param);
    return pi;
  };

  const renderPi = (pi: FakePaymentIntent, expand: string[]) => {
    const out = clone(pi) as unknown as Record<string, unknown>;
    if (expand.includes('latest_charge') && pi.latest_charge) out.latest_charge = clone(charges.get(pi.latest_charge));
    return out;
  };

  const renderRefund = (r: FakeRefund, expand: string[]) => {
    const out = clone(r) as unknown as Record<string, unknown>;
    if (expand.includes('payment_intent')) out.payment_intent = clone(paymentIntents.get(r.payment_intent));
    if (expand.includes('charge')) out.charge = clone(charges.get(r.charge));
    return out;
  };

  /** A page of `data` (newest first) as Stripe lists: `limit`, `starting_after` (an id), `created[gte]`/`created[lt]`. */
  const list = <T extends { id: string; created: number }>(path: string, data: T[], params: Record<string, unknown>, render: (x: T) => unknown = clone) => {
    const limit = params.limit === undefined ? 10 : Number(params.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid('Invalid limit', 'limit');
    const created = (params.created ?? {}) as { gte?: string; lt?: string };
    let rows = data.filter((x) => (created.gte === undefined || x.created >= Number(created.gte)) && (created.lt === undefined || x.created < Number(created.lt)));
    if (typeof params.starting_after === 'string') {
      const at = rows.findIndex((x) => x.id === params.starting_after);
      if (at < 0) throw missing('object', params.starting_after, 'starting_after');
      rows = rows.slice(at + 1);
    }
    return { object: 'list', url: path, has_more: rows.length > limit, data: rows.slice(0, limit).map(render) };
  };

  const byNewest = <T extends { created: number }>(items: T[]) =>
    items.map((x, i) => ({ x, i })).sort((a, b) => b.x.created - a.x.created || b.i - a.i).map((e) => e.x);

  const uncancelable = new Set<FakePaymentIntentStatus>(['succeeded', 'canceled', 'processing']);

  function createPaymentIntent(p: Record<string, unknown>) {
    const amount = parseAmount(p.amount, 'amount', true)!;
    const currency = optionalString(p.currency, 'currency');
    if (!currency) throw invalid('Missing required param: currency.', 'currency', 'parameter_missing');
    if (!/^[a-z]{3}$/.test(currency)) throw invalid(`Invalid currency: ${currency}.`, 'currency');
    const apm = p.automatic_payment_methods as Record<string, unknown> | undefined;
    const id = randomId('pi');
    const pi: FakePaymentIntent = {
      id,
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: 0,
      currency,
      status: 'requires_payment_method',
      client_secret: `${id}_secret_${randomId('x', 24).slice(2)}`,
      description: optionalString(p.description, 'description') ?? null,
      metadata: parseMetadata(p.metadata),
      created: now(),
      livemode: false,
      latest_charge: null,
      last_payment_error: null,
      payment_method: null,
      payment_method_types: ['card'],
      automatic_payment_methods: apm ? { enabled: apm.enabled === 'true' } : null,
      capture_method: 'automatic',
      confirmation_method: 'automatic',
      canceled_at: null,
      cancellation_reason: null,
    };
    paymentIntents.set(id, pi);
    return renderPi(pi, expandList(p));
  }

  function updatePaymentIntent(id: string, p: Record<string, unknown>) {
    const pi = getPi(id);
    if (pi.status === 'succeeded' || pi.status === 'canceled' || pi.status === 'processing') {
      throw stateError(
        `This PaymentIntent's amount could not be updated because it has a status of ${pi.status}. ` +
          'You may only update the amount of a PaymentIntent with one of the following statuses: ' +
          'requires_payment_method, requires_confirmation, requires_action.',
        'payment_intent_unexpected_state',
      );
    }
    const amount = parseAmount(p.amount, 'amount', false);
    const metadata = parseMetadata(p.metadata, pi.metadata);
    const description = optionalString(p.description, 'description');
    if (amount !== undefined) pi.amount = amount;
    pi.metadata = metadata;
    if (description !== undefined) pi.description = description || null;
    return renderPi(pi, expandList(p));
  }

  function cancelPaymentIntent(id: string, p: Record<string, unknown>) {
    const pi = getPi(id);
    if (uncancelable.has(pi.status)) {
      throw stateError(
        `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a PaymentIntent ` +
          'with one of the following statuses may be canceled: requires_payment_method, requires_capture, ' +
          'requires_confirmation, requires_action.',
        'payment_intent_unexpected_state',
      );
    }
    pi.status = 'canceled';
    pi.canceled_at = now();
    pi.cancellation_reason = optionalString(p.cancellation_reason, 'cancellation_reason') ?? null;
    return renderPi(pi, expandList(p));
  }

  function createRefund(p: Record<string, unknown>) {
    const piParam = optionalString(p.payment_intent, 'payment_intent');
    const chargeParam = optionalString(p.charge, 'charge');
    if (!piParam && !chargeParam) {
      throw invalid('One of the following params should be provided for this request: payment_intent or charge.', undefined, 'parameter_missing');
    }
    let charge: FakeCharge | undefined;
    let pi: FakePaymentIntent;
    if (chargeParam) {
      charge = charges.get(chargeParam);
      if (!charge) throw missing('charge', chargeParam, 'charge');
      pi = getPi(charge.payment_intent, 'payment_intent');
    } else {
      pi = getPi(piParam!, 'payment_intent');
      if (pi.status !== 'succeeded' || !pi.latest_charge) {
        throw stateError(
          `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
          'charge_not_found' /* Stripe: a PaymentIntent without a successful charge */,
        );
      }
      charge = charges.get(pi.latest_charge)!;
    }
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) throw stateError(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
    const amount = parseAmount(p.amount, 'amount', false) ?? remaining;
    if (amount > remaining) {
      throw stateError(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        'amount_too_large',
      );
    }
    const reason = optionalString(p.reason, 'reason');
    if (reason !== undefined && !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason)) {
      throw invalid(`Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer`, 'reason');
    }
    const refund: FakeRefund = {
      id: randomId('re'),
      object: 'refund',
      amount,
      currency: charge.currency,
      charge: charge.id,
      payment_intent: pi.id,
      status: holdingRefunds ? 'pending' : 'succeeded',
      failure_reason: null,
      reason: reason ?? null,
      metadata: parseMetadata(p.metadata),
      created: now(),
    };
    refunds.set(refund.id, refund);
    book('refund', refund.id, -amount, refund.currency);
    // Like Stripe, a pending refund already counts as refunded on its charge.
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    raise('refund.created', refund);
    if (refund.status === 'succeeded') raise('charge.refunded', chargeWithRefunds(charge));
    return renderRefund(refund, expandList(p));
  }

  // --- routing ------------------------------------------------------------------------------

  /** Runs one API request against the state. Throws ApiError for Stripe-style errors. */
  function route(method: string, path: string, params: Record<string, unknown>): unknown {
    const parts = path.split('/').filter(Boolean); // ['v1', 'payment_intents', id, 'cancel']
    if (parts[0] !== 'v1') throw unknownRoute(method, path);
    const [, resource, id, action, ...rest] = parts;
    if (rest.length > 0) throw unknownRoute(method, path);
    const expand = expandList(params);

    if (resource === 'payment_intents') {
      if (!id) {
        if (method === 'POST') return createPaymentIntent(params);
        if (method === 'GET') {
          return list(path, byNewest([...paymentIntents.values()]), params, (pi) => renderPi(pi, expand));
        }
      } else if (!action) {
        if (method === 'GET') return renderPi(getPi(id), expand);
        if (method === 'POST') return updatePaymentIntent(id, params);
      } else if (action === 'cancel' && method === 'POST') {
        return cancelPaymentIntent(id, params);
      }
    }
    if (resource === 'refunds' && !action) {
      if (!id) {
        if (method === 'POST') return createRefund(params);
        if (method === 'GET') {
          const all = byNewest([...refunds.values()]).filter(
            (r) =>
              (params.payment_intent === undefined || r.payment_intent === params.payment_intent) &&
              (params.charge === undefined || r.charge === params.charge),
          );
          return list(path, all, params, (r) => renderRefund(r, expand));
        }
      } else if (method === 'GET') {
        const r = refunds.get(id);
        if (!r) throw missing('refund', id);
        return renderRefund(r, expand);
      }
    }
    if (resource === 'balance_transactions' && !action && method === 'GET') {
      if (!id) return list(path, byNewest([...balanceTransactions.values()]), params, (bt) => renderBalanceTransaction(bt, expand));
      const bt = balanceTransactions.get(id);
      if (!bt) throw missing('balance_transaction', id);
      return renderBalanceTransaction(bt, expand);
    }
    if (resource === 'charges' && id && !action && method === 'GET') {
      const c = charges.get(id);
      if (!c) throw missing('charge', id);
      return clone(c);
    }
    if (resource === 'events' && !action && method === 'GET') {
      if (!id) {
        const all = byNewest([...events.values()]).filter((e) => params.type === undefined || e.type === params.type);
        return list(path, all, params);
      }
      const e = events.get(id);
      if (!e) throw missing('event', id);
      return clone(e);
    }
    throw unknownRoute(method, path);
  }

  const unknownRoute = (method: string, path: string) =>
    new ApiError(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${method}: ${path}). (This is the fake Stripe in test/helpers/fake-stripe.ts.)`,
    );

  /** Executes the request with Stripe's idempotency rules. */
  function execute(method: string, path: string, params: Record<string, unknown>, key: string | null): Answer & { replayed: boolean } {
    const paramsCanon = canonical(params);
    if (key && method === 'POST') {
      let stored = idempotency.get(key);
      // Like Stripe, a key is forgotten once its window has passed: the same key is then a new request.
      if (stored && clock() - stored.storedAt >= idempotencyTtlMs) {
        idempotency.delete(key);
        stored = undefined;
      }
      if (stored) {
        if (stored.method !== method || stored.path !== path || stored.params !== paramsCanon) {
          const err = new ApiError(
            400,
            'idempotency_error',
            `Keys for idempotent requests can only be used with the same parameters they were first used with. ` +
              `Try using a key other than '${key}' if you meant to execute a different request.`,
            'idempotency_key_in_use',
          );
          return { status: err.status, body: err.body(), replayed: false };
        }
        return { ...stored.answer, replayed: true };
      }
    }
    let answer: Answer;
    let store = false;
    try {
      answer = { status: 200, body: route(method, path, params) };
      store = true;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      answer = { status: e.status, body: e.body() };
      store = e.executed;
    }
    if (key && method === 'POST' && store) {
      idempotency.set(key, { method, path, params: paramsCanon, answer: clone(answer), storedAt: clock() });
    }
    return { ...answer, replayed: false };
  }

  // --- HTTP ---------------------------------------------------------------------------------

  const requestId = () => randomId('req', 14);

  function send(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}) {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
      'Request-Id': requestId(),
      'Stripe-Version': Stripe.API_VERSION,
      ...extra,
    });
    res.end(text);
  }

  function takeFault(method: string, path: string): FaultEntry | null {
    const f = faults.find(
      (x) =>
        x.remaining > 0 &&
        (!x.spec.method || x.spec.method === '*' || x.spec.method.toUpperCase() === method) &&
        path.startsWith(x.spec.path),
    );
    if (!f) return null;
    f.hits += 1;
    f.remaining -= 1;
    return f;
  }

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        sleepers.delete(t);
        resolve();
      }, ms);
      sleepers.set(t, resolve);
    });

  async function handle(req: IncomingMessage, res: ServerResponse, rawBody: string) {
    const url = new URL(req.url ?? '/', 'http://fake-stripe.local');
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const header = (name: string) => {
      const v = req.headers[name];
      return (Array.isArray(v) ? v[0] : v) ?? null;
    };
    const idempotencyKey = header('idempotency-key');
    const query = decodeStripeForm(url.search.slice(1));
    const body = decodeStripeForm(rawBody);
    const entry: LoggedRequest = {
      method,
      path,
      query,
      idempotencyKey,
      body,
      rawBody,
      authorization: header('authorization'),
      stripeVersion: header('stripe-version'),
      status: 0,
      replayed: false,
      fault: null,
      at: Date.now(),
    };
    requests.push(entry);

    const reply = (status: number, payload: unknown, extra?: Record<string, string>) => {
      entry.status = status;
      send(res, status, payload, extra);
    };

    const auth = entry.authorization ?? '';
    const m = /^Bearer (\S+)$/.exec(auth);
    if (!m || !m[1]!.startsWith('sk_test_')) {
      const message = m
        ? `Invalid API Key provided: ${m[1]!.slice(0, 8)}${'*'.repeat(Math.max(0, m[1]!.length - 12))}${m[1]!.slice(-4)}`
        : 'You did not provide an API key. You need to provide your API key in the Authorization header, ' +
          'using Bearer auth (e.g. \'Authorization: Bearer YOUR_SECRET_KEY\').';
      reply(401, { error: { type: 'invalid_request_error', message } });
      return;
    }

    const fault = takeFault(method, path);
    entry.fault = fault?.spec.kind ?? null;
    const kind = fault?.spec.kind;

    const params = method === 'GET' || method === 'DELETE' ? query : body;
    const error500 = (when: string) => {
      const answer = { status: 500, body: { error: { type: 'api_error', message: `An unknown error occurred (fake: ${when}).` } } };
      if (fault?.spec.replay && idempotencyKey && method === 'POST')
        idempotency.set(idempotencyKey, { method, path, params: canonical(params), answer: clone(answer), storedAt: clock() });
      reply(answer.status, answer.body);
    };
    if (kind === 'error500-before-commit') return error500('before commit');
    const commits = kind === 'error500-after-commit' || !!fault?.spec.commit || (kind !== 'drop-connection' && kind !== 'timeout');
    if (kind === 'drop-connection' && !commits) return drop(req, entry);
    if (kind === 'timeout' && !commits) return hang(req, entry);

    // Like Stripe, a key is locked while its request runs (here: during injected latency);
    // a concurrent request with the same key gets 409 idempotency_key_in_use.
    const lockKey = idempotencyKey && method === 'POST' ? idempotencyKey : null;
    if (lockKey && inFlightKeys.has(lockKey)) {
      reply(409, {
        error: {
          type: 'idempotency_error',
          code: 'idempotency_key_in_use',
          message: 'There is currently another in-progress request using this Idempotent Key. Please try again later.',
        },
      });
      return;
    }
    let answer: Answer & { replayed: boolean };
    if (lockKey) inFlightKeys.add(lockKey);
    try {
      if (kind === 'latency') await sleep(fault!.spec.ms ?? 100);
      if (closed) return;
      answer = execute(method, path, params, idempotencyKey);
    } finally {
      if (lockKey) inFlightKeys.delete(lockKey);
    }
    entry.replayed = answer.replayed;

    if (kind === 'error500-after-commit') return error500('after commit');
    if (kind === 'drop-connection') return drop(req, entry);
    if (kind === 'timeout') return hang(req, entry);

    reply(answer.status, answer.body, {
      ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
      ...(answer.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
    });
  }

  function drop(req: IncomingMessage, entry: LoggedRequest) {
    entry.status = 'dropped';
    req.socket.destroy();
  }

  /** Never answers; the client's own timeout (or close()) ends it. */
  function hang(_req: IncomingMessage, entry: LoggedRequest) {
    entry.status = 'timeout';
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8')).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) {
          send(res, 500, { error: { type: 'api_error', message: `fake-stripe bug: ${(err as Error).message}` } });
        }
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = '127.0.0.1';
  const url = `http://${host}:${port}`;

  // --- control API --------------------------------------------------------------------------

  const stripeConfig = (overrides: Stripe.StripeConfig = {}): Stripe.StripeConfig => ({
    host,
    port,
    protocol: 'http',
    maxNetworkRetries: 0,
    timeout: 2_000,
    telemetry: false,
    ...overrides,
  });

  const payloadOf = (event: FakeEvent<unknown> | string) =>
    typeof event === 'string' ? event : JSON.stringify(event, null, 2);

  const signedWebhook = (event: FakeEvent<unknown> | string, opts: SignOptions = {}): SignedWebhook => {
    const payload = payloadOf(event);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: opts.secret ?? webhookSecret,
      ...(opts.timestamp !== undefined ? { timestamp: opts.timestamp } : {}),
    });
    return { payload, header };
  };

  const fake: FakeStripe = {
    url,
    host,
    port,
    secretKey,
    webhookSecret,
    env: { STRIPE_SECRET_KEY: secretKey, STRIPE_WEBHOOK_SECRET: webhookSecret, STRIPE_API_URL: url },
    paymentIntents,
    charges,
    refunds,
    balanceTransactions,
    events,
    requests,
    stripeConfig,
    client: (overrides) => new Stripe(secretKey, stripeConfig(overrides)),

    succeed(piId, opts = {}) {
      const pi = paymentIntents.get(piId);
      if (!pi) throw new Error(`fake-stripe: no PaymentIntent ${piId}`);
      if (pi.status === 'succeeded' || pi.status === 'canceled') {
        throw new Error(`fake-stripe: cannot succeed ${piId}, it is ${pi.status}`);
      }
      const paymentMethod = opts.paymentMethod ?? randomId('pm');
      const charge: FakeCharge = {
        id: randomId('ch'),
        object: 'charge',
        amount: pi.amount,
        amount_captured: pi.amount,
        amount_refunded: 0,
        refunded: false,
        captured: true,
        paid: true,
        currency: pi.currency,
        status: 'succeeded',
        payment_intent: pi.id,
        payment_method: paymentMethod,
        metadata: { ...pi.metadata },
        created: now(),
        livemode: false,
      };
      charges.set(charge.id, charge);
      book('charge', charge.id, charge.amount, charge.currency);
      pi.status = 'succeeded';
      pi.amount_received = pi.amount;
      pi.latest_charge = charge.id;
      pi.payment_method = paymentMethod;
      pi.last_payment_error = null;
      raise('payment_intent.succeeded', pi);
      return clone(pi);
    },

    fail(piId, message = 'Your card was declined.', opts = {}) {
      const pi = paymentIntents.get(piId);
      if (!pi) throw new Error(`fake-stripe: no PaymentIntent ${piId}`);
      if (pi.status === 'succeeded' || pi.status === 'canceled') {
        throw new Error(`fake-stripe: cannot fail ${piId}, it is ${pi.status}`);
      }
      pi.status = 'requires_payment_method';
      pi.payment_method = null;
      pi.last_payment_error = { type: 'card_error', code: opts.code ?? 'card_declined', message };
      return clone(pi);
    },

    amountRefunded(piId) {
      const pi = paymentIntents.get(piId);
      const charge = pi?.latest_charge ? charges.get(pi.latest_charge) : undefined;
      return charge?.amount_refunded ?? 0;
    },

    refundsFor(piId) {
      return [...refunds.values()].filter((r) => r.payment_intent === piId).map(clone);
    },

    holdRefunds(on = true) {
      holdingRefunds = on;
    },

    settleRefund(refundId, status, failureReason = status === 'failed' ? 'declined' : 'unknown') {
      const refund = refunds.get(refundId);
      if (!refund) throw new Error(`fake-stripe: no refund ${refundId}`);
      if (refund.status !== 'pending' && refund.status !== 'requires_action')
        throw new Error(`fake-stripe: cannot settle ${refundId}, it is ${refund.status}`);
      const charge = charges.get(refund.charge)!;
      refund.status = status;
      if (status !== 'succeeded') {
        refund.failure_reason = failureReason;
        charge.amount_refunded -= refund.amount;
        charge.refunded = charge.amount_refunded >= charge.amount;
        book('refund_failure', refund.id, refund.amount, refund.currency);
      }
      raise('refund.updated', refund);
      raise('charge.refund.updated', refund);
      if (status === 'succeeded') raise('charge.refunded', chargeWithRefunds(charge));
      return clone(refund);
    },

    sendWebhooksTo(target) {
      webhookTarget = target;
    },

    async flushWebhooks() {
      return Promise.all(deliveries);
    },

    eventsAbout(objectId) {
      return [...events.values()].filter((e) => (e.data.object as { id?: string }).id === objectId).map(clone);
    },

    webhookEvent(type, object) {
      return clone(makeEvent(type, object)) as FakeEvent<typeof object>;
    },

    signedWebhook,

    async deliverWebhook(target, event, opts = {}) {
      const { payload, header } = signedWebhook(event, opts);
      const res = await fetch(target, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'Stripe-Signature': opts.header ?? header,
          ...opts.headers,
        },
        body: payload,
      });
      const text = await res.text();
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = null;
      }
      return { status: res.status, body: text, json };
    },

    advanceClock(ms) {
      clockOffsetMs += ms;
    },

    expireIdempotencyKeys() {
      clockOffsetMs += idempotencyTtlMs;
    },

    injectFault(spec) {
      if (!spec.path.startsWith('/')) throw new Error(`fake-stripe: fault path must start with '/': ${spec.path}`);
      const entry: FaultEntry = {
        spec: { ...spec },
        hits: 0,
        remaining: spec.persistent ? Infinity : (spec.times ?? 1),
      };
      faults.push(entry);
      return {
        spec: entry.spec,
        get hits() {
          return entry.hits;
        },
        get remaining() {
          return entry.remaining;
        },
        remove() {
          faults = faults.filter((f) => f !== entry);
        },
      };
    },

    clearFaults() {
      faults = [];
    },

    reset() {
      paymentIntents.clear();
      charges.clear();
      refunds.clear();
      balanceTransactions.clear();
      events.clear();
      requests.length = 0;
      idempotency.clear();
      clockOffsetMs = 0;
      faults = [];
      holdingRefunds = false;
      webhookTarget = null;
      deliveries.length = 0;
    },

    async close() {
      if (closed) return;
      closed = true;
      faults = [];
      for (const [t, wake] of sleepers) {
        clearTimeout(t);
        wake();
      }
      sleepers.clear();
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await done;
    },
  };
  return fake;
}

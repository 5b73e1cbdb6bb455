import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeStripeForm, startFakeStripe, type FakeStripe } from './fake-stripe.ts';

let fake: FakeStripe;
let stripe: Stripe;

beforeAll(async () => {
  fake = await startFakeStripe();
  const api = new URL(fake.url); // what mvshop does with STRIPE_API_URL
  stripe = new Stripe(fake.secretKey, {
    host: api.hostname,
    port: api.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    timeout: 2_000,
  });
});

afterEach(() => fake.clearFaults());
afterAll(() => fake.close());

const newPi = (amount = 5_000, key?: string, metadata: Record<string, string> = { checkoutId: 'chk_1' }) =>
  stripe.paymentIntents.create(
    { amount, currency: 'usd', metadata, automatic_payment_methods: { enabled: true }, description: 'mvshop test' },
    key ? { idempotencyKey: key } : undefined,
  );

const caught = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (e) {
    return e as Error & { type?: string; code?: string; statusCode?: number };
  }
  throw new Error('expected the call to throw');
};

describe('fake Stripe through the real SDK', () => {
  it('decodes Stripe form encoding', () => {
    expect(decodeStripeForm('amount=5&metadata[a]=x%20y&expand[0]=latest_charge&expand[1]=b&x[y][z]=1')).toEqual({
      amount: '5',
      metadata: { a: 'x y' },
      expand: ['latest_charge', 'b'],
      x: { y: { z: '1' } },
    });
  });

  it('creates, retrieves, updates and cancels a PaymentIntent', async () => {
    const pi = await newPi(5_000, 'checkout:crud');
    expect(pi.id).toMatch(/^pi_/);
    expect(pi).toMatchObject({
      object: 'payment_intent',
      amount: 5_000,
      currency: 'usd',
      status: 'requires_payment_method',
      metadata: { checkoutId: 'chk_1' },
      latest_charge: null,
      amount_received: 0,
      automatic_payment_methods: { enabled: true },
    });
    expect(pi.client_secret).toMatch(new RegExp(`^${pi.id}_secret_`));

    const logged = fake.requests.at(-1)!;
    expect(logged).toMatchObject({ method: 'POST', path: '/v1/payment_intents', idempotencyKey: 'checkout:crud', status: 200 });
    expect(logged.body).toMatchObject({ amount: '5000', metadata: { checkoutId: 'chk_1' }, automatic_payment_methods: { enabled: 'true' } });
    expect(logged.authorization).toBe(`Bearer ${fake.secretKey}`);

    const got = await stripe.paymentIntents.retrieve(pi.id);
    expect(got).toMatchObject({ id: pi.id, amount: 5_000, status: 'requires_payment_method' });

    const updated = await stripe.paymentIntents.update(pi.id, { amount: 6_500, metadata: { extra: 'yes' } });
    expect(updated.amount).toBe(6_500);
    expect(updated.metadata).toEqual({ checkoutId: 'chk_1', extra: 'yes' });
    expect(fake.paymentIntents.get(pi.id)!.amount).toBe(6_500);

    const missing = await caught(stripe.paymentIntents.retrieve('pi_doesnotexist'));
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing' });

    const canceled = await stripe.paymentIntents.cancel(pi.id);
    expect(canceled.status).toBe('canceled');
    const afterCancel = await caught(stripe.paymentIntents.update(pi.id, { amount: 1 }));
    expect(afterCancel).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(afterCancel.code).toBe('payment_intent_unexpected_state');
  });

  it('cannot update a succeeded PaymentIntent; fail() records the error', async () => {
    const pi = await newPi(1_000);
    fake.fail(pi.id, 'Your card has insufficient funds.');
    const failed = await stripe.paymentIntents.retrieve(pi.id);
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.last_payment_error?.message).toBe('Your card has insufficient funds.');

    fake.succeed(pi.id);
    const err = await caught(stripe.paymentIntents.update(pi.id, { amount: 2_000 }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
    expect(fake.paymentIntents.get(pi.id)!.amount).toBe(1_000);
  });

  it('an idempotent create returns the same object once; a different body under the key is refused', async () => {
    const before = fake.paymentIntents.size;
    const a = await newPi(4_200, 'checkout:idem');
    const b = await newPi(4_200, 'checkout:idem');
    expect(b.id).toBe(a.id);
    expect(fake.paymentIntents.size).toBe(before + 1);
    expect(fake.requests.at(-1)!.replayed).toBe(true);

    const err = await caught(newPi(9_999, 'checkout:idem'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(err).toMatchObject({ statusCode: 400, type: 'StripeIdempotencyError' });
    expect(fake.paymentIntents.size).toBe(before + 1);
  });

  it('refunds a succeeded payment and refuses refunds beyond what was captured', async () => {
    const pi = await newPi(3_000);
    const early = await caught(stripe.refunds.create({ payment_intent: pi.id }));
    expect(early).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);

    fake.succeed(pi.id);
    const paid = await stripe.paymentIntents.retrieve(pi.id, { expand: ['latest_charge'] });
    expect(paid.status).toBe('succeeded');
    expect(paid.amount_received).toBe(3_000);
    const charge = paid.latest_charge as Stripe.Charge;
    expect(charge.id).toMatch(/^ch_/);

    const r1 = await stripe.refunds.create(
      { payment_intent: pi.id, amount: 1_000, reason: 'requested_by_customer', metadata: { refundId: 'rf_1' } },
      { idempotencyKey: 'refund:rf_1' },
    );
    expect(r1).toMatchObject({ object: 'refund', amount: 1_000, currency: 'usd', payment_intent: pi.id, status: 'succeeded' });
    expect(r1.metadata).toEqual({ refundId: 'rf_1' });
    expect((await stripe.refunds.retrieve(r1.id)).amount).toBe(1_000);

    const tooMuch = await caught(stripe.refunds.create({ payment_intent: pi.id, amount: 2_001 }));
    expect(tooMuch).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooMuch).toMatchObject({ statusCode: 400, code: 'amount_too_large' });

    const rest = await stripe.refunds.create({ payment_intent: pi.id }); // amount omitted = the remainder
    expect(rest.amount).toBe(2_000);
    expect((await stripe.charges.retrieve(charge.id)).amount_refunded).toBe(3_000);
    expect(fake.amountRefunded(pi.id)).toBe(3_000);

    const again = await caught(stripe.refunds.create({ payment_intent: pi.id, amount: 1 }));
    expect(again).toMatchObject({ statusCode: 400, code: 'charge_already_refunded' });
    expect(fake.refundsFor(pi.id).map((r) => r.amount)).toEqual([1_000, 2_000]);
  });

  it('error500-after-commit: the SDK throws, a retry with the same key returns the committed refund', async () => {
    const pi = await newPi(2_500);
    fake.succeed(pi.id);
    const fault = fake.injectFault({ method: 'POST', path: '/v1/refunds', kind: 'error500-after-commit' });

    const params = { payment_intent: pi.id, amount: 500 };
    const err = await caught(stripe.refunds.create(params, { idempotencyKey: 'refund:after-commit' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err.statusCode).toBe(500);
    expect(fault.hits).toBe(1);
    const committed = fake.refundsFor(pi.id);
    expect(committed).toHaveLength(1);

    const retried = await stripe.refunds.create(params, { idempotencyKey: 'refund:after-commit' });
    expect(retried.id).toBe(committed[0]!.id);
    expect(fake.refundsFor(pi.id)).toHaveLength(1);
    expect(fake.amountRefunded(pi.id)).toBe(500);
  });

  it('error500 with replay: the stored 500 comes back for the same key, as Stripe replays an executed request', async () => {
    const pi = await newPi(2_500);
    fake.succeed(pi.id);
    fake.injectFault({ method: 'POST', path: '/v1/refunds', kind: 'error500-after-commit', replay: true });
    const params = { payment_intent: pi.id, amount: 700 };
    expect((await caught(stripe.refunds.create(params, { idempotencyKey: 'refund:replayed-500' }))).statusCode).toBe(500);
    const again = await caught(stripe.refunds.create(params, { idempotencyKey: 'refund:replayed-500' }));
    expect(again.statusCode).toBe(500);
    expect(fake.requests.at(-1)).toMatchObject({ replayed: true, status: 500, fault: null });
    expect(fake.refundsFor(pi.id)).toHaveLength(1);
    fake.expireIdempotencyKeys();
    await stripe.refunds.create(params, { idempotencyKey: 'refund:replayed-500' });
    expect(fake.refundsFor(pi.id)).toHaveLength(2);
  });

  it('lists page by page with starting_after and created[gte], so the SDK auto-pagination sees every object once', async () => {
    const before = Math.floor(Date.now() / 1000) - 1;
    const made = new Set<string>();
    for (let i = 0; i < 130; i++) made.add((await newPi(100 + i)).id);
    const seen: string[] = [];
    for await (const pi of stripe.paymentIntents.list({ created: { gte: before }, limit: 50 })) if (made.has(pi.id)) seen.push(pi.id);
    expect(seen).toHaveLength(130);
    expect(new Set(seen).size).toBe(130);
    const future = await stripe.paymentIntents.list({ created: { gte: before + 3_600 } });
    expect(future.data).toEqual([]);
  });

  it('holds refunds as pending until settled; a failed refund gives its amount back to the charge', async () => {
    const pi = await newPi(3_000);
    fake.succeed(pi.id);
    fake.holdRefunds();
    try {
      const first = await stripe.refunds.create({ payment_intent: pi.id, amount: 1_000 });
      const second = await stripe.refunds.create({ payment_intent: pi.id, amount: 2_000 });
      expect([first.status, second.status]).toEqual(['pending', 'pending']);
      expect(fake.amountRefunded(pi.id)).toBe(3_000);
      fake.settleRefund(first.id, 'succeeded');
      fake.settleRefund(second.id, 'failed', 'expired_or_canceled_card');
      expect((await stripe.refunds.retrieve(first.id)).status).toBe('succeeded');
      expect(await stripe.refunds.retrieve(second.id)).toMatchObject({ status: 'failed', failure_reason: 'expired_or_canceled_card' });
      expect(fake.amountRefunded(pi.id)).toBe(1_000);
      expect(() => fake.settleRefund(first.id, 'failed')).toThrow(/it is succeeded/);
      expect(fake.eventsAbout(second.id).map((e) => e.type)).toEqual(['refund.created', 'refund.updated', 'charge.refund.updated']);
    } finally {
      fake.holdRefunds(false);
    }
  });

  it('error500-before-commit: the SDK throws and nothing happened', async () => {
    const pi = await newPi(2_500);
    fake.succeed(pi.id);
    fake.injectFault({ method: 'POST', path: '/v1/refunds', kind: 'error500-before-commit' });
    const err = await caught(stripe.refunds.create({ payment_intent: pi.id }, { idempotencyKey: 'refund:before' }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(fake.refundsFor(pi.id)).toHaveLength(0);
    const retried = await stripe.refunds.create({ payment_intent: pi.id }, { idempotencyKey: 'refund:before' });
    expect(retried.amount).toBe(2_500);
  });

  it('drop-connection: the SDK retries a closed connection once by itself, then throws StripeConnectionError', async () => {
    const before = fake.paymentIntents.size;
    // Two hits, because the SDK retries ECONNRESET once even with maxNetworkRetries: 0.
    const fault = fake.injectFault({ method: 'POST', path: '/v1/payment_intents', kind: 'drop-connection', times: 2 });
    const err = await caught(newPi(700, 'checkout:dropped'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(fault.hits).toBe(2);
    expect(fake.paymentIntents.size).toBe(before);
    const attempts = fake.requests.filter((r) => r.idempotencyKey === 'checkout:dropped');
    expect(attempts.map((r) => r.status)).toEqual(['dropped', 'dropped']);
  });

  it('drop-connection after commit: the SDK\'s silent retry replays the stored object (same key)', async () => {
    const before = fake.paymentIntents.size;
    fake.injectFault({ method: 'POST', path: '/v1/payment_intents', kind: 'drop-connection', commit: true });
    const pi = await newPi(800); // no explicit key: the SDK's own stripe-node-retry-… key is reused on retry
    expect(fake.paymentIntents.size).toBe(before + 1);
    const attempts = fake.requests.slice(-2);
    expect(attempts.map((r) => [r.status, r.replayed])).toEqual([
      ['dropped', false],
      [200, true],
    ]);
    expect(attempts[0]!.idempotencyKey).toMatch(/^stripe-node-retry-/);
    expect(attempts[1]!.idempotencyKey).toBe(attempts[0]!.idempotencyKey);
    expect(fake.paymentIntents.has(pi.id)).toBe(true);
  });

  it('timeout: the SDK gives up with a StripeConnectionError after its own timeout', async () => {
    const quick = fake.client({ timeout: 200 });
    fake.injectFault({ method: 'GET', path: '/v1/payment_intents/', kind: 'timeout' });
    const pi = await newPi(900);
    const err = await caught(quick.paymentIntents.retrieve(pi.id));
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
    expect(err.message).toMatch(/timeout/i);
    expect((await quick.paymentIntents.retrieve(pi.id)).id).toBe(pi.id);
  });

  it('latency delays the answer; the same key sent meanwhile gets 409 idempotency_key_in_use', async () => {
    fake.injectFault({ method: 'POST', path: '/v1/payment_intents', kind: 'latency', ms: 150 });
    const started = Date.now();
    const slow = newPi(1_100, 'checkout:slow');
    await new Promise((r) => setTimeout(r, 30));
    const concurrent = await caught(newPi(1_100, 'checkout:slow'));
    expect(concurrent).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(concurrent).toMatchObject({ statusCode: 409, code: 'idempotency_key_in_use' });
    const pi = await slow;
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(pi.status).toBe('requires_payment_method');
  });

  it('rejects requests without an sk_test_ key', async () => {
    const live = new Stripe('sk_live_nope', fake.stripeConfig());
    const err = await caught(live.paymentIntents.retrieve('pi_x'));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(err.statusCode).toBe(401);
  });

  describe('webhooks', () => {
    let receiver: Server;
    let receiverUrl: string;

    beforeAll(async () => {
      // A stand-in for mvshop's webhook route: raw body + Stripe-Signature → constructEvent.
      receiver = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          try {
            const event = stripe.webhooks.constructEvent(
              Buffer.concat(chunks),
              String(req.headers['stripe-signature']),
              fake.webhookSecret,
            );
            res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ received: event.id }));
          } catch (e) {
            res.writeHead(400, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: (e as Error).message }));
          }
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`;
    });
    afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

    it('signs events that constructEvent verifies, and a tampered payload fails', async () => {
      const pi = await newPi(1_500);
      const event = fake.webhookEvent('payment_intent.succeeded', fake.succeed(pi.id));
      expect(event).toMatchObject({ object: 'event', type: 'payment_intent.succeeded', livemode: false });
      expect(event.id).toMatch(/^evt_/);

      const { payload, header } = fake.signedWebhook(event);
      const verified = stripe.webhooks.constructEvent(payload, header, fake.webhookSecret);
      expect(verified.id).toBe(event.id);
      expect((verified.data.object as Stripe.PaymentIntent).id).toBe(pi.id);

      const tampered = payload.replace('"amount": 1500', '"amount": 1');
      expect(tampered).not.toBe(payload);
      expect(() => stripe.webhooks.constructEvent(tampered, header, fake.webhookSecret)).toThrow(
        Stripe.errors.StripeSignatureVerificationError,
      );
      const wrongSecret = fake.signedWebhook(event, { secret: 'whsec_other' });
      expect(() => stripe.webhooks.constructEvent(wrongSecret.payload, wrongSecret.header, fake.webhookSecret)).toThrow();

      expect((await stripe.events.retrieve(event.id)).type).toBe('payment_intent.succeeded');
    });

    it('sends the events of its own state changes, signed, to the configured URL', async () => {
      fake.sendWebhooksTo(receiverUrl);
      try {
        const pi = await newPi(1_700);
        fake.succeed(pi.id);
        const refund = await stripe.refunds.create({ payment_intent: pi.id, amount: 700 });
        const deliveries = await fake.flushWebhooks();
        const received = deliveries.map((d) => (d.json as { received?: string }).received);
        const raised = [...fake.eventsAbout(pi.id), ...fake.eventsAbout(refund.id)].map((e) => e.id);
        expect(raised).toHaveLength(2);
        for (const id of raised) expect(received).toContain(id);
        expect(deliveries.every((d) => d.status === 200)).toBe(true);
      } finally {
        fake.sendWebhooksTo(null);
      }
    });

    it('delivers a signed event over HTTP', async () => {
      const pi = await newPi(1_600);
      const event = fake.webhookEvent('payment_intent.succeeded', fake.succeed(pi.id));
      const ok = await fake.deliverWebhook(receiverUrl, event);
      expect(ok).toMatchObject({ status: 200, json: { received: event.id } });
      const stale = await fake.deliverWebhook(receiverUrl, event, { timestamp: Math.floor(Date.now() / 1000) - 3_600 });
      expect(stale.status).toBe(400);
    });
  });
});

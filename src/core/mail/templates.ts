import { z } from 'zod';
import { AppError } from '../shared/errors.ts';

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

function layout(title: string, paragraphs: string[], action?: { label: string; url: string }) {
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;max-width:560px;margin:auto">
<h2>${esc(title)}</h2>
${paragraphs.map((p) => `<p>${esc(p)}</p>`).join('\n')}
${action ? `<p><a href="${esc(action.url)}" style="background:#111;color:#fff;padding:10px 16px;border-radius:6px;text-decoration:none">${esc(action.label)}</a></p><p style="font-size:12px;color:#666">${esc(action.url)}</p>` : ''}
<p style="font-size:12px;color:#666">mvshop</p></body></html>`;
  const text = [title, '', ...paragraphs, ...(action ? ['', `${action.label}: ${action.url}`] : [])].join('\n');
  return { html, text };
}

/** Every email the system sends, with the variables each needs. */
export const templates = {
  'activate-account': {
    vars: z.object({ name: z.string(), url: z.url(), kind: z.enum(['user', 'shop']), expiresInMinutes: z.number() }),
    render: (v: { name: string; url: string; kind: 'user' | 'shop'; expiresInMinutes: number }) => ({
      subject: v.kind === 'shop' ? 'Activate your mvshop shop' : 'Activate your mvshop account',
      ...layout(
        `Hello ${v.name},`,
        [
          v.kind === 'shop'
            ? 'Confirm this email address to open your shop on mvshop.'
            : 'Confirm this email address to finish creating your mvshop account.',
          `The link works once and expires in ${Math.round(v.expiresInMinutes / 60) || 1} hour(s). If you did not sign up, ignore this email.`,
        ],
        { label: 'Activate', url: v.url },
      ),
    }),
  },
  'reset-password': {
    vars: z.object({ name: z.string(), url: z.url(), expiresInMinutes: z.number() }),
    render: (v: { name: string; url: string; expiresInMinutes: number }) => ({
      subject: 'Reset your mvshop password',
      ...layout(
        `Hello ${v.name},`,
        [
          'Someone asked to reset the password of this account. If it was you, use the link below.',
          `It works once and expires in ${v.expiresInMinutes} minutes. If it was not you, ignore this email; your password stays as it is.`,
        ],
        { label: 'Choose a new password', url: v.url },
      ),
    }),
  },
  'password-changed': {
    vars: z.object({ name: z.string() }),
    render: (v: { name: string }) => ({
      subject: 'Your mvshop password was changed',
      ...layout(`Hello ${v.name},`, [
        'The password of your account was just changed and your other sessions were signed out.',
        'If this was not you, reset your password now and contact support.',
      ]),
    }),
  },
  'unread-messages': {
    vars: z.object({ name: z.string(), from: z.string(), count: z.number().int().positive(), url: z.url() }),
    render: (v: { name: string; from: string; count: number; url: string }) => ({
      subject: `${v.from} sent you ${v.count === 1 ? 'a message' : `${v.count} messages`} on mvshop`,
      ...layout(
        `Hello ${v.name},`,
        [`You have ${v.count === 1 ? 'an unread message' : `${v.count} unread messages`} from ${v.from}.`],
        { label: 'Read and reply', url: v.url },
      ),
    }),
  },
  'order-placed': {
    vars: z.object({ name: z.string(), orders: z.array(z.object({ id: z.string(), shop: z.string(), total: z.string() })), total: z.string(), currency: z.string() }),
    render: (v: { name: string; orders: { id: string; shop: string; total: string }[]; total: string; currency: string }) => ({
      subject: 'Your mvshop order is confirmed',
      ...layout(`Thank you, ${v.name}!`, [
        `We received your order: ${v.orders.length} shop order(s), ${v.total} ${v.currency.toUpperCase()} in all.`,
        ...v.orders.map((o) => `${o.shop}: order ${o.id}, ${o.total} ${v.currency.toUpperCase()}`),
      ]),
    }),
  },
  'new-order': {
    vars: z.object({ shop: z.string(), orderId: z.string(), total: z.string(), currency: z.string(), items: z.number() }),
    render: (v: { shop: string; orderId: string; total: string; currency: string; items: number }) => ({
      subject: `New order ${v.orderId}`,
      ...layout(`Hello ${v.shop},`, [`You have a new order ${v.orderId}: ${v.items} item(s), ${v.total} ${v.currency.toUpperCase()}.`, 'Open your dashboard to fulfil it.']),
    }),
  },
  'order-refunded': {
    vars: z.object({ name: z.string(), orderId: z.string(), total: z.string(), currency: z.string() }),
    render: (v: { name: string; orderId: string; total: string; currency: string }) => ({
      subject: `Refund for order ${v.orderId}`,
      ...layout(`Hello ${v.name},`, [`Your order ${v.orderId} was refunded: ${v.total} ${v.currency.toUpperCase()} goes back to your payment method.`]),
    }),
  },
  'order-cancelled': {
    vars: z.object({ name: z.string(), orderId: z.string(), total: z.string(), currency: z.string() }),
    render: (v: { name: string; orderId: string; total: string; currency: string }) => ({
      subject: `Order ${v.orderId} is cancelled`,
      ...layout(`Hello ${v.name},`, [`Your cash-on-delivery order ${v.orderId} (${v.total} ${v.currency.toUpperCase()}) is cancelled. Nothing was charged.`]),
    }),
  },
  'refund-pending': {
    vars: z.object({ name: z.string(), orderId: z.string(), total: z.string(), currency: z.string() }),
    render: (v: { name: string; orderId: string; total: string; currency: string }) => ({
      subject: `Your refund for order ${v.orderId} is on its way`,
      ...layout(`Hello ${v.name},`, [
        `The refund of ${v.total} ${v.currency.toUpperCase()} for order ${v.orderId} was sent to your bank, which has not confirmed it yet.`,
        'This can take a few days; we will email you when it is complete.',
      ]),
    }),
  },
  'refund-failed': {
    vars: z.object({ refundId: z.string(), ref: z.string(), amount: z.string(), currency: z.string(), error: z.string() }),
    render: (v: { refundId: string; ref: string; amount: string; currency: string; error: string }) => ({
      subject: `Refund ${v.refundId} failed`,
      ...layout('A refund did not go through', [
        `Refund ${v.refundId} of ${v.amount} ${v.currency.toUpperCase()} for ${v.ref} failed at Stripe: ${v.error}.`,
        'Nothing was booked for it and the buyer is not paid. Retry it with `mvshop order refund ID`, or settle it with the buyer.',
      ]),
    }),
  },
  'reconciliation-findings': {
    vars: z.object({ since: z.string(), summary: z.array(z.string()) }),
    render: (v: { since: string; summary: string[] }) => ({
      subject: 'Reconciliation with Stripe found differences',
      ...layout('Stripe, the ledger and the orders disagree', [
        `Since ${v.since}: ${v.summary.join('; ')}.`,
        'Run `mvshop reconcile report --since DATE` for every finding and its ids.',
      ]),
    }),
  },
  'payment-refunded': {
    vars: z.object({ name: z.string(), total: z.string(), currency: z.string(), reason: z.string() }),
    render: (v: { name: string; total: string; currency: string; reason: string }) => ({
      subject: 'We could not complete your order — your payment is being refunded',
      ...layout(`Hello ${v.name},`, [
        `We could not turn your payment into an order: ${v.reason}.`,
        `The full amount, ${v.total} ${v.currency.toUpperCase()}, is being refunded to your payment method.`,
      ]),
    }),
  },
  'withdrawal-requested': {
    vars: z.object({ shop: z.string(), withdrawalId: z.string(), amount: z.string(), currency: z.string(), account: z.string() }),
    render: (v: { shop: string; withdrawalId: string; amount: string; currency: string; account: string }) => ({
      subject: `Withdrawal ${v.withdrawalId} requested`,
      ...layout(`Hello ${v.shop},`, [
        `We received your withdrawal request ${v.withdrawalId} for ${v.amount} ${v.currency.toUpperCase()} to account ${v.account}.`,
        'The amount is on hold in your balance until an administrator approves it.',
      ]),
    }),
  },
  'withdrawal-approved': {
    vars: z.object({ shop: z.string(), withdrawalId: z.string(), amount: z.string(), currency: z.string(), account: z.string() }),
    render: (v: { shop: string; withdrawalId: string; amount: string; currency: string; account: string }) => ({
      subject: `Withdrawal ${v.withdrawalId} approved`,
      ...layout(`Hello ${v.shop},`, [`Your withdrawal ${v.withdrawalId} of ${v.amount} ${v.currency.toUpperCase()} was approved and is paid out to account ${v.account}.`]),
    }),
  },
  'withdrawal-rejected': {
    vars: z.object({ shop: z.string(), withdrawalId: z.string(), amount: z.string(), currency: z.string(), reason: z.string() }),
    render: (v: { shop: string; withdrawalId: string; amount: string; currency: string; reason: string }) => ({
      subject: `Withdrawal ${v.withdrawalId} rejected`,
      ...layout(`Hello ${v.shop},`, [
        `Your withdrawal ${v.withdrawalId} of ${v.amount} ${v.currency.toUpperCase()} was rejected: ${v.reason}`,
        'The amount is back in your available balance.',
      ]),
    }),
  },
  'withdrawal-waiting': {
    vars: z.object({ shop: z.string(), shopId: z.string(), withdrawalId: z.string(), amount: z.string(), currency: z.string() }),
    render: (v: { shop: string; shopId: string; withdrawalId: string; amount: string; currency: string }) => ({
      subject: `Withdrawal ${v.withdrawalId} waits for approval`,
      ...layout('A withdrawal waits for approval', [
        `${v.shop} (${v.shopId}) asked to withdraw ${v.amount} ${v.currency.toUpperCase()}: withdrawal ${v.withdrawalId}.`,
        'Approve or reject it from the admin dashboard.',
      ]),
    }),
  },
} as const;

export type TemplateName = keyof typeof templates;
export type TemplateVars<T extends TemplateName> = Parameters<(typeof templates)[T]['render']>[0];

/** Renders a queued email; an unknown template or variables that do not fit it can never render, so VALIDATION_FAILED. */
export function renderTemplate(name: string, vars: unknown): { subject: string; html: string; text: string } {
  const template = Object.hasOwn(templates, name) ? templates[name as TemplateName] : undefined;
  if (!template) throw new AppError('VALIDATION_FAILED', `unknown email template ${name}`);
  const parsed = template.vars.safeParse(vars);
  if (!parsed.success)
    throw new AppError('VALIDATION_FAILED', `email ${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  // Each entry's schema matches its own render's parameter type.
  return (template.render as (v: unknown) => { subject: string; html: string; text: string })(parsed.data);
}

import type { Ctx } from '../context.ts';
import { enqueueOutbox } from '../outbox/index.ts';
import type { OutboxHandler, OutboxItem } from '../outbox/index.ts';
import { renderTemplate, type TemplateName, type TemplateVars } from './templates.ts';

export const MAIL_TOPIC = 'mail.send';

/** Queues an email in the caller's transaction: it is sent only if the change that causes it commits. */
export async function queueEmail<T extends TemplateName>(ctx: Ctx, to: string, template: T, vars: TemplateVars<T>) {
  return enqueueOutbox(ctx, MAIL_TOPIC, { to, template, vars });
}

/** One email of `emailItems`, its variables typed by its template. */
export type QueuedEmail = { [T in TemplateName]: { to: string; template: T; vars: TemplateVars<T> } }[TemplateName];

/** Emails as outbox items, for a caller that writes them with its own rows. */
export function emailItems(emails: QueuedEmail[]): OutboxItem[] {
  return emails.map(({ to, template, vars }) => ({ topic: MAIL_TOPIC, payload: { to, template, vars } }));
}

/** Delivers a queued email. Links with one-time tokens live in `vars`, so they are dropped once sent. */
export const sendEmailHandler: OutboxHandler = {
  async run(ctx, row) {
    const { to, template, vars } = row.payload as { to: string; template: string; vars: unknown };
    const rendered = renderTemplate(template, vars);
    const result = await ctx.ports.mailer.send({ to, ...rendered, messageId: `<${row.id}@mvshop>` });
    // A file mailbox's path is what a developer looks for; a send through SMTP is already told by
    // the job's own line (queue, outbox id, outcome), and a second line per email cost the worker
    // more than composing it.
    if (result.location) ctx.log.info({ outboxId: row.id, template, location: result.location }, `email written to ${result.location}`);
    else ctx.log.debug({ outboxId: row.id, template }, 'email sent');
  },
  redact: (payload) => ({ to: payload.to, template: payload.template }),
};

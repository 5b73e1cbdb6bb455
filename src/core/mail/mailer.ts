import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import type { Config } from '../config.ts';
import type { ComposedMessage } from './compose-message.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable id (from the outbox row) so a retried send carries the same Message-ID and can be de-duplicated. */
  messageId?: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'file';
  send(message: MailMessage): Promise<{ messageId: string; location?: string }>;
  close(): void;
}

/**
 * SMTP through nodemailer when SMTP_HOST is set, else `.eml` files in a mailbox folder. SMTP keeps a
 * pool of `SMTP_POOL_SIZE` open connections, each sending one message after another, instead of
 * opening a connection (and a TLS handshake) per email.
 */
export function createMailer(config: Config['mail']): Mailer {
  let loaded: Promise<Transporter> | undefined;
  const transporter = (options: object) => (loaded ??= import('nodemailer').then((m) => m.default.createTransport(options)));
  const close = () => void loaded?.then((t) => t.close());
  if (config.smtp) {
    const { host, port, secure, user, password, poolSize } = config.smtp;
    const options = {
      pool: true,
      maxConnections: poolSize,
      host,
      port,
      secure,
      auth: user ? { user, pass: password ?? '' } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    };
    // Built by our composer into one buffer and sent raw (see compose-message.ts): nodemailer's own
    // composer, and its encoders streaming straight to the socket in many small writes, cost more
    // CPU than everything else in a send (see bench/README.md, "Jobs").
    let composer: Promise<(m: MailMessage, now: Date) => ComposedMessage> | undefined;
    const compose = () => (composer ??= import('./compose-message.ts').then((c) => c.createMessageComposer(config.from)));
    return {
      kind: 'smtp',
      async send(m) {
        const built = (await compose())(m, new Date());
        // The Message-ID given too, or nodemailer makes up one (unused: a raw message goes out as it is).
        await (await transporter(options)).sendMail({ envelope: built.envelope, raw: built.raw, messageId: built.messageId });
        return { messageId: built.messageId };
      },
      close,
    };
  }
  const options = { streamTransport: true, buffer: true, newline: 'unix' };
  return {
    kind: 'file',
    async send(m) {
      const info = await (await transporter(options)).sendMail({ from: config.from, ...m });
      await mkdir(config.dir, { recursive: true });
      // Named by the stable Message-ID when there is one, so a retried send rewrites its file instead of adding one.
      const name = m.messageId ? fileSafe(m.messageId) : `${Date.now()}-${fileSafe(info.messageId)}`;
      const location = path.resolve(config.dir, `${name}.eml`);
      // Written aside, then renamed: a reader never sees half a message.
      const partial = `${location}.${randomUUID()}.tmp`;
      await writeFile(partial, info.message as Buffer);
      await rename(partial, location);
      return { messageId: info.messageId, location };
    },
    close,
  };
}

/** `<obx_01j…@mvshop>` → `obx_01j…_mvshop`. */
const fileSafe = (messageId: string) => messageId.replace(/^<|>$/g, '').replace(/[^a-zA-Z0-9_.-]/g, '_');

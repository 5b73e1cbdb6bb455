import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface CapturedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/** A real SMTP server in-process: nodemailer talks SMTP to it, tests read what arrived. */
export interface SmtpCapture {
  port: number;
  messages: CapturedMail[];
  /** Resolves with the first message to `to` (optionally matching) once it arrives. */
  waitFor(to: string, match?: (m: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  /** Makes the server refuse mail (4xx) until switched back: "the SMTP server is down". */
  setFailing(failing: boolean): void;
  /** Holds each message this long before accepting it: a slow server, so a send takes that long. */
  setDelay(ms: number): void;
  /** Messages whose data has started to arrive (accepted or not yet). */
  readonly receiving: number;
  close(): Promise<void>;
}

export async function startSmtpCapture(): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters: (() => void)[] = [];
  let failing = false;
  let delayMs = 0;
  let receiving = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      receiving++;
      if (failing) {
        stream.resume();
        // As real servers do, the refusal names the recipient (which logs must not repeat).
        const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
        stream.on('end', () => callback(Object.assign(new Error(`mailbox ${to} unavailable`), { responseCode: 451 })));
        return;
      }
      simpleParser(stream)
        .then(async (parsed) => {
          if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
          const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
          messages.push({
            to: to?.value[0]?.address ?? '',
            from: parsed.from?.value[0]?.address ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
          });
          waiters.splice(0).forEach((w) => w());
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  // A client that dies mid-session (a killed worker's pooled connection) resets its socket: its loss, not the server's.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;

  const find = (to: string, match?: (m: CapturedMail) => boolean) =>
    messages.find((m) => m.to === to.toLowerCase() && (!match || match(m)));

  return {
    port,
    messages,
    setFailing: (f) => {
      failing = f;
    },
    setDelay: (ms) => {
      delayMs = ms;
    },
    get receiving() {
      return receiving;
    },
    waitFor(to, match, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no email to ${to} within ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          const m = find(to, match);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          } else waiters.push(check);
        };
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The one-time token at the end of the first link in an email body. */
export function linkToken(mail: CapturedMail): string {
  const match = /https?:\/\/\S+\/([A-Za-z0-9_-]{20,})/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no token link in email "${mail.subject}"`);
  return match[1];
}

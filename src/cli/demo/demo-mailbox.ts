import type { Mailer } from '../../core/mail/index.ts';
import type { DemoInbox } from './play-day.ts';

/**
 * The demo's mailer: every email still goes to the file mailbox, and the demo reads the activation
 * links people would click from what was sent.
 */
export function recordingMailer(mailer: Mailer): { mailer: Mailer; inbox: DemoInbox } {
  const last = new Map<string, string>();
  let sent = 0;
  return {
    mailer: {
      kind: mailer.kind,
      async send(message) {
        const result = await mailer.send(message);
        last.set(message.to, message.text);
        sent += 1;
        return result;
      },
      close: () => mailer.close(),
    },
    inbox: {
      activationToken(email) {
        const token = /https?:\/\/\S+\/([A-Za-z0-9_-]{20,})/.exec(last.get(email) ?? '')?.[1];
        if (!token) throw new Error(`demo: no activation link was emailed to ${email}`);
        return token;
      },
      count: () => sent,
    },
  };
}

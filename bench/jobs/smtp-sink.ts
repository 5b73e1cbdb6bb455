import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * A local SMTP server that accepts every message and counts distinct Message-IDs, reading only the
 * headers (the tests' capture parses whole messages, which would cost the bench more than the sender).
 */
export interface SmtpSink {
  port: number;
  /** Distinct Message-IDs received. */
  readonly received: number;
  /** Messages received, repeats included. */
  readonly messages: number;
  /** Resolves once `n` distinct Message-IDs have arrived. */
  waitFor(n: number, timeoutMs: number): Promise<void>;
  reset(): void;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const ids = new Set<string>();
  let messages = 0;
  let waiter: (() => void) | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    maxClients: 1000,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        messages++;
        const id = /^Message-ID:\s*(\S+)/im.exec(head)?.[1];
        if (id) ids.add(id);
        waiter?.();
        callback();
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    get received() {
      return ids.size;
    },
    get messages() {
      return messages;
    },
    waitFor(n, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new Error(`only ${ids.size} of ${n} emails arrived within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (ids.size < n) return;
          clearTimeout(timer);
          waiter = undefined;
          resolve();
        };
        waiter = check;
        check();
      });
    },
    reset() {
      ids.clear();
      messages = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

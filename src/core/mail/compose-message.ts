import { randomBytes, randomUUID } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import { foldLines } from 'nodemailer/lib/mime-funcs';
import MimeNode from 'nodemailer/lib/mime-node';
import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import type { MailMessage } from './mailer.ts';

export interface ComposedMessage {
  envelope: { from: string; to: string[] };
  /** The whole RFC 5322 message, CRLF line ends, for nodemailer's `raw`. */
  raw: Buffer;
  messageId: string;
}

/**
 * Builds our one kind of message, text and HTML as multipart/alternative, in one synchronous pass.
 * nodemailer's composer builds a tree of MIME nodes and streams each through encoders: per email
 * that was most of the worker's CPU (random bytes per node, header normalisation, a dozen streams and
 * abort signals; see bench/README.md, "Jobs"). The encoding is still nodemailer's: its header
 * encoder (addresses, punycode, encoded words), line folding and quoted-printable, called directly.
 */
export function createMessageComposer(from: string): (m: MailMessage, now: Date) => ComposedMessage {
  const headers = new MimeNode(false);
  const header = (key: string, value: string) => foldLines(`${key}: ${headers.encodeHeaderValue(key, value)}`, 76);
  const fromHeader = header('From', from);
  const parsed = addressparser(from, { flatten: true })[0];
  const envelopeFrom = parsed && 'address' in parsed ? parsed.address : from;
  const domain = envelopeFrom.split('@')[1] ?? 'mvshop.local';
  // Unguessable per process and unique per message, so no body can contain it.
  const boundaryBase = `_mvshop_${randomBytes(8).toString('hex')}_`;
  let sequence = 0;

  const part = (boundary: string, type: string, body: string) =>
    `--${boundary}\r\nContent-Type: ${type}; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${qpWrap(
      qpEncode(body.replace(/\r\n?/g, '\n')),
      76,
    ).replace(/\r?\n/g, '\r\n')}\r\n`;

  return (m, now) => {
    const messageId = m.messageId ?? `<${randomUUID()}@${domain}>`;
    const boundary = `${boundaryBase}${++sequence}`;
    const raw =
      `${fromHeader}\r\n${header('To', m.to)}\r\n${header('Subject', m.subject)}\r\n${header('Message-ID', messageId)}\r\n` +
      `Date: ${now.toUTCString().replace(/GMT/, '+0000')}\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: multipart/alternative;\r\n boundary="${boundary}"\r\n\r\n` +
      `${part(boundary, 'text/plain', m.text)}${part(boundary, 'text/html', m.html)}--${boundary}--\r\n`;
    return { envelope: { from: envelopeFrom, to: [m.to] }, raw: Buffer.from(raw, 'utf8'), messageId };
  };
}

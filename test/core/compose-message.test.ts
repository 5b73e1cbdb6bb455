import fc from 'fast-check';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { describe, expect, it } from 'vitest';
import { createMessageComposer } from '../../src/core/mail/compose-message.ts';

const FROM = 'mvshop Café <no-reply@mvshop.local>';
const reference = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });

const lines = (s: string | false | undefined) => (typeof s === 'string' ? s.replace(/\r\n?/g, '\n') : s);

/** What a mail client reads from a message: the fields our tests and users see (line breaks as line breaks, however written). */
async function read(raw: Buffer) {
  const p = await simpleParser(raw);
  const to = Array.isArray(p.to) ? p.to[0] : p.to;
  return {
    from: p.from?.value[0],
    to: to?.value[0]?.address,
    subject: p.subject,
    messageId: p.messageId,
    text: lines(p.text),
    html: lines(p.html),
  };
}

// Bodies as templates and users write them: any Unicode, long lines, trailing spaces, `=`, lines of
// dots, LF and CRLF line ends; never empty (every template renders both parts, and nodemailer drops
// an empty one). No lone CR: what it means is anybody's guess, and the two composers guess differently.
const body = fc
  .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.constantFrom('=', '.', '..', ' ', '\t', '\n', '\r\n', '=3D', 'é', '😀', 'x'.repeat(200))), {
    maxLength: 30,
  })
  .map((parts) => `Hello${parts.join('').replace(/\r(?!\n)/g, '\n')}`);

describe('composing an email', () => {
  it('reads back as what nodemailer composes: sender, recipient, subject, Message-ID, text and HTML', async () => {
    const compose = createMessageComposer(FROM);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 150 }), body, body, async (subject, text, html) => {
        const m = { to: 'buyer.one+tag@example.test', subject, text, html, messageId: '<obx_01abc@mvshop>' };
        const ours = compose(m, new Date('2026-12-06T10:00:00Z'));
        const theirs = await reference.sendMail({ from: FROM, ...m });
        expect(await read(ours.raw)).toEqual(await read(theirs.message as Buffer));
        expect(ours.envelope).toEqual({ from: 'no-reply@mvshop.local', to: ['buyer.one+tag@example.test'] });
        // Lines SMTP can carry: CRLF only, none longer than 998 octets.
        const lines = ours.raw.toString('latin1').split('\r\n');
        expect(lines.every((l) => !l.includes('\n') && !l.includes('\r') && l.length <= 998)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('encodes a recipient with an internationalised domain and a subject with line breaks as nodemailer does', async () => {
    const compose = createMessageComposer(FROM);
    const m = { to: 'käufer@bücher.example', subject: 'Order\r\nBcc: victim@example.test', text: 'hi', html: '<p>hi</p>', messageId: '<obx_02@mvshop>' };
    const ours = compose(m, new Date());
    const raw = ours.raw.toString('utf8');
    // No header injection: the subject's line break became a space inside the Subject header.
    expect(raw).not.toMatch(/^Bcc:/m);
    expect(await read(ours.raw)).toEqual(await read((await reference.sendMail({ from: FROM, ...m })).message as Buffer));
  });

  it('gives each message its own boundary and a Message-ID when none is given', () => {
    const compose = createMessageComposer(FROM);
    const a = compose({ to: 'a@example.test', subject: 's', text: 't', html: 'h' }, new Date());
    const b = compose({ to: 'a@example.test', subject: 's', text: 't', html: 'h' }, new Date());
    expect(a.messageId).toMatch(/^<[0-9a-f-]{36}@mvshop\.local>$/);
    expect(a.messageId).not.toBe(b.messageId);
    const boundary = (raw: Buffer) => /boundary="([^"]+)"/.exec(raw.toString())![1];
    expect(boundary(a.raw)).not.toBe(boundary(b.raw));
  });
});

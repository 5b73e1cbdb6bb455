import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCloudinaryMediaStore } from '../../src/core/media/cloudinary-store.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { startFakeCloudinary, type FakeCloudinary } from '../helpers/fake-cloudinary.ts';
import { PASSWORD, signUpShop, signUpUser, uniqueEmail } from '../helpers/factories.ts';
import type { TestClient } from '../helpers/http.ts';
import { linkToken } from '../helpers/smtp.ts';

// A real 1×1 PNG; random trailing bytes make each test image distinct without changing its type.
const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
const png = () => Buffer.concat([PNG_1PX, randomBytes(16)]);
const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0'), randomBytes(64)]);
const pdf = () => Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n${randomBytes(8).toString('hex')}\n%%EOF\n`);
const MB = 1024 * 1024;
const oversized = () => Buffer.concat([PNG_1PX, Buffer.alloc(1.5 * MB, 1)]);
const dataUrl = (bytes: Buffer, mime = 'image/png') => `data:${mime};base64,${bytes.toString('base64')}`;

const HOSTILE_NAME = 'evil-name-4f2a';

function avatarForm(bytes: Buffer, opts: { filename?: string; type?: string; fields?: Record<string, string> } = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(opts.fields ?? {})) form.append(k, v);
  form.append('avatar', new Blob([new Uint8Array(bytes)], { type: opts.type ?? 'image/png' }), opts.filename ?? 'avatar.png');
  return form;
}

const putForm = (client: TestClient, route: string, form: FormData) => client.request('PUT', route, { body: form });

async function fetchBytes(app: TestApp, url: string) {
  const res = await fetch(new URL(url, app.url));
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const LOCAL_PUBLIC_ID = /^avatars\/med_[0-9a-z]{26}\.(png|jpeg)$/;

describe('avatar uploads to the local-disk store', () => {
  let app: TestApp;
  let mediaDir: string;
  beforeAll(async () => {
    app = await startTestApp({ env: { MAX_UPLOAD_MB: '1' } });
    mediaDir = path.resolve(app.config.media.dir);
  });
  afterAll(() => app?.close());

  it('a multipart avatar is stored under a generated name and served back under /media with the same bytes', async () => {
    const { client } = await signUpUser(app);
    const bytes = png();
    const res = await putForm(client, '/user/update-avatar', avatarForm(bytes, { filename: `${HOSTILE_NAME}.png` }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const avatar = res.body.user.avatar as { public_id: string; url: string };
    expect(avatar.public_id).toMatch(LOCAL_PUBLIC_ID);
    expect(avatar.url).toBe(`/media/${avatar.public_id}`);
    expect(JSON.stringify(res.body)).not.toContain(HOSTILE_NAME);

    const served = await fetchBytes(app, avatar.url);
    expect(served.status).toBe(200);
    expect(served.type).toBe('image/png');
    expect(served.bytes.equals(bytes)).toBe(true);
    expect((await client.get('/user/me')).body.user.avatar).toEqual(avatar);
  });

  it('a JSON base64 data URL avatar is stored like a file, typed by its bytes, and replacing it removes the old file', async () => {
    const { client } = await signUpUser(app);
    const first = png();
    const one = await client.put('/user/update-avatar', { avatar: dataUrl(first) });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    const old = one.body.user.avatar as { public_id: string; url: string };
    expect((await fetchBytes(app, old.url)).bytes.equals(first)).toBe(true);

    // The data URL claims png; the bytes are a jpeg, and the bytes decide.
    const second = jpeg();
    const two = await client.put('/user/update-avatar', { avatar: dataUrl(second, 'image/png') });
    expect(two.status, JSON.stringify(two.body)).toBe(200);
    const current = two.body.user.avatar as { public_id: string; url: string };
    expect(current.public_id).toMatch(/\.jpeg$/);
    expect((await fetchBytes(app, current.url)).bytes.equals(second)).toBe(true);
    expect(await filesUnder(mediaDir)).not.toContain(path.join(mediaDir, old.public_id));
  });

  it('a PDF named .png and declared image/png is refused with 415 and nothing is stored', async () => {
    const { client, user } = await signUpUser(app);
    const before = await filesUnder(mediaDir);
    const multipartRes = await putForm(client, '/user/update-avatar', avatarForm(pdf(), { filename: 'photo.png', type: 'image/png' }));
    expect(multipartRes.status).toBe(415);
    expect(multipartRes.body).toMatchObject({ success: false, code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(multipartRes.body.message).toMatch(/jpeg, png, webp or gif/);
    const jsonRes = await client.put('/user/update-avatar', { avatar: dataUrl(pdf(), 'image/png') });
    expect(jsonRes.status).toBe(415);
    expect(await filesUnder(mediaDir)).toEqual(before);
    expect((await client.get('/user/me')).body.user.avatar).toBe(user.avatar);
  });

  it('a file over MAX_UPLOAD_MB is refused with 413, as multipart and as a data URL', async () => {
    const { client } = await signUpUser(app);
    const before = await filesUnder(mediaDir);
    const multipartRes = await putForm(client, '/user/update-avatar', avatarForm(oversized()));
    expect(multipartRes.status).toBe(413);
    expect(multipartRes.body).toMatchObject({ success: false, code: 'PAYLOAD_TOO_LARGE' });
    const jsonRes = await client.put('/user/update-avatar', { avatar: dataUrl(oversized()) });
    expect(jsonRes.status).toBe(413);
    expect(jsonRes.body).toMatchObject({ success: false, code: 'PAYLOAD_TOO_LARGE' });
    expect(jsonRes.body.message).toMatch(/larger than 1 MB/);
    expect(await filesUnder(mediaDir)).toEqual(before);
  });

  it('a data URL that is not base64, or an avatar that is not a string, is a 400 naming the field', async () => {
    const { client } = await signUpUser(app);
    for (const avatar of ['data:image/png,not-base64-at-all', 'data:image/png;base64,%%%!!!', 'https://example.com/cat.png', { url: 'x' }]) {
      const res = await client.put('/user/update-avatar', { avatar });
      expect(res.status, JSON.stringify(avatar)).toBe(400);
      expect(res.body).toMatchObject({ success: false, code: 'VALIDATION_FAILED', fields: { avatar: expect.any(String) } });
    }
    const missing = await client.put('/user/update-avatar', {});
    expect(missing.status).toBe(400);
    expect(missing.body.fields).toEqual({ avatar: 'is required' });
  });

  it('a client-sent public_id, url or filename never names the stored file', async () => {
    const { client } = await signUpUser(app);
    const form = avatarForm(png(), {
      filename: `../../${HOSTILE_NAME}.png`,
      fields: { public_id: `avatars/${HOSTILE_NAME}`, url: `https://evil.example/${HOSTILE_NAME}.png` },
    });
    const res = await putForm(client, '/user/update-avatar', form);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.user.avatar.public_id).toMatch(LOCAL_PUBLIC_ID);
    expect(JSON.stringify(res.body)).not.toContain(HOSTILE_NAME);
    const files = await filesUnder(path.dirname(mediaDir));
    expect(files.filter((f) => f.includes(HOSTILE_NAME))).toEqual([]);
  });

  it('a shop avatar is stored and served under the shop-avatars folder', async () => {
    const { client } = await signUpShop(app);
    const bytes = png();
    const res = await putForm(client, '/shop/update-avatar', avatarForm(bytes));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const avatar = res.body.seller.avatar as { public_id: string; url: string };
    expect(avatar.public_id).toMatch(/^shop-avatars\/med_[0-9a-z]{26}\.png$/);
    expect((await fetchBytes(app, avatar.url)).bytes.equals(bytes)).toBe(true);
    expect((await client.get('/shop/me')).body.seller.avatar).toEqual(avatar);
  });

  it('registration with a multipart avatar keeps it for the activated account', async () => {
    const client = app.client();
    const email = uniqueEmail('avatar');
    const bytes = png();
    const form = avatarForm(bytes, { fields: { name: 'Ava Tar', email, password: PASSWORD } });
    const res = await client.request('POST', '/user/register', { body: form });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const mail = await app.mail.waitFor(email, (m) => /activate/i.test(m.subject));
    const activated = await client.post('/user/activate-account', { activation_token: linkToken(mail) });
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    const avatar = activated.body.user.avatar as { public_id: string; url: string };
    expect(avatar.public_id).toMatch(LOCAL_PUBLIC_ID);
    expect((await fetchBytes(app, avatar.url)).bytes.equals(bytes)).toBe(true);
  });

  it('registration with a file that is not an image is refused with 415 before any account or email exists', async () => {
    const email = uniqueEmail('pdf');
    const res = await app.client().post('/user/register', { name: 'Pat', email, password: PASSWORD, avatar: dataUrl(pdf()) });
    expect(res.status).toBe(415);
    const login = await app.client().post('/user/login', { email, password: PASSWORD });
    expect(login.status).toBe(401);
  });
});

describe('avatar uploads with Cloudinary configured', () => {
  let app: TestApp;
  let cloud: FakeCloudinary;
  beforeAll(async () => {
    cloud = await startFakeCloudinary();
    app = await startTestApp({ env: { ...cloud.env, MAX_UPLOAD_MB: '1' } });
  });
  afterAll(async () => {
    await app?.close();
    await cloud?.close();
  });

  it('a multipart avatar reaches Cloudinary through the SDK, signed, with the same bytes, and the profile keeps its secure_url', async () => {
    const { client } = await signUpUser(app);
    const bytes = png();
    const res = await putForm(client, '/user/update-avatar', avatarForm(bytes, { filename: `${HOSTILE_NAME}.png` }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const avatar = res.body.user.avatar as { public_id: string; url: string };
    const asset = cloud.assets.get(avatar.public_id);
    expect(asset?.bytes.equals(bytes)).toBe(true);
    expect(avatar.url).toBe(asset?.secure_url);
    expect(avatar.public_id).toMatch(/^avatars\/[0-9a-f]{20}$/);
    expect(cloud.refused).toEqual([]);
    expect(JSON.stringify(res.body)).not.toContain(HOSTILE_NAME);
  });

  it('replacing an avatar destroys the old asset at Cloudinary', async () => {
    const { client } = await signUpUser(app);
    const one = await client.put('/user/update-avatar', { avatar: dataUrl(png()) });
    expect(one.status, JSON.stringify(one.body)).toBe(200);
    const old = one.body.user.avatar.public_id as string;
    const second = jpeg();
    const two = await client.put('/user/update-avatar', { avatar: dataUrl(second) });
    expect(two.status, JSON.stringify(two.body)).toBe(200);
    expect(cloud.destroyed).toContain(old);
    expect(cloud.assets.has(old)).toBe(false);
    expect(cloud.assets.get(two.body.user.avatar.public_id)?.bytes.equals(second)).toBe(true);
  });

  it('the upload parameters never carry a public_id or file name taken from the client', async () => {
    const { client } = await signUpUser(app);
    const form = avatarForm(png(), { filename: `${HOSTILE_NAME}.png`, fields: { public_id: HOSTILE_NAME, folder: HOSTILE_NAME } });
    const res = await putForm(client, '/user/update-avatar', form);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const call = cloud.uploads.find((u) => u.public_id === res.body.user.avatar.public_id);
    expect(call).toBeDefined();
    expect(Object.keys(call!.params).sort()).toEqual(['api_key', 'folder', 'signature', 'timestamp']);
    expect(call!.params.folder).toBe('avatars');
    expect(JSON.stringify(cloud.uploads)).not.toContain(HOSTILE_NAME);
  });

  it('hostile files never reach Cloudinary: a disguised PDF is 415, an oversized file 413', async () => {
    const { client } = await signUpUser(app);
    const uploads = cloud.uploads.length;
    expect((await putForm(client, '/user/update-avatar', avatarForm(pdf(), { filename: 'a.png' }))).status).toBe(415);
    expect((await putForm(client, '/user/update-avatar', avatarForm(oversized()))).status).toBe(413);
    expect((await client.put('/user/update-avatar', { avatar: dataUrl(oversized()) })).status).toBe(413);
    expect(cloud.uploads.length).toBe(uploads);
  });

  it('when Cloudinary is down the upload is a 502 that names no provider detail, and the old avatar stays', async () => {
    const { client } = await signUpUser(app);
    const one = await client.put('/user/update-avatar', { avatar: dataUrl(png()) });
    const before = one.body.user.avatar;
    cloud.setFailing(true);
    try {
      const res = await client.put('/user/update-avatar', { avatar: dataUrl(png()) });
      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ success: false, code: 'EXTERNAL_SERVICE' });
      expect(res.body.message).not.toMatch(/cloudinary|signature|api_key/i);
    } finally {
      cloud.setFailing(false);
    }
    expect((await client.get('/user/me')).body.user.avatar).toEqual(before);
    expect(cloud.assets.has(before.public_id)).toBe(true);
  });

  it('an upload signed with the wrong secret is refused by the signature check and fails as EXTERNAL_SERVICE', async () => {
    const store = createCloudinaryMediaStore({ ...app.config.media.cloudinary!, apiSecret: 'not-the-secret' });
    const uploads = cloud.uploads.length;
    await expect(store.put({ bytes: png(), type: 'png' }, 'avatars')).rejects.toMatchObject({ code: 'EXTERNAL_SERVICE' });
    expect(cloud.refused.at(-1)?.message).toMatch(/Invalid Signature/);
    expect(cloud.uploads.length).toBe(uploads);
    cloud.refused.length = 0;
  });

  it('a shop avatar goes to the shop-avatars folder at Cloudinary', async () => {
    const { client } = await signUpShop(app);
    const bytes = png();
    const res = await putForm(client, '/shop/update-avatar', avatarForm(bytes));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.seller.avatar.public_id).toMatch(/^shop-avatars\//);
    expect(cloud.assets.get(res.body.seller.avatar.public_id)?.bytes.equals(bytes)).toBe(true);
  });

  it('registration with an avatar uploads it once and the activated account points at it', async () => {
    const client = app.client();
    const email = uniqueEmail('cloud');
    const bytes = png();
    const res = await client.post('/user/register', { name: 'Cloud Ann', email, password: PASSWORD, avatar: dataUrl(bytes) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const mail = await app.mail.waitFor(email, (m) => /activate/i.test(m.subject));
    const activated = await client.post('/user/activate-account', { activation_token: linkToken(mail) });
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    expect(cloud.assets.get(activated.body.user.avatar.public_id)?.bytes.equals(bytes)).toBe(true);
  });
});

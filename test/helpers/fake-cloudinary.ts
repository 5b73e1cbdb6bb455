import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One image the fake holds, as Cloudinary would after a successful upload. */
export interface FakeAsset {
  public_id: string;
  bytes: Buffer;
  format: string;
  secure_url: string;
}

/** An upload request the fake accepted: every signed parameter the SDK sent (the file excluded). */
export interface FakeUploadCall {
  params: Record<string, string>;
  public_id: string;
}

export interface FakeCloudinary {
  /** The `CLOUDINARY_UPLOAD_PREFIX` to configure. */
  url: string;
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  /** The env that points the app at this fake. */
  env: Record<string, string>;
  assets: Map<string, FakeAsset>;
  uploads: FakeUploadCall[];
  destroyed: string[];
  /** Requests refused (bad signature, unknown cloud, …), with Cloudinary's error message. */
  refused: { path: string; message: string }[];
  /** Makes every call answer 500 until switched back: "Cloudinary is down". */
  setFailing(failing: boolean): void;
  close(): Promise<void>;
}

const DATA_URI = /^data:(image\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]+)$/;
// Cloudinary's server leaves these out of the string it signs.
const UNSIGNED = new Set(['file', 'api_key', 'signature', 'resource_type', 'cloud_name']);

/** Cloudinary's API signature (v2): sorted `k=v` pairs joined by `&` (a `&` inside a value escaped), then the secret, SHA-1. */
export function cloudinarySignature(params: Record<string, string>, secret: string): string {
  const toSign = Object.entries(params)
    .filter(([k, v]) => !UNSIGNED.has(k) && v !== '')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`.replace(/&/g, '%26'))
    .join('&');
  return createHash('sha1').update(toSign + secret).digest('hex');
}

/**
 * A local server shaped like Cloudinary's upload API (`POST /v1_1/{cloud}/image/upload` and
 * `/image/destroy`). The real `cloudinary` SDK talks to it when `CLOUDINARY_UPLOAD_PREFIX` points here;
 * it checks the signature the SDK computes with the API secret and keeps uploads in memory.
 */
export async function startFakeCloudinary(): Promise<FakeCloudinary> {
  const cloudName = `test-cloud-${randomBytes(3).toString('hex')}`;
  const apiKey = String(100_000_000_000 + Math.floor(Math.random() * 1e9));
  const apiSecret = randomBytes(18).toString('base64url');
  const assets = new Map<string, FakeAsset>();
  const uploads: FakeUploadCall[] = [];
  const destroyed: string[] = [];
  const refused: { path: string; message: string }[] = [];
  let failing = false;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, path: string, status: number, message: string) => {
    refused.push({ path, message });
    send(res, status, { error: { message } });
  };

  async function readParams(req: IncomingMessage): Promise<Record<string, string>> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const form = await new Request('http://fake.local/', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
      body: Buffer.concat(chunks),
    }).formData();
    const params: Record<string, string> = {};
    for (const [k, v] of form) params[k] = typeof v === 'string' ? v : '';
    return params;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = new URL(req.url ?? '/', 'http://fake.local').pathname;
    const match = /^\/v1_1\/([^/]+)\/image\/(upload|destroy)$/.exec(path);
    if (req.method !== 'POST' || !match) return refuse(res, path, 404, `No route ${req.method} ${path}`);
    if (failing) return refuse(res, path, 500, 'General Error');
    if (match[1] !== cloudName) return refuse(res, path, 401, `Invalid cloud_name ${match[1]}`);

    const params = await readParams(req);
    if (params.api_key !== apiKey) return refuse(res, path, 401, `Unknown API key ${params.api_key ?? ''}`);
    const expected = cloudinarySignature(params, apiSecret);
    if (params.signature !== expected) return refuse(res, path, 401, `Invalid Signature ${params.signature ?? ''}`);
    const age = Date.now() / 1000 - Number(params.timestamp);
    if (!Number.isFinite(age) || Math.abs(age) > 3600) return refuse(res, path, 400, 'Stale request');

    if (match[2] === 'destroy') {
      const id = params.public_id ?? '';
      const existed = assets.delete(id);
      destroyed.push(id);
      return send(res, 200, { result: existed ? 'ok' : 'not found' });
    }

    const data = DATA_URI.exec(params.file ?? '');
    // The app only ever sends bytes it checked; a remote URL or anything else is refused here.
    if (!data) return refuse(res, path, 400, 'Invalid image file');
    const bytes = Buffer.from(data[2]!, 'base64');
    const format = data[1]!.slice('image/'.length).replace('jpeg', 'jpg');
    const name = params.public_id ?? randomBytes(10).toString('hex');
    const publicId = params.folder ? `${params.folder}/${name}` : name;
    const version = Math.floor(Date.now() / 1000);
    const secureUrl = `https://res.cloudinary.test/${cloudName}/image/upload/v${version}/${publicId}.${format}`;
    assets.set(publicId, { public_id: publicId, bytes, format, secure_url: secureUrl });
    const { file: _file, ...signed } = params;
    uploads.push({ params: signed, public_id: publicId });
    return send(res, 200, {
      asset_id: randomBytes(16).toString('hex'),
      public_id: publicId,
      version,
      signature: createHash('sha1').update(publicId + version + apiSecret).digest('hex'),
      width: 1,
      height: 1,
      format,
      resource_type: 'image',
      created_at: new Date().toISOString(),
      tags: [],
      bytes: bytes.length,
      type: 'upload',
      placeholder: false,
      url: secureUrl.replace('https:', 'http:'),
      secure_url: secureUrl,
      folder: params.folder ?? '',
      api_key: apiKey,
    });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) send(res, 500, { error: { message: `fake cloudinary: ${err.message}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    cloudName,
    apiKey,
    apiSecret,
    env: {
      CLOUDINARY_NAME: cloudName,
      CLOUDINARY_API_KEY: apiKey,
      CLOUDINARY_API_SECRET: apiSecret,
      CLOUDINARY_UPLOAD_PREFIX: url,
    },
    assets,
    uploads,
    destroyed,
    refused,
    setFailing: (f) => {
      failing = f;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

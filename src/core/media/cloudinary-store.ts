import http from 'node:http';
import https from 'node:https';
import { v2 as cloudinary } from 'cloudinary';
import type { Config } from '../config.ts';
import { AppError } from '../shared/errors.ts';
import type { MediaStore } from './media-store.ts';

type CloudinaryConfig = NonNullable<Config['media']['cloudinary']>;

const DEFAULT_UPLOAD_PREFIX = 'https://api.cloudinary.com';

/** Cloudinary uploads of verified bytes (a data URI we build, never a client URL or name). */
export function createCloudinaryMediaStore(cfg: CloudinaryConfig): MediaStore {
  const prefix = cfg.uploadPrefix ?? DEFAULT_UPLOAD_PREFIX;
  const options = {
    cloud_name: cfg.cloudName,
    api_key: cfg.apiKey,
    api_secret: cfg.apiSecret,
    secure: true,
    upload_prefix: prefix,
    // The SDK picks `http` or `https` once, at import, from CLOUDINARY_URL; an agent of the prefix's
    // own protocol makes a configured prefix work whatever that global said.
    agent: prefix.startsWith('http:') ? new http.Agent() : new https.Agent(),
    timeout: 30_000,
  };
  return {
    kind: 'cloudinary',
    async put(image, folder) {
      const dataUri = `data:image/${image.type};base64,${image.bytes.toString('base64')}`;
      let res: { public_id?: unknown; secure_url?: unknown };
      try {
        // No public_id, filename or use_filename: Cloudinary names the asset, never the client.
        res = await cloudinary.uploader.upload(dataUri, { ...options, folder, resource_type: 'image' });
      } catch (err) {
        throw new AppError('EXTERNAL_SERVICE', 'Image upload failed: the image service did not accept the file, please retry', {
          cause: describe(err),
        });
      }
      if (typeof res.public_id !== 'string' || typeof res.secure_url !== 'string')
        throw new AppError('EXTERNAL_SERVICE', 'Image upload failed: the image service gave an unexpected answer');
      return { public_id: res.public_id, url: res.secure_url };
    },
    async remove(publicId) {
      await cloudinary.uploader.destroy(publicId, { ...options, resource_type: 'image', invalidate: true });
    },
  };
}

/** The SDK rejects with plain `{ message, http_code }` objects as well as Errors. */
function describe(err: unknown): string {
  const e = err as { message?: unknown; http_code?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return typeof e?.http_code === 'number' ? `${e.http_code}: ${message}` : message;
}

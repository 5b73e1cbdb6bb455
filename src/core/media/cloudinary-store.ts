import { v2 as cloudinary } from 'cloudinary';
import type { Config } from '../config.ts';
import { AppError } from '../shared/errors.ts';
import type { MediaStore } from './media-store.ts';

type CloudinaryConfig = NonNullable<Config['media']['cloudinary']>;

/** Cloudinary uploads of verified bytes (a data URI we build, never a client URL). */
export function createCloudinaryMediaStore(cfg: CloudinaryConfig): MediaStore {
  const options = {
    cloud_name: cfg.cloudName,
    api_key: cfg.apiKey,
    api_secret: cfg.apiSecret,
    secure: true,
    ...(cfg.uploadPrefix ? { upload_prefix: cfg.uploadPrefix } : {}),
  };
  return {
    kind: 'cloudinary',
    async put(image, folder) {
      const dataUri = `data:image/${image.type};base64,${image.bytes.toString('base64')}`;
      try {
        const res = await cloudinary.uploader.upload(dataUri, { ...options, folder, resource_type: 'image' });
        return { public_id: res.public_id, url: res.secure_url };
      } catch (err) {
        const message = (err as { message?: string }).message ?? String(err);
        throw new AppError('EXTERNAL_SERVICE', `Image upload failed: ${message}`);
      }
    },
    async remove(publicId) {
      await cloudinary.uploader.destroy(publicId, { ...options, resource_type: 'image', invalidate: true });
    },
  };
}

import type { Config } from '../config.ts';
import { createCloudinaryMediaStore } from './cloudinary-store.ts';
import { createLocalMediaStore } from './local-store.ts';
import type { MediaStore } from './media-store.ts';

export type { MediaStore, ImageUpload, ImageType } from './media-store.ts';
export { sniffImage, imageFromDataUrl } from './sniff-image.ts';

/** Cloudinary when configured, local disk otherwise. */
export function createMediaStore(config: Config): MediaStore {
  return config.media.cloudinary
    ? createCloudinaryMediaStore(config.media.cloudinary)
    : createLocalMediaStore(config.media.dir, config.http.publicUrl);
}
export { removeImageQuietly } from './remove-quietly.ts';
export { withStoredImages } from './stored-images.ts';

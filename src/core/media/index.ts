import type { Config } from '../config.ts';
import { createLocalMediaStore } from './local-store.ts';
import type { MediaStore } from './media-store.ts';

export type { MediaStore, ImageUpload, ImageType } from './media-store.ts';
export { sniffImage, imageFromDataUrl } from './sniff-image.ts';

/** Cloudinary when configured (its SDK loaded on the first upload or removal), local disk otherwise. */
export function createMediaStore(config: Config): MediaStore {
  const cfg = config.media.cloudinary;
  if (!cfg) return createLocalMediaStore(config.media.dir, config.http.publicUrl);
  let loaded: Promise<MediaStore> | undefined;
  const store = () => (loaded ??= import('./cloudinary-store.ts').then((m) => m.createCloudinaryMediaStore(cfg)));
  return {
    kind: 'cloudinary',
    put: async (image, folder) => (await store()).put(image, folder),
    remove: async (publicId) => (await store()).remove(publicId),
  };
}
export { removeImageQuietly } from './remove-quietly.ts';
export { withStoredImages } from './stored-images.ts';

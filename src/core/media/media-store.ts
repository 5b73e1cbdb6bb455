import type { Image } from '../db/schema/index.ts';

export type ImageType = 'jpeg' | 'png' | 'webp' | 'gif';

/** Checked image bytes: the type was sniffed from the bytes, never taken from a name or a header. */
export interface ImageUpload {
  bytes: Buffer;
  type: ImageType;
}

/** Where images live. Only verified bytes go in; callers never hand it a path, a URL or a name. */
export interface MediaStore {
  readonly kind: 'local' | 'cloudinary';
  put(image: ImageUpload, folder: string): Promise<Image>;
  /** Removes a stored image; unknown ids are ignored so clean-up can be retried. */
  remove(publicId: string): Promise<void>;
}

import { AppError } from '../shared/errors.ts';
import type { ImageType, ImageUpload } from './media-store.ts';

const allowed: Record<string, ImageType> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
};

/**
 * Accepts bytes only if they are a jpeg, png, webp or gif by their own signature and fit the size
 * limit. The client's file name and declared type are never consulted.
 */
export async function sniffImage(bytes: Buffer, maxBytes: number, field: string): Promise<ImageUpload> {
  if (bytes.length === 0) throw new AppError('VALIDATION_FAILED', `${field} is empty`, { fields: { [field]: 'empty file' } });
  if (bytes.length > maxBytes)
    throw new AppError('PAYLOAD_TOO_LARGE', `${field} is larger than ${Math.floor(maxBytes / 1024 / 1024)} MB`);
  // Loaded with the first upload: processes that never take one (the CLI) skip its start-up cost.
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = await fileTypeFromBuffer(bytes);
  const type = detected ? allowed[detected.mime] : undefined;
  if (!type)
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${field} must be a jpeg, png, webp or gif image${detected ? ` (got ${detected.mime})` : ''}`,
    );
  return { bytes, type };
}

const DATA_URL = /^data:([a-z0-9.+/-]*)(;[a-z0-9=-]+)*;base64,(.*)$/is;

/** Decodes a base64 data URL (the JSON clients' way of uploading), then sniffs it like any upload. */
export async function imageFromDataUrl(value: string, maxBytes: number, field: string): Promise<ImageUpload> {
  const match = DATA_URL.exec(value);
  const payload = match?.[3];
  if (payload === undefined || !/^[A-Za-z0-9+/=\s]*$/.test(payload))
    throw new AppError('VALIDATION_FAILED', `${field} must be an image file or a base64 data URL`, {
      fields: { [field]: 'not a base64 data URL' },
    });
  // Reject before decoding when the base64 alone already says the bytes are over the limit.
  if (Math.floor((payload.length * 3) / 4) > maxBytes + 3)
    throw new AppError('PAYLOAD_TOO_LARGE', `${field} is larger than ${Math.floor(maxBytes / 1024 / 1024)} MB`);
  return sniffImage(Buffer.from(payload, 'base64'), maxBytes, field);
}

import type { Request, RequestHandler } from 'express';
import multer from 'multer';
import { AppError, type Config } from '../core/index.ts';
import { imageFromDataUrl, sniffImage, type ImageUpload } from '../core/media/index.ts';

export const MAX_IMAGES = 5;

/** Multipart parsing into memory with the size limit enforced while streaming (413 beyond it). */
export function multipart(config: Config, fields: { name: string; maxCount: number }[]): RequestHandler {
  return multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: config.media.maxUploadBytes, files: MAX_IMAGES, fields: 100, fieldSize: 64 * 1024 },
  }).fields(fields);
}

/**
 * The JSON body limit: room for `MAX_IMAGES` base64 images (4/3 larger than their bytes) plus fields.
 * A single image beyond MAX_UPLOAD_MB is still refused by its own check.
 */
export const jsonLimitBytes = (config: Config) => Math.ceil((config.media.maxUploadBytes * MAX_IMAGES * 4) / 3) + 256 * 1024;

/** One image from a multipart file or a base64 data URL in the JSON body; checked by its bytes. */
export async function imageFromRequest(req: Request, config: Config, field: string): Promise<ImageUpload | undefined> {
  const files = req.files as Record<string, Express.Multer.File[]> | undefined;
  const file = files?.[field]?.[0];
  if (file) return sniffImage(file.buffer, config.media.maxUploadBytes, field);
  const value: unknown = (req.body as Record<string, unknown> | undefined)?.[field];
  if (typeof value === 'string' && value.length > 0) return imageFromDataUrl(value, config.media.maxUploadBytes, field);
  if (value !== undefined && value !== null && value !== '' && typeof value !== 'string') {
    throw new AppError('VALIDATION_FAILED', `${field} must be an image file or a base64 data URL`, {
      fields: { [field]: 'not an image' },
    });
  }
  return undefined;
}

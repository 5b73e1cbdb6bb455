import type { Request } from 'express';
import { AppError, type Config } from '../core/index.ts';
import { imageFromDataUrl, sniffImage, type ImageUpload } from '../core/media/index.ts';

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

/**
 * Several images: multipart parts named `field`, or for JSON clients an array of base64 data URLs (or a
 * single one) under the same name. Each is checked by its bytes. Nothing sent gives `undefined` when
 * `min` is 0 (an update that keeps its images) and a 400 otherwise; a count outside min–max, a value
 * that is not a data URL, or bytes that are not an image are a 400 naming the field.
 */
export async function imagesFromRequest(
  req: Request,
  config: Config,
  field: string,
  opts: { min: number; max: number },
): Promise<ImageUpload[] | undefined> {
  const files = (req.files as Record<string, Express.Multer.File[]> | undefined)?.[field] ?? [];
  const raw: unknown = (req.body as Record<string, unknown> | undefined)?.[field];
  const values: unknown[] = raw === undefined || raw === null || raw === '' ? [] : Array.isArray(raw) ? raw : [raw];
  const count = files.length + values.length;
  if (count === 0 && opts.min === 0) return undefined;
  const countProblem =
    count < opts.min ? (count === 0 ? 'is required' : `must have at least ${opts.min} images`) : count > opts.max ? `must have at most ${opts.max} images` : undefined;
  if (countProblem) throw new AppError('VALIDATION_FAILED', `${field} ${countProblem}`, { fields: { [field]: countProblem } });

  const checked: ImageUpload[] = [];
  try {
    for (const file of files) checked.push(await sniffImage(file.buffer, config.media.maxUploadBytes, field));
    for (const value of values) {
      if (typeof value !== 'string')
        throw new AppError('VALIDATION_FAILED', `${field} must be image files or base64 data URLs`, { fields: { [field]: 'not an image' } });
      checked.push(await imageFromDataUrl(value, config.media.maxUploadBytes, field));
    }
  } catch (err) {
    // A listing's images are form fields like the others: a file that is not an image is a 400 naming the field.
    if (err instanceof AppError && err.code === 'UNSUPPORTED_MEDIA_TYPE')
      throw new AppError('VALIDATION_FAILED', err.message, { fields: { [field]: 'must be a jpeg, png, webp or gif image' } });
    throw err;
  }
  return checked;
}

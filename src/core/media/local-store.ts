import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { newId } from '../shared/ids.ts';
import type { MediaStore } from './media-store.ts';

const SAFE_PUBLIC_ID = /^[a-z0-9_-]+\/med_[0-9a-z]{26}\.(jpeg|png|webp|gif)$/;

/** Files on local disk, served by the API under `/media`. Names are generated, never taken from input. */
export function createLocalMediaStore(dir: string, publicBaseUrl: string): MediaStore {
  const root = path.resolve(dir);
  return {
    kind: 'local',
    async put(image, folder) {
      const publicId = `${folder}/${newId('media')}.${image.type}`;
      const file = path.join(root, publicId);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, image.bytes, { flag: 'wx' });
      return { public_id: publicId, url: `${publicBaseUrl}/media/${publicId}` };
    },
    async remove(publicId) {
      if (!SAFE_PUBLIC_ID.test(publicId)) return;
      await rm(path.join(root, publicId), { force: true });
    },
  };
}

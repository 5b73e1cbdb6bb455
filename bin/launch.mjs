#!/usr/bin/env node
// Starts an mvshop program (`api/main`, `worker/main`, `cli/main`): the compiled JavaScript in dist/
// when it was built after the last change to src/ (`npm run build`, which `npm install` runs), the
// TypeScript sources through tsx otherwise, so an edited checkout never runs stale code.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = fileURLToPath(new URL('../', import.meta.url));

function newestChange(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Whether dist/ was built after the last change to src/. */
export function buildIsCurrent() {
  const built = statSync(path.join(root, 'dist', '.built'), { throwIfNoEntry: false });
  return Boolean(built && built.mtimeMs >= newestChange(path.join(root, 'src')));
}

export async function launch(entry) {
  if (buildIsCurrent())
    return import(pathToFileURL(path.join(root, 'dist', `${entry}.js`)).href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(pathToFileURL(path.join(root, 'src', `${entry}.ts`)).href);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await launch(process.argv[2]);

#!/usr/bin/env node
// Keeps src/core free of transports: no Express, BullMQ or terminal libraries, and no imports
// reaching out of core into the api, worker or cli layers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const forbidden = /from\s+['"](express|bullmq|commander|@inquirer\/[^'"]*|@bull-board\/[^'"]*|cli-table3|multer|pino-http|helmet|cors|cookie-parser)['"]|from\s+['"](\.\.\/)+(api|worker|cli)\//;
const root = path.resolve('src/core');
const offenders = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (statSync(file).isDirectory()) walk(file);
    else if (file.endsWith('.ts'))
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => forbidden.test(line) && offenders.push(`${path.relative('.', file)}:${i + 1}: ${line.trim()}`));
  }
};
walk(root);
if (offenders.length) {
  console.error(`src/core must not import transports:\n${offenders.join('\n')}`);
  process.exit(1);
}
console.log('src/core imports: ok');

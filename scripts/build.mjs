// `npm run build` (also run by `npm install`): compiles src/ to dist/ and stamps the build, which
// bin/launch.mjs compares with the sources. An install without dev dependencies has no compiler:
// it says so and the programs run from the sources through tsx.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  console.warn('mvshop build skipped: TypeScript is not installed (dev dependencies omitted); programs will run from src/ through tsx');
  process.exit(0);
}
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(new URL('../dist/.built', import.meta.url), '');

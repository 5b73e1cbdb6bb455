import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseEnv, mvshop } from './run-cli.ts';

// Its own file so it runs beside the PostgreSQL cases: a fresh PGlite data directory takes a while to create.
describe('embedded default (no DATABASE_URL)', () => {
  it('db status opens PGlite in PGLITE_DIR and reports its migrations as pending (db commands never migrate implicitly)', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mvshop-pglite-'));
    try {
      const res = await mvshop(['db', 'status', '--json'], {
        cwd: dir,
        env: { ...baseEnv(), DATA_DIR: dir, PGLITE_DIR: path.join(dir, 'pglite') },
        timeoutMs: 170_000,
      });
      expect(res.code, res.stderr).toBe(0);
      const body = res.json<{ database: string; migrations: { name: string; applied: boolean }[]; pending: number }>();
      expect(body.database).toBe('pglite');
      expect(body.migrations.map((m) => m.name)).toContain('0000_init');
      expect(body.migrations.every((m) => !m.applied)).toBe(true);
      expect(body.pending).toBe(body.migrations.length);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * `npm run bench:cli`: how long a whole `mvshop` process takes, and its peak memory, for `--help` and
 * for read commands on PostgreSQL; median of N runs of `bin/mvshop` as an operator's shell starts it
 * (compiled JavaScript when built, see bin/launch.mjs). Needs GNU time (`/usr/bin/time`) for peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { migrateDatabase, openDatabase } from '../src/core/db/index.ts';

const runs = Number(process.env.BENCH_CLI_RUNS ?? 5);
const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/';
const bin = fileURLToPath(new URL('../bin/mvshop', import.meta.url));
const name = `mvshop_bench_cli_${Date.now().toString(36)}`;

const admin = new pg.Client({ connectionString: `${base}postgres` });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = `${base}${name}`;
try {
  const database = await openDatabase({ url, pgliteDir: 'unused', poolSize: 1 });
  await migrateDatabase(database);
  await database.close();

  const cases: { label: string; args: string[]; goalS: number }[] = [
    { label: 'mvshop --help', args: ['--help'], goalS: 0.3 },
    { label: 'mvshop withdraw list', args: ['withdraw', 'list'], goalS: 0.8 },
    { label: 'mvshop user list', args: ['user', 'list'], goalS: 0.8 },
    { label: 'mvshop ledger verify', args: ['ledger', 'verify'], goalS: 0.8 },
  ];
  const env = { ...process.env, DATABASE_URL: url, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), ACTIVATION_SECRET: 'y'.repeat(40) };
  const rows = cases.map(({ label, args, goalS }) => {
    const samples: { s: number; mb: number }[] = [];
    for (let i = 0; i < runs; i++) {
      const out = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', bin, ...args], { env, encoding: 'utf8' });
      const m = /TIME ([\d.]+) (\d+)/.exec(out.stderr);
      if (out.status !== 0 || !m) throw new Error(`${label} failed (${out.status}): ${out.stderr}`);
      samples.push({ s: Number(m[1]), mb: Number(m[2]) / 1024 });
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return { label, wallS: median(samples.map((x) => x.s)), peakMb: Math.max(...samples.map((x) => x.mb)), goalS };
  });
  console.log(`\nCLI start-up, median of ${runs} whole processes (wall seconds), peak RSS of all runs`);
  console.log('| command | wall s | peak RSS MB | goal |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.label} | ${r.wallS.toFixed(2)} | ${r.peakMb.toFixed(0)} | ≤ ${r.goalS} s |`);
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}

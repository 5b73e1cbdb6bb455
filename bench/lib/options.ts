import { assertLoopback } from './loopback.ts';

/** Bench options: argv beats env beats defaults; `--quick` shortens rows for a fast check. */
export interface BenchOptions {
  /** Measured seconds per row. */
  duration: number;
  /** Seconds of discarded load before each measured row (JIT, pool and cache warm-up). */
  warmup: number;
  /** Concurrent connections, unless a scenario sets its own. */
  connections: number;
  /** Times the whole plan runs; the table shows medians, ratios are paired within a round. */
  rounds: number;
  quick: boolean;
  /** Write a V8 CPU profile of each server process to bench/results/cpu-prof/. */
  cpuProf: boolean;
  /** Run only scenarios whose name contains one of these (their references come along). */
  only: string[];
  /** Server URL of the PostgreSQL the bench creates its own throwaway database on. */
  databaseUrl: string;
  /** Where the JSON results go, relative to the project root. */
  outFile: string;
}

const USAGE = `usage: npm run bench -- [--quick] [--cpu-prof] [--duration S] [--warmup S] [--connections N] [--rounds N] [--only NAME[,NAME]] [--out FILE]
env: BENCH_DURATION (10), BENCH_WARMUP (2), BENCH_CONNECTIONS (50), BENCH_ROUNDS (1), BENCH_ONLY, BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/)`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function positive(name: string, raw: string, integer: boolean): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw new UsageError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"\n${USAGE}`);
  return n;
}

export function parseOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions {
  const flags = new Map<string, string>();
  let quick = false;
  let cpuProf = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--cpu-prof') cpuProf = true;
    else if (arg === '--help' || arg === '-h') throw new UsageError(USAGE);
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const key = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (!['duration', 'warmup', 'connections', 'rounds', 'only', 'out'].includes(key) || value === undefined)
        throw new UsageError(`unknown or incomplete option ${arg}\n${USAGE}`);
      flags.set(key, value);
    } else throw new UsageError(`unexpected argument ${arg}\n${USAGE}`);
  }
  const pick = (key: string, envName: string) => flags.get(key) ?? (env[envName] || undefined);

  const duration = pick('duration', 'BENCH_DURATION');
  const warmup = pick('warmup', 'BENCH_WARMUP');
  const connections = pick('connections', 'BENCH_CONNECTIONS');
  const rounds = pick('rounds', 'BENCH_ROUNDS');
  const only = pick('only', 'BENCH_ONLY');
  const databaseUrl = env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/';
  try {
    assertLoopback('BENCH_DATABASE_URL', databaseUrl);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return {
    quick,
    cpuProf,
    duration: duration ? positive('duration', duration, false) : quick ? 2 : 10,
    warmup: warmup !== undefined ? (warmup === '0' ? 0 : positive('warmup', warmup, false)) : quick ? 1 : 2,
    connections: connections ? positive('connections', connections, true) : 50,
    rounds: rounds ? positive('rounds', rounds, true) : 1,
    only: only ? only.split(',').map((s) => s.trim()).filter(Boolean) : [],
    databaseUrl,
    outFile: flags.get('out') ?? 'bench/results/latest.json',
  };
}

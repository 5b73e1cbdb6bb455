import type { CheckResult } from './checkout-checks.ts';
import type { Row } from './report.ts';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const medianOf = (xs: (number | undefined)[]) => {
  const defined = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return defined.length ? median(defined) : undefined;
};

/** Every round's database checks as one: counts summed, ok only when every round was. */
function combineChecks(checks: (CheckResult | undefined)[]): CheckResult | undefined {
  const all = checks.filter((c): c is CheckResult => c !== undefined);
  if (all.length === 0) return undefined;
  const sum = (f: (c: CheckResult) => number) => all.reduce((n, c) => n + f(c), 0);
  return {
    ok: all.every((c) => c.ok),
    oversold: sum((c) => c.oversold),
    negativeStock: Math.max(...all.map((c) => c.negativeStock)),
    mismatched: sum((c) => c.mismatched),
    unitsInLines: sum((c) => c.unitsInLines),
    unitsSold: sum((c) => c.unitsSold),
    stockTaken: sum((c) => c.stockTaken),
    orders: { found: sum((c) => c.orders.found), expected: sum((c) => c.orders.expected) },
    checkouts: { found: sum((c) => c.checkouts.found), expected: sum((c) => c.checkouts.expected) },
    problems: all.flatMap((c) => c.problems),
  };
}

/**
 * One row from the same scenario measured in several rounds: medians of throughput, latency and
 * CPU, the largest memory, summed counts, and the median of each round's own ratio (a ratio is only
 * ever taken between a row and the reference measured just before it, in the same round).
 */
export function combineRounds(rounds: Row[]): Row {
  if (rounds.length === 1) return rounds[0]!;
  const failed = rounds.find((r) => !r.ok);
  const first = rounds[0]!;
  const statusCodes: Record<string, number> = {};
  for (const r of rounds) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  const sum = (f: (r: Row) => number) => rounds.reduce((n, r) => n + f(r), 0);
  const maxOf = (xs: (number | undefined)[]) => {
    const defined = xs.filter((x): x is number => x !== undefined);
    return defined.length ? Math.max(...defined) : undefined;
  };
  return {
    ...first,
    seconds: sum((r) => r.seconds),
    requests: sum((r) => r.requests),
    reqPerSec: medianOf(rounds.map((r) => r.reqPerSec)) ?? 0,
    latencyMs: {
      avg: medianOf(rounds.map((r) => r.latencyMs.avg)) ?? NaN,
      p50: medianOf(rounds.map((r) => r.latencyMs.p50)) ?? NaN,
      p90: medianOf(rounds.map((r) => r.latencyMs.p90)) ?? NaN,
      p99: medianOf(rounds.map((r) => r.latencyMs.p99)) ?? NaN,
      max: maxOf(rounds.map((r) => r.latencyMs.max)) ?? NaN,
    },
    rssMb: maxOf(rounds.map((r) => r.rssMb)),
    peakRssMb: maxOf(rounds.map((r) => r.peakRssMb)),
    serverCpuPct: medianOf(rounds.map((r) => r.serverCpuPct)),
    clientCpuPct: medianOf(rounds.map((r) => r.clientCpuPct)),
    dbCpuPct: medianOf(rounds.map((r) => r.dbCpuPct)),
    statusCodes,
    unexpected: sum((r) => r.unexpected),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    refReqPerSec: failed ? undefined : medianOf(rounds.map((r) => r.refReqPerSec)),
    ratio: failed ? undefined : medianOf(rounds.map((r) => r.ratio)),
    flow: first.flow && {
      flows: sum((r) => r.flow?.flows ?? 0),
      keyStep: first.flow.keyStep,
      keyStepMs: {
        p50: medianOf(rounds.map((r) => r.flow?.keyStepMs.p50)) ?? NaN,
        p99: medianOf(rounds.map((r) => r.flow?.keyStepMs.p99)) ?? NaN,
      },
      check: combineChecks(rounds.map((r) => r.flow?.check)),
    },
    ok: !failed,
    problem: failed?.problem,
    rounds: rounds.map((r) => ({ reqPerSec: r.reqPerSec, p50: r.latencyMs.p50, p99: r.latencyMs.p99, ratio: r.ratio, ok: r.ok })),
  };
}

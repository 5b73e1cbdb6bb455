import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One measured scenario: what the table prints and the JSON keeps. */
export interface Row {
  scenario: string;
  server: string;
  method: string;
  path: string;
  connections: number;
  /** Measured seconds (warm-up excluded). */
  seconds: number;
  requests: number;
  reqPerSec: number;
  latencyMs: { avg: number; p50: number; p90: number; p99: number; max: number };
  /** Server process RSS at the end of the load, and its peak (VmHWM), in MiB. */
  rssMb?: number;
  peakRssMb?: number;
  /** Share of one core used during the measured load, by the server and by the load generator. */
  serverCpuPct?: number;
  clientCpuPct?: number;
  statusCodes: Record<string, number>;
  /** Responses whose status was not the expected one, and connection errors / timeouts. */
  unexpected: number;
  errors: number;
  timeouts: number;
  reference?: string;
  refReqPerSec?: number;
  /** reqPerSec ÷ refReqPerSec. */
  ratio?: number;
  ok: boolean;
  problem?: string;
  /** Each round's own numbers, when the run had more than one (the row above holds their medians). */
  rounds?: { reqPerSec: number; p50: number; p99: number; ratio?: number; ok: boolean }[];
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  options: { duration: number; warmup: number; connections: number; rounds: number; quick: boolean; only: string[] };
  machine: { node: string; platform: string; cpus: number; cpuModel: string; memoryMb: number };
  /** 1-minute load average when the run started and ended: how busy the machine was besides the bench. */
  loadAverage: { start: number; end: number };
  database: string;
  rows: Row[];
}

const fixed = (n: number | undefined, digits: number) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

/** Plain aligned text (no colour, no box drawing), so it pastes into an issue or a report as is. */
export function formatTable(rows: Row[]): string {
  const head = ['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB', 'peak MB', 'CPU% srv/cli', 'bad', 'reference', 'ref req/s', 'ratio'];
  const body = rows.map((r) => [
    r.scenario,
    String(r.connections),
    r.ok ? thousands(r.reqPerSec) : 'FAILED',
    fixed(r.latencyMs.p50, 0),
    fixed(r.latencyMs.p99, 0),
    fixed(r.rssMb, 0),
    fixed(r.peakRssMb, 0),
    `${fixed(r.serverCpuPct, 0)}/${fixed(r.clientCpuPct, 0)}`,
    String(r.unexpected + r.errors),
    r.reference ?? '-',
    r.refReqPerSec === undefined ? '-' : thousands(r.refReqPerSec),
    r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
  ]);
  const numeric = new Set([1, 2, 3, 4, 5, 6, 7, 8, 10, 11]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
  for (const r of rows.filter((r) => r.problem)) out.push(`! ${r.scenario}: ${r.problem}`);
  return out.join('\n');
}

export function writeReport(file: string, report: Report): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

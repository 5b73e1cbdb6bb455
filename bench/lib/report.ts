import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CheckResult } from './checkout-checks.ts';

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
  /** The same for the PostgreSQL processes serving the bench database (undefined when /proc does not show them). */
  dbCpuPct?: number;
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
  /**
   * Rows loaded as flows (lib/flow-load.ts): `reqPerSec` is then completed flows per second (orders/s
   * for checkout), `latencyMs` is per whole flow, `requests` counts HTTP requests.
   */
  flow?: {
    flows: number;
    /** The step reported on its own (`create-order`) and its latency. */
    keyStep: string;
    keyStepMs: { p50: number; p99: number };
    /** Database bookkeeping around the row (stock, sold counts, order lines, orders). */
    check?: CheckResult;
  };
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
  /** How each data set was seeded and what the rows matched, as printed below the table. */
  notes: string[];
  rows: Row[];
}

const fixed = (n: number | undefined, digits: number) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits));
const thousands = (n: number) => Math.round(n).toLocaleString('en-US');

function align(head: string[], body: string[][], text: Set<number>): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (text.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)];
}

/**
 * Plain aligned text (no colour, no box drawing), so it pastes into an issue or a report as is.
 * Request rows first; flow rows (checkout) follow in a table of their own, in orders/s.
 */
export function formatTable(rows: Row[]): string {
  const requestRows = rows.filter((r) => !r.flow);
  const flowRows = rows.filter((r) => r.flow);
  const out: string[] = [];
  if (requestRows.length) out.push(...formatRequestRows(requestRows));
  if (flowRows.length) {
    if (out.length) out.push('');
    out.push(...formatFlowRows(flowRows));
  }
  for (const r of rows.filter((r) => r.problem)) out.push(`! ${r.scenario}: ${r.problem}`);
  return out.join('\n');
}

function formatRequestRows(rows: Row[]): string[] {
  const head = ['scenario', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB', 'peak MB', 'CPU% srv/db/cli', 'bad', 'reference', 'ref req/s', 'ratio'];
  const body = rows.map((r) => [
    r.scenario,
    String(r.connections),
    r.ok ? thousands(r.reqPerSec) : 'FAILED',
    fixed(r.latencyMs.p50, 0),
    fixed(r.latencyMs.p99, 0),
    fixed(r.rssMb, 0),
    fixed(r.peakRssMb, 0),
    `${fixed(r.serverCpuPct, 0)}/${fixed(r.dbCpuPct, 0)}/${fixed(r.clientCpuPct, 0)}`,
    String(r.unexpected + r.errors),
    r.reference ?? '-',
    r.refReqPerSec === undefined ? '-' : thousands(r.refReqPerSec),
    r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
  ]);
  return align(head, body, new Set([0, 9]));
}

/** orders/s = flows ending in their expected status per second; `db orders` = orders written / expected from those flows. */
function formatFlowRows(rows: Row[]): string[] {
  const head = [
    'scenario', 'buyers', 'orders/s', 'p50 ms', 'p99 ms', 'step p99', 'RSS MB', 'peak MB', 'CPU% srv/db/cli', 'bad',
    'oversold', 'db orders', 'reference', 'ref orders/s', 'ratio',
  ];
  const body = rows.map((r) => {
    const check = r.flow?.check;
    return [
      r.scenario,
      String(r.connections),
      r.ok ? fixed(r.reqPerSec, 1) : 'FAILED',
      fixed(r.latencyMs.p50, 0),
      fixed(r.latencyMs.p99, 0),
      r.flow ? `${r.flow.keyStep} ${fixed(r.flow.keyStepMs.p99, 0)}` : '-',
      fixed(r.rssMb, 0),
      fixed(r.peakRssMb, 0),
      `${fixed(r.serverCpuPct, 0)}/${fixed(r.dbCpuPct, 0)}/${fixed(r.clientCpuPct, 0)}`,
      String(r.unexpected + r.errors),
      check ? String(check.oversold) : '-',
      check ? `${check.orders.found}/${check.orders.expected}${check.ok ? '' : ' !'}` : '-',
      r.reference ?? '-',
      r.refReqPerSec === undefined ? '-' : fixed(r.refReqPerSec, 1),
      r.ratio === undefined ? '-' : `${r.ratio.toFixed(2)}x`,
    ];
  });
  return align(head, body, new Set([0, 5, 12]));
}

export function writeReport(file: string, report: Report): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
}

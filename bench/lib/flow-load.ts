import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * A fixed number of virtual users, each replaying a short flow of dependent requests (add to cart,
 * add to cart, create order) over its own keep-alive connection for a fixed time. autocannon loads
 * one request shape per connection and stops mid-request at the deadline, which loses the count of
 * writes the server commits after it; this loop starts no flow after the deadline and waits for the
 * ones in flight, so every committed write is counted and the database can be checked against it.
 */

export interface FlowStep {
  /** Label for per-step latency (`create-order`). */
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  expectStatus: number;
}

/** What a scenario's flow factory returns for one row: where each virtual user goes next. */
export interface FlowPlan {
  /** The steps of virtual user `user`'s next flow (stateful: each call moves on to the next buyer or product). */
  next(user: number): FlowStep[];
  /** Best-effort requests that reset the user's state after a failed step (e.g. empty the cart). */
  recover?(user: number, failed: FlowStep[]): FlowStep[];
  /** The name of the step whose latency is reported on its own (the write the flow exists for). */
  keyStep: string;
  /** Checks the database before and after the row (lib/checkout-checks.ts). */
  check?: { productIds: string[]; ordersPerFlow: number; checkoutsPerFlow: number };
}

export interface FlowResult {
  /** Flows whose every step answered its expected status. */
  flows: number;
  failedFlows: number;
  requests: number;
  /** From the first request to the end of the last flow (flows in flight at the deadline finish). */
  seconds: number;
  /** Whole-flow latencies, ms. */
  latency: { avg: number; p50: number; p90: number; p99: number; max: number };
  keyStepLatency: { p50: number; p99: number };
  statusCodes: Record<string, number>;
  unexpected: number;
  errors: number;
  timeouts: number;
  /** The first unexpected answer, with its body, for the report. */
  firstProblem?: string;
}

let stopRequested = false;

/** Ends the flows in flight early (on interrupt): no new flow or step starts, in this run or any later one. */
export function stopFlows(): void {
  stopRequested = true;
}

const TIMEOUT_MS = 10_000;

interface Answer {
  status: number;
  body: string;
  ms: number;
}

function send(agent: http.Agent, base: URL, step: FlowStep): Promise<Answer> {
  const body = step.body === undefined ? undefined : JSON.stringify(step.body);
  const headers: Record<string, string | number> = { ...step.headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = Buffer.byteLength(body);
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { agent, host: base.hostname, port: base.port, method: step.method, path: step.path, headers, timeout: TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error(`timed out after ${TIMEOUT_MS / 1000} s`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;

/**
 * Runs `users` virtual users against `baseUrl` for `seconds` (or only `maxFlows` flows in all, for a
 * probe). Each user waits for one flow to end before it starts the next; a failed step ends that flow
 * (counted, with its status) and runs the plan's `recover` steps.
 */
export async function runFlows(baseUrl: string, plan: FlowPlan, users: number, seconds: number, maxFlows = Infinity): Promise<FlowResult> {
  const base = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: users });
  const flowMs: number[] = [];
  const keyMs: number[] = [];
  const statusCodes: Record<string, number> = {};
  let requests = 0;
  let failedFlows = 0;
  let unexpected = 0;
  let errors = 0;
  let timeouts = 0;
  let started = 0;
  let firstProblem: string | undefined;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;

  const attempt = async (step: FlowStep): Promise<Answer | undefined> => {
    requests++;
    try {
      const answer = await send(agent, base, step);
      statusCodes[answer.status] = (statusCodes[answer.status] ?? 0) + 1;
      return answer;
    } catch (err) {
      errors++;
      if ((err as { code?: string }).code === 'ETIMEDOUT') timeouts++;
      firstProblem ??= `${step.method} ${step.path}: ${(err as Error).message}`;
      return undefined;
    }
  };

  const user = async (u: number) => {
    while (!stopRequested && performance.now() < deadline && started < maxFlows) {
      started++;
      const steps = plan.next(u);
      const flowStart = performance.now();
      let ok = true;
      for (const step of steps) {
        if (stopRequested) {
          ok = false;
          break;
        }
        const answer = await attempt(step);
        if (!answer) {
          ok = false;
          break;
        }
        if (answer.status !== step.expectStatus) {
          unexpected++;
          firstProblem ??= `${step.method} ${step.path} answered ${answer.status}, expected ${step.expectStatus}: ${answer.body.slice(0, 300)}`;
          ok = false;
          break;
        }
        if (step.name === plan.keyStep) keyMs.push(answer.ms);
      }
      if (ok) flowMs.push(performance.now() - flowStart);
      else {
        failedFlows++;
        for (const step of plan.recover?.(u, steps) ?? []) await send(agent, base, step).catch(() => undefined);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: users }, (_, u) => user(u)));
  } finally {
    agent.destroy();
  }
  const elapsed = (performance.now() - t0) / 1000;
  const sorted = flowMs.sort((a, b) => a - b);
  const keySorted = keyMs.sort((a, b) => a - b);
  return {
    flows: flowMs.length,
    failedFlows,
    requests,
    seconds: elapsed,
    latency: {
      avg: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN,
      p50: percentile(sorted, 50),
      p90: percentile(sorted, 90),
      p99: percentile(sorted, 99),
      max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    },
    keyStepLatency: { p50: percentile(keySorted, 50), p99: percentile(keySorted, 99) },
    statusCodes,
    unexpected,
    errors,
    timeouts,
    firstProblem,
  };
}

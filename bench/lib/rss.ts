import { readFileSync } from 'node:fs';

export interface Memory {
  /** Resident set size now, in bytes. */
  rss: number;
  /** Peak resident set size over the process's life (VmHWM), in bytes. */
  peak: number;
}

const kib = (status: string, field: string): number | undefined => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
};

/** Reads a process's memory from /proc (Linux only); undefined when the process or /proc is gone. */
export function readMemory(pid: number): Memory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = kib(status, 'VmRSS');
  if (rss === undefined) return undefined;
  return { rss, peak: kib(status, 'VmHWM') ?? rss };
}

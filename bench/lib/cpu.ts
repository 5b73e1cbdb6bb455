import { readdirSync, readFileSync } from 'node:fs';

// Linux reports /proc/<pid>/stat times in clock ticks; USER_HZ is 100 on every mainstream build.
const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; undefined when it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SECOND : undefined;
}

/** CPU seconds this process (the load generator) has used so far. */
export function selfCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * CPU seconds used so far by each PostgreSQL process working for `database` (backends and autovacuum
 * workers carry the database name in their process title), by pid. Empty when the server is not on
 * this machine's /proc (a container, another host) or titles are off.
 */
export function databaseCpuSeconds(database: string): Map<number, number> {
  const found = new Map<number, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return found;
  }
  for (const pid of pids) {
    let title: string;
    try {
      title = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!title.startsWith('postgres:') || !title.includes(` ${database} `)) continue;
    const seconds = processCpuSeconds(Number(pid));
    if (seconds !== undefined) found.set(Number(pid), seconds);
  }
  return found;
}

/** CPU seconds the database's processes used between two `databaseCpuSeconds` readings (processes new since `before` count whole). */
export function databaseCpuDelta(before: Map<number, number>, after: Map<number, number>): number | undefined {
  if (after.size === 0) return undefined;
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}

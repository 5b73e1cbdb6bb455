import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, rmSync, unlinkSync, writeFileSync, renameSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Who owns an embedded data directory, as the owner answers it. */
export interface OwnerInfo {
  pid: number;
  port: number;
  startedAt: string;
  role: OwnerRole;
}

/** Servers (API, worker, dev) run for long; a CLI command owns only for its run. */
export type OwnerRole = 'server' | 'cli';

export type ClaimResult =
  | { kind: 'owner'; claim: Claim }
  | { kind: 'taken'; owner: OwnerInfo };

/**
 * The right to open a data directory, held as a listening local socket named after the directory.
 * The kernel lets one process listen on a name, and frees it the moment that process dies (SIGKILL
 * included), so there is no stale lock to judge by pid or age, and no race between two processes
 * that both think the old owner is gone. The same socket tells other processes where the database
 * is served. The lock file beside the data is only for people and tools to read.
 */
export interface Claim {
  /** Starts answering "where is the database" with `info`; until then askers wait. */
  announce(info: OwnerInfo): void;
  /** The previous owner's lock file, when it was left behind by a process that did not close cleanly. */
  staleOwner?: OwnerInfo;
  /** Frees the name; call only after the data directory is closed. */
  release(): Promise<void>;
}

const LOCK_FILE = 'mvshop.lock';

function claimAddress(dir: string): string {
  const id = createHash('sha256').update(realpathSync(dir)).digest('hex').slice(0, 24);
  // Linux abstract sockets and Windows pipes vanish with their process; elsewhere a socket file
  // that a crash leaves behind is removed by the next claimant.
  if (process.platform === 'linux') return `\0mvshop-pglite-${id}`;
  if (process.platform === 'win32') return `\\\\.\\pipe\\mvshop-pglite-${id}`;
  return path.join(tmpdir(), `mvshop-pglite-${id}.sock`);
}

/** Tries to become the owner of `dir`; if another live process is, says who (waiting for it to be ready). */
export async function claimDirectory(dir: string, opts: { waitMs: number }): Promise<ClaimResult> {
  const address = claimAddress(dir);
  for (const deadline = Date.now() + opts.waitMs; ; ) {
    const claim = await tryListen(dir, address);
    if (claim) return { kind: 'owner', claim };
    const owner = await askOwner(address, Math.max(1, deadline - Date.now()));
    if (owner) return { kind: 'taken', owner };
    if (Date.now() > deadline) throw new Error(`the embedded database in ${dir} is held by a process that does not answer`);
    // The owner is closing, or died between our two calls: try again shortly.
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function tryListen(dir: string, address: string): Promise<Claim | undefined> {
  let info: OwnerInfo | undefined;
  let waiting: net.Socket[] = [];
  let closing = false;
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    if (closing) return void socket.destroy();
    if (info) socket.end(`${JSON.stringify(info)}\n`);
    else waiting.push(socket);
  });
  const listening = await new Promise<boolean>((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') return resolve(false);
      if (address.startsWith('\0') || address.startsWith('\\\\')) return resolve(false);
      // A socket file: in use by a live owner, or left by a dead one (nobody accepts on it).
      const probe = net.connect(address);
      probe.once('connect', () => {
        probe.destroy();
        resolve(false);
      });
      probe.once('error', () => {
        rmSync(address, { force: true });
        server.listen(address, () => resolve(true));
      });
    });
    server.listen(address, () => resolve(true));
  });
  if (!listening) return undefined;
  const lockPath = path.join(dir, LOCK_FILE);
  return {
    staleOwner: readLock(lockPath),
    announce(next) {
      info = next;
      const tmp = `${lockPath}.${process.pid}`;
      writeFileSync(tmp, `${JSON.stringify(next)}\n`);
      renameSync(tmp, lockPath);
      for (const socket of waiting) socket.end(`${JSON.stringify(next)}\n`);
      waiting = [];
    },
    async release() {
      closing = true;
      for (const socket of waiting) socket.destroy();
      if (info) {
        try {
          unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to clean.
        }
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readLock(lockPath: string): OwnerInfo | undefined {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as OwnerInfo;
  } catch {
    return undefined;
  }
}

/** Asks the owner where it serves; undefined when nobody answers (the owner is closing or gone). */
function askOwner(address: string, waitMs: number): Promise<OwnerInfo | undefined> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.connect(address);
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(text) as OwnerInfo);
      } catch {
        resolve(undefined);
      }
    });
  });
}

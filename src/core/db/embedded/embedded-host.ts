import net from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { claimDirectory, type Claim, type OwnerInfo, type OwnerRole } from './owner-claim.ts';
import { startWireServer, type WireServer } from './wire-server.ts';

export type { OwnerRole } from './owner-claim.ts';

export interface EmbeddedHostOptions {
  dir: string;
  role: OwnerRole;
  /** Runs on the freshly opened PGlite before anyone else can reach it (migrations). */
  prepare?: (pglite: PGlite) => Promise<void>;
  /** One line about ownership changes, for the process's log. */
  note?: (message: string, details: Record<string, unknown>) => void;
}

/**
 * One process's way to the shared embedded database. The first process to claim the directory opens
 * PGlite and serves it on loopback; every process, the owner included, talks to it through an
 * ordinary `pg` pool, so all of them see the same data with the same transaction semantics. When the
 * owner goes away, the next connection any process opens claims the directory again, so the data
 * outlives whichever process opened it first.
 */
export class EmbeddedHost {
  private owned?: { pglite: PGlite; wire: WireServer; claim: Claim };
  private resolving?: Promise<number>;
  private waitingNoted = false;

  constructor(private readonly opts: EmbeddedHostOptions) {}

  get isOwner(): boolean {
    return Boolean(this.owned);
  }

  /** The loopback port the database is served on now, claiming the directory if nobody holds it. */
  port(): Promise<number> {
    if (this.owned) return Promise.resolve(this.owned.wire.port);
    this.resolving ??= this.resolve().finally(() => (this.resolving = undefined));
    return this.resolving;
  }

  /** A `pg` pool on the shared database; each new connection finds the current owner. */
  pool(max: number): pg.Pool {
    const host = this;
    class OwnerSocket extends net.Socket {
      override connect(...args: unknown[]): this {
        void args;
        host.port().then(
          (port) => super.connect(port, '127.0.0.1'),
          (err: Error) => this.destroy(err),
        );
        return this;
      }
    }
    const pool = new pg.Pool({
      Client: UnnamedStatementsClient,
      stream: () => new OwnerSocket(),
      user: 'postgres',
      database: 'postgres',
      max,
    } as pg.PoolConfig);
    pool.on('error', () => {
      // An idle connection lost its owner (it closed); the next query opens a new one.
    });
    return pool;
  }

  /** Closes what this process owns: lets clients finish, then closes PGlite, then frees the claim. */
  async close(): Promise<void> {
    const owned = this.owned;
    if (!owned) return;
    this.owned = undefined;
    // A CLI owner waits for the other commands using it; a server lets the transaction in progress end.
    await owned.wire.close({ graceMs: 5_000, clientsMs: this.opts.role === 'cli' ? 300_000 : 0 });
    await owned.pglite.close();
    await owned.claim.release();
  }

  private async resolve(): Promise<number> {
    for (;;) {
      const result = await claimDirectory(this.opts.dir, { waitMs: 120_000 });
      if (result.kind === 'owner') return this.become(result.claim);
      if (result.owner.role === 'cli' && this.opts.role === 'server') {
        // A command owns it for its run; a server that joined it would keep that command from exiting.
        if (!this.waitingNoted) this.opts.note?.('waiting for an mvshop command to release the embedded database', { ...result.owner });
        this.waitingNoted = true;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      return result.owner.port;
    }
  }

  private async become(claim: Claim): Promise<number> {
    let pglite: PGlite | undefined;
    try {
      pglite = new PGlite(this.opts.dir);
      await pglite.waitReady;
      await this.opts.prepare?.(pglite);
      const wire = await startWireServer(pglite);
      const info: OwnerInfo = { pid: process.pid, port: wire.port, startedAt: new Date().toISOString(), role: this.opts.role };
      claim.announce(info);
      this.owned = { pglite, wire, claim };
      if (claim.staleOwner && claim.staleOwner.pid !== process.pid)
        this.opts.note?.('took over the embedded database from a process that did not close it', { previous: claim.staleOwner });
      return wire.port;
    } catch (err) {
      await pglite?.close().catch(() => undefined);
      await claim.release();
      throw err;
    }
  }
}

/**
 * Every connection shares PGlite's one backend, where a statement name prepared by one connection
 * would collide with the same name from another; so statements go unnamed (parsed per execution).
 */
class UnnamedStatementsClient extends pg.Client {
  override query(...args: unknown[]): never {
    const [config] = args;
    if (config && typeof config === 'object' && typeof (config as { name?: unknown }).name === 'string')
      args[0] = { ...(config as object), name: undefined };
    return (pg.Client.prototype.query as (...a: unknown[]) => never).apply(this, args);
  }
}

import { sql } from 'drizzle-orm';
import { isAdmin, type Ctx } from '../context.ts';
import type { Db } from '../db/index.ts';
import { queryRows } from '../db/tx.ts';
import { forbidden } from '../shared/errors.ts';

/** `prev_hash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
const BATCH = 5000;

export interface AuditProblem {
  kind: 'edited' | 'missing' | 'relinked' | 'head';
  /** The row the problem is found at (for `missing`, the first missing position). */
  seq: number | null;
  id: string | null;
  message: string;
}

export interface AuditChainReport {
  ok: boolean;
  rows: number;
  /** The chain's end: keep `hash` somewhere else to detect a rewrite of the whole chain later. */
  head: { seq: number; hash: string } | null;
  problems: AuditProblem[];
}

interface ChainRow {
  id: string;
  seq: number;
  prev_hash: string;
  hash: string;
  computed: string;
}

const span = (from: number, to: number) => (from === to ? `row #${from} is` : `rows #${from}–#${to} are`);

/**
 * Walks the audit chain and names every row that was edited (its content no longer matches its
 * hash), deleted (a gap in `seq`, or rows missing at the end against the chain head) or rewritten
 * with a fresh hash (the next row no longer points at it). Reads one snapshot, so concurrent
 * appends are never mistaken for damage. It cannot see a rewrite of the whole chain and its head:
 * compare `head.hash` with a copy kept elsewhere for that.
 */
export async function verifyAudit(ctx: Ctx): Promise<AuditChainReport> {
  if (!isAdmin(ctx.actor)) throw forbidden('Admins only');
  return ctx.db.transaction((tx) => walkChain(tx as unknown as Db), { isolationLevel: 'repeatable read', accessMode: 'read only' });
}

async function walkChain(db: Db): Promise<AuditChainReport> {
  const problems: AuditProblem[] = [];
  const [head] = await queryRows<{ seq: number; hash: string }>(db, sql`SELECT seq, hash FROM audit_chain_head WHERE id = 1`);
  let previous: { seq: number; id: string | null; hash: string } = { seq: 0, id: null, hash: GENESIS_HASH };
  let rows = 0;
  for (;;) {
    const batch = await queryRows<ChainRow>(
      db,
      sql`SELECT id, seq, prev_hash, hash,
                 audit_row_hash(seq, prev_hash, id, actor, action, target, reason, details, created_at) AS computed
          FROM audit_log WHERE seq > ${previous.seq} ORDER BY seq LIMIT ${BATCH}`,
    );
    for (const row of batch) {
      const seq = Number(row.seq);
      rows += 1;
      if (seq > previous.seq + 1)
        problems.push({
          kind: 'missing',
          seq: previous.seq + 1,
          id: null,
          message: `${span(previous.seq + 1, seq - 1)} missing (deleted), between ${previous.id ? `#${previous.seq} (${previous.id})` : 'the start'} and #${seq} (${row.id})`,
        });
      else if (row.prev_hash !== previous.hash)
        problems.push({
          kind: 'relinked',
          seq: previous.seq,
          id: previous.id,
          message: previous.id
            ? `row #${previous.seq} (${previous.id}) was rewritten: row #${seq} (${row.id}) recorded a different hash for it`
            : `row #${seq} (${row.id}) does not start the chain: it points at a row that does not exist`,
        });
      if (row.computed !== row.hash)
        problems.push({ kind: 'edited', seq, id: row.id, message: `row #${seq} (${row.id}) was edited: its content no longer matches its hash` });
      previous = { seq, id: row.id, hash: row.hash };
    }
    if (batch.length < BATCH) break;
  }
  if (!head) problems.push({ kind: 'head', seq: null, id: null, message: 'the chain head (table audit_chain_head) is missing' });
  else if (head.seq > previous.seq)
    problems.push({
      kind: 'missing',
      seq: previous.seq + 1,
      id: null,
      message: `${span(previous.seq + 1, Number(head.seq))} missing (deleted) at the end: the chain head is at #${head.seq}`,
    });
  else if (head.seq < previous.seq)
    problems.push({ kind: 'head', seq: Number(head.seq), id: null, message: `rows after #${head.seq}, where the chain head is, were not appended by the audit writer` });
  else if (head.hash !== previous.hash)
    problems.push({
      kind: 'relinked',
      seq: previous.seq,
      id: previous.id,
      message: `row #${previous.seq} (${previous.id}) was rewritten: the chain head recorded a different hash for it`,
    });
  return { ok: problems.length === 0, rows, head: head ? { seq: Number(head.seq), hash: head.hash } : null, problems };
}

import { sql } from 'drizzle-orm';
import { actorLabel, type Ctx } from '../context.ts';
import { auditChainHead, auditLog } from '../db/schema/index.ts';
import { queryRows } from '../db/tx.ts';
import { newId } from '../shared/ids.ts';

export interface AuditInput {
  action: string;
  target: string;
  reason?: string | null;
  details?: Record<string, unknown>;
}

/**
 * Every admin or operator action leaves a row: who, what, target, when, why. Runs in the caller's
 * transaction and appends to the hash chain in one statement: it locks the chain head, so audited
 * transactions append one after another in commit order (a rolled-back one leaves no gap), and the
 * lock is held until the caller commits. Callers write their audit row after their own row locks.
 */
export async function recordAudit(ctx: Ctx, input: AuditInput): Promise<void> {
  const details = input.details === undefined ? null : JSON.stringify(input.details);
  const appended = await queryRows<{ seq: number }>(ctx.db, sql`
    WITH head AS (SELECT seq, hash FROM ${auditChainHead} WHERE id = 1 FOR UPDATE),
    v AS (
      SELECT ${newId('audit')}::text AS id, ${actorLabel(ctx.actor)}::text AS actor, ${input.action}::text AS action,
             ${input.target}::text AS target, ${input.reason ?? null}::text AS reason, ${details}::jsonb AS details,
             ${ctx.clock.now().toISOString()}::timestamptz AS created_at, head.seq + 1 AS seq, head.hash AS prev_hash
      FROM head),
    appended AS (
      INSERT INTO ${auditLog} (id, actor, action, target, reason, details, created_at, seq, prev_hash, hash)
      SELECT id, actor, action, target, reason, details, created_at, seq, prev_hash,
             audit_row_hash(seq, prev_hash, id, actor, action, target, reason, details, created_at)
      FROM v
      RETURNING seq, hash)
    UPDATE ${auditChainHead} SET seq = appended.seq, hash = appended.hash FROM appended WHERE ${auditChainHead}.id = 1
    RETURNING appended.seq`);
  // Without its head the chain cannot grow; failing the caller's change beats an action with no record.
  if (appended.length !== 1) throw new Error('audit chain head is missing: run `mvshop audit verify`');
}

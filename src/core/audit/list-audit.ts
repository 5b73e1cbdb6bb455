import { and, count, desc, eq, gte, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { isAdmin, type Ctx } from '../context.ts';
import { auditLog } from '../db/schema/index.ts';
import { forbidden } from '../shared/errors.ts';
import { sinceDate } from '../shared/fields.ts';
import { offsetOf, pageInput, pageOf, type Page } from '../shared/pagination.ts';
import { parseInput } from '../shared/validation.ts';

const filter = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters').optional();

export const listAuditInput = pageInput.extend({
  /** An actor as recorded (`usr_…`, `operator:alice`), or an operator's bare name (`alice`). */
  actor: filter,
  target: filter,
  action: filter,
  since: sinceDate.optional(),
});

export interface AuditRowDto {
  _id: string;
  seq: number;
  actor: string;
  action: string;
  target: string;
  reason: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

/** The audit log for admins and operators, newest first, by actor, target, action and time. */
export async function listAudit(ctx: Ctx, raw: unknown): Promise<Page & { entries: AuditRowDto[] }> {
  if (!isAdmin(ctx.actor)) throw forbidden('Admins only');
  const input = parseInput(listAuditInput, raw);
  const conditions: (SQL | undefined)[] = [
    input.actor ? or(eq(auditLog.actor, input.actor), eq(auditLog.actor, `operator:${input.actor}`)) : undefined,
    input.target ? eq(auditLog.target, input.target) : undefined,
    input.action ? eq(auditLog.action, input.action) : undefined,
    input.since ? gte(auditLog.createdAt, input.since) : undefined,
  ];
  const where = and(...conditions);
  const [rows, [{ total } = { total: 0 }]] = await Promise.all([
    ctx.db.select().from(auditLog).where(where).orderBy(desc(auditLog.seq)).limit(input.limit).offset(offsetOf(input)),
    ctx.db.select({ total: count() }).from(auditLog).where(where),
  ]);
  return {
    entries: rows.map((r) => ({
      _id: r.id,
      seq: r.seq,
      actor: r.actor,
      action: r.action,
      target: r.target,
      reason: r.reason,
      details: r.details,
      createdAt: r.createdAt.toISOString(),
    })),
    ...pageOf(total, input),
  };
}

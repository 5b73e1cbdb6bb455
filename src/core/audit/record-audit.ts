import { actorLabel, type Ctx } from '../context.ts';
import { auditLog } from '../db/schema/index.ts';
import { newId } from '../shared/ids.ts';

export interface AuditInput {
  action: string;
  target: string;
  reason?: string | null;
  details?: Record<string, unknown>;
}

/** Every admin or operator action leaves a row: who, what, target, when, why. Runs in the caller's transaction. */
export async function recordAudit(ctx: Ctx, input: AuditInput): Promise<void> {
  await ctx.db.insert(auditLog).values({
    id: newId('audit'),
    actor: actorLabel(ctx.actor),
    action: input.action,
    target: input.target,
    reason: input.reason ?? null,
    details: input.details ?? null,
    createdAt: ctx.clock.now(),
  });
}

import { sql } from 'drizzle-orm';
import type { Ctx } from '../context.ts';
import { queryRows } from '../db/tx.ts';

/** A link used a little after it expired still answers "expired" (not "invalid") for this long. */
const EXPIRED_LINK_GRACE_MS = 24 * 3600_000;

/**
 * Deletes emailed tokens that expired more than a day ago, then the sign-ups left without any token:
 * their activation link can no longer work, so the address is free to register again. Also forgets
 * ended sessions whose tokens have expired: such a token is refused for its expiry already.
 */
export async function purgeExpiredTokens(ctx: Pick<Ctx, 'db' | 'clock'>): Promise<{ tokens: number; registrations: number; sessions: number }> {
  const before = new Date(ctx.clock.now().getTime() - EXPIRED_LINK_GRACE_MS).toISOString();
  const tokens = await queryRows<{ n: number }>(ctx.db, sql`
    WITH gone AS (DELETE FROM verification_tokens WHERE expires_at < ${before}::timestamptz RETURNING 1)
    SELECT count(*)::int AS n FROM gone`);
  const registrations = await queryRows<{ n: number }>(ctx.db, sql`
    WITH gone AS (
      DELETE FROM pending_registrations p
      WHERE p.created_at < ${before}::timestamptz
        AND NOT EXISTS (SELECT 1 FROM verification_tokens t WHERE t.subject_id = p.id)
      RETURNING 1)
    SELECT count(*)::int AS n FROM gone`);
  const sessions = await queryRows<{ n: number }>(ctx.db, sql`
    WITH gone AS (DELETE FROM ended_sessions WHERE expires_at < ${ctx.clock.now().toISOString()}::timestamptz RETURNING 1)
    SELECT count(*)::int AS n FROM gone`);
  return { tokens: tokens[0]?.n ?? 0, registrations: registrations[0]?.n ?? 0, sessions: sessions[0]?.n ?? 0 };
}

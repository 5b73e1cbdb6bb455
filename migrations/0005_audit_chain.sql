CREATE TABLE "audit_chain_head" (
	"id" smallint PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_chain_head_single_row" CHECK ("audit_chain_head"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_log" ADD COLUMN "hash" text;--> statement-breakpoint
-- Hand-written (drizzle-kit cannot express functions or data changes): the one definition of an audit
-- row's hash, used by writers, by `audit verify` and by the backfill below. jsonb's text form is
-- canonical and the time is taken in UTC, so the same content always gives the same hash.
CREATE FUNCTION audit_row_hash(seq bigint, prev_hash text, id text, actor text, action text, target text, reason text, details jsonb, created_at timestamptz)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT encode(sha256(convert_to(jsonb_build_array(seq, prev_hash, id, actor, action, target, reason, details, created_at AT TIME ZONE 'UTC')::text, 'UTF8')), 'hex')
$$;--> statement-breakpoint
-- Rows written before the chain existed are chained in the order they were written.
DO $$
DECLARE
  r record;
  n bigint := 0;
  prev text := repeat('0', 64);
BEGIN
  FOR r IN SELECT id FROM audit_log ORDER BY created_at, id LOOP
    n := n + 1;
    UPDATE audit_log a
      SET seq = n, prev_hash = prev, hash = audit_row_hash(n, prev, a.id, a.actor, a.action, a.target, a.reason, a.details, a.created_at)
      WHERE a.id = r.id
      RETURNING a.hash INTO prev;
  END LOOP;
  INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, n, prev);
END
$$;--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "seq" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "prev_hash" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "hash" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_seq_uq" ON "audit_log" USING btree ("seq");

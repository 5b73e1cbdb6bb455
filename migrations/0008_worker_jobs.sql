CREATE INDEX "verification_tokens_expires_idx" ON "verification_tokens" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "outbox_relayed_idx" ON "outbox" USING btree ("claimed_until") WHERE "outbox"."status" = 'relayed';--> statement-breakpoint
CREATE INDEX "outbox_done_idx" ON "outbox" USING btree ("processed_at") WHERE "outbox"."status" = 'done';--> statement-breakpoint
CREATE INDEX "stripe_events_processed_idx" ON "stripe_events" USING btree ("processed_at");
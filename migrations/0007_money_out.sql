CREATE TABLE "settlements_due" (
	"order_id" text PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"net_minor" bigint NOT NULL,
	"delivered_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "withdrawals" (
	"id" text PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"amount_minor" bigint NOT NULL,
	"currency" text NOT NULL,
	"status" text DEFAULT 'Processing' NOT NULL,
	"method" jsonb NOT NULL,
	"reason" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "withdrawals_amount_ck" CHECK ("withdrawals"."amount_minor" > 0),
	CONSTRAINT "withdrawals_status_ck" CHECK ("withdrawals"."status" IN ('Processing', 'succeed', 'rejected'))
);
--> statement-breakpoint
ALTER TABLE "settlements_due" ADD CONSTRAINT "settlements_due_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "withdrawals" ADD CONSTRAINT "withdrawals_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "settlements_due_delivered_idx" ON "settlements_due" USING btree ("delivered_at","order_id");--> statement-breakpoint
CREATE INDEX "withdrawals_shop_idx" ON "withdrawals" USING btree ("shop_id","created_at");--> statement-breakpoint
CREATE INDEX "withdrawals_status_idx" ON "withdrawals" USING btree ("status","created_at");--> statement-breakpoint
-- Card orders delivered before settlement existed wait for it like those delivered from now on.
INSERT INTO "settlements_due" ("order_id", "shop_id", "net_minor", "delivered_at")
SELECT "id", "shop_id", "total_minor" - "platform_fee_minor", "delivered_at" FROM "orders"
WHERE "status" = 'Delivered' AND "payment_type" = 'Credit Card' AND "payment_status" = 'succeeded' AND "delivered_at" IS NOT NULL;

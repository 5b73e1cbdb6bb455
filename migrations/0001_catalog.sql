-- array_to_string is only STABLE; tags are plain text, so this wrapper is safely IMMUTABLE and usable in the generated search column.
CREATE OR REPLACE FUNCTION mvshop_tags_text(tags text[]) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_string(tags, ' ') $$;
--> statement-breakpoint
CREATE TABLE "products" (
	"id" text PRIMARY KEY NOT NULL,
	"shop_id" text NOT NULL,
	"kind" text DEFAULT 'product' NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"category" text NOT NULL,
	"tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"original_price_minor" bigint NOT NULL,
	"discount_price_minor" bigint,
	"price_minor" bigint GENERATED ALWAYS AS (COALESCE(discount_price_minor, original_price_minor)) STORED NOT NULL,
	"stock" integer NOT NULL,
	"sold_count" integer DEFAULT 0 NOT NULL,
	"images" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"moderation_reason" text,
	"rating_sum" integer DEFAULT 0 NOT NULL,
	"rating_count" integer DEFAULT 0 NOT NULL,
	"starts_at" timestamp with time zone,
	"ends_at" timestamp with time zone,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce(name, '')), 'A') || setweight(to_tsvector('english', coalesce(category, '') || ' ' || mvshop_tags_text(tags)), 'B') || setweight(to_tsvector('english', coalesce(description, '')), 'C')) STORED NOT NULL,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "products_stock_ck" CHECK ("products"."stock" >= 0),
	CONSTRAINT "products_sold_ck" CHECK ("products"."sold_count" >= 0),
	CONSTRAINT "products_price_ck" CHECK ("products"."original_price_minor" >= 0),
	CONSTRAINT "products_discount_ck" CHECK ("products"."discount_price_minor" IS NULL OR ("products"."discount_price_minor" >= 0 AND "products"."discount_price_minor" < "products"."original_price_minor")),
	CONSTRAINT "products_kind_ck" CHECK ("products"."kind" IN ('product', 'event')),
	CONSTRAINT "products_status_ck" CHECK ("products"."status" IN ('active', 'pending', 'hidden', 'rejected')),
	CONSTRAINT "products_window_ck" CHECK ("products"."kind" = 'product' OR ("products"."starts_at" IS NOT NULL AND "products"."ends_at" IS NOT NULL AND "products"."starts_at" < "products"."ends_at"))
);
--> statement-breakpoint
ALTER TABLE "shops" ADD COLUMN "shipping_fee_minor" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "shops" ADD COLUMN "fee_bps" integer;--> statement-breakpoint
ALTER TABLE "products" ADD CONSTRAINT "products_shop_id_shops_id_fk" FOREIGN KEY ("shop_id") REFERENCES "public"."shops"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "products_shop_idx" ON "products" USING btree ("shop_id","created_at");--> statement-breakpoint
CREATE INDEX "products_search_idx" ON "products" USING gin ("search");--> statement-breakpoint
ALTER TABLE "shops" ADD CONSTRAINT "shops_shipping_fee_ck" CHECK ("shops"."shipping_fee_minor" >= 0);--> statement-breakpoint
ALTER TABLE "shops" ADD CONSTRAINT "shops_fee_bps_ck" CHECK ("shops"."fee_bps" IS NULL OR ("shops"."fee_bps" >= 0 AND "shops"."fee_bps" <= 10000));
CREATE TABLE "product_stock" (
	"product_id" text PRIMARY KEY NOT NULL,
	"stock" integer NOT NULL,
	"sold_count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "product_stock_stock_ck" CHECK ("product_stock"."stock" >= 0),
	CONSTRAINT "product_stock_sold_ck" CHECK ("product_stock"."sold_count" >= 0)
);
--> statement-breakpoint
INSERT INTO "product_stock" ("product_id", "stock", "sold_count") SELECT "id", "stock", "sold_count" FROM "products";--> statement-breakpoint
ALTER TABLE "products" DROP CONSTRAINT "products_stock_ck";--> statement-breakpoint
ALTER TABLE "products" DROP CONSTRAINT "products_sold_ck";--> statement-breakpoint
DROP INDEX "products_public_sold_idx";--> statement-breakpoint
ALTER TABLE "product_stock" ADD CONSTRAINT "product_stock_product_id_products_id_fk" FOREIGN KEY ("product_id") REFERENCES "public"."products"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "product_stock_sold_idx" ON "product_stock" USING btree ("sold_count","product_id");--> statement-breakpoint
ALTER TABLE "products" DROP COLUMN "stock";--> statement-breakpoint
ALTER TABLE "products" DROP COLUMN "sold_count";--> statement-breakpoint
ANALYZE "product_stock";

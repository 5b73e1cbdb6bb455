ALTER TABLE "products" ADD COLUMN "changed_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL;--> statement-breakpoint
CREATE INDEX "products_changed_idx" ON "products" USING btree ("changed_at");--> statement-breakpoint
-- Every update stamps the row with the database's clock, whatever the statement sets (a review's rating
-- update, a moderation, an edit), so the catalog index can read the rows changed since it last looked.
CREATE FUNCTION products_stamp_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.changed_at := clock_timestamp();
  RETURN NEW;
END
$$;--> statement-breakpoint
CREATE TRIGGER products_changed BEFORE UPDATE ON products FOR EACH ROW EXECUTE FUNCTION products_stamp_changed();

CREATE TABLE "data_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"check_value" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"drained_at" timestamp with time zone,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "summary_phi" text;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "member_id_hashes" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
CREATE INDEX "requests_member_hashes" ON "requests" USING gin ("member_id_hashes");
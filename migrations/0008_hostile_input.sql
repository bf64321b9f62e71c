CREATE TABLE "staff_login_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"username_hash" text,
	"failures" integer DEFAULT 0 NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"locked_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "unmatched_answers" (
	"message_id" uuid PRIMARY KEY NOT NULL,
	"payer_id" text NOT NULL,
	"reason" text NOT NULL,
	"control_number" text,
	"candidate_org_ids" text[] NOT NULL,
	"candidate_request_ids" uuid[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"resolved_request_id" uuid
);
--> statement-breakpoint
ALTER TABLE "api_clients" ADD COLUMN "tokens_not_before" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "staff_login_throttle_user" ON "staff_login_throttle" USING btree ("username_hash");--> statement-breakpoint
CREATE INDEX "unmatched_answers_created" ON "unmatched_answers" USING btree ("created_at");
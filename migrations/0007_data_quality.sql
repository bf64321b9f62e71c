CREATE TABLE "payer_breaker_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"payer_id" text NOT NULL,
	"state" text NOT NULL,
	"instance" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payer_calls" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"payer_id" text NOT NULL,
	"kind" text NOT NULL,
	"outcome" text NOT NULL,
	"ok" boolean NOT NULL,
	"duration_ms" integer NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "payer_health_scan" (
	"id" integer PRIMARY KEY NOT NULL,
	"last_scan_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "payer_rejections" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"request_id" uuid NOT NULL,
	"org_id" text NOT NULL,
	"client_id" text,
	"provider_npi" text,
	"payer_id" text,
	"request_kind" text NOT NULL,
	"source" text NOT NULL,
	"code" text NOT NULL,
	"loop" text,
	"element" text,
	"follow_up" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "quality_warnings" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"client_id" text,
	"request_id" uuid,
	"request_kind" text NOT NULL,
	"payer_id" text,
	"provider_npi" text,
	"kind" text NOT NULL,
	"refused" boolean DEFAULT false NOT NULL,
	"expression" text NOT NULL,
	"member_hash" text,
	"message" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_alerts" ADD COLUMN "cleared_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "payer_breaker_events_payer_at" ON "payer_breaker_events" USING btree ("payer_id","at");--> statement-breakpoint
CREATE INDEX "payer_calls_payer_at" ON "payer_calls" USING btree ("payer_id","at");--> statement-breakpoint
CREATE INDEX "payer_rejections_org_at" ON "payer_rejections" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "payer_rejections_payer_at" ON "payer_rejections" USING btree ("payer_id","created_at");--> statement-breakpoint
CREATE INDEX "quality_warnings_org_at" ON "quality_warnings" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "quality_warnings_request" ON "quality_warnings" USING btree ("request_id");
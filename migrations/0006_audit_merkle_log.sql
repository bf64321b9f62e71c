CREATE TABLE "audit_heads" (
	"head_no" bigint PRIMARY KEY NOT NULL,
	"tree_size" bigint NOT NULL,
	"root_hash" text NOT NULL,
	"base" bigint NOT NULL,
	"sealed_at" timestamp with time zone NOT NULL,
	"kid" text NOT NULL,
	"jws" text NOT NULL,
	"frontier" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_tree_nodes" (
	"level" integer NOT NULL,
	"idx" bigint NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_tree_nodes_level_idx_pk" PRIMARY KEY("level","idx")
);
--> statement-breakpoint
CREATE TABLE "audit_witness_cursors" (
	"name" text PRIMARY KEY NOT NULL,
	"head_no" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "subscription_events" (
	"subscription_id" uuid NOT NULL,
	"event_number" integer NOT NULL,
	"request_id" uuid,
	"occurred_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone,
	"given_up_at" timestamp with time zone,
	CONSTRAINT "subscription_events_subscription_id_event_number_pk" PRIMARY KEY("subscription_id","event_number")
);
--> statement-breakpoint
-- The audit log: an id taken from a sequence at insert (no lock) becomes the key; seq, the place in
-- the log, is given later by the sequencer. Events from before this migration keep their seq and get
-- id = seq; the sequencer seals them, old hash chain checked, as the tree's first batch
-- (docs/architecture.md, "Upgrading a database with a hash-chained trail").
ALTER TABLE "audit_events" DROP CONSTRAINT "audit_events_pkey";--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "id" bigint;--> statement-breakpoint
UPDATE "audit_events" SET "id" = "seq";--> statement-breakpoint
CREATE SEQUENCE "audit_events_id_seq" OWNED BY "audit_events"."id";--> statement-breakpoint
SELECT setval('audit_events_id_seq', COALESCE((SELECT max("seq") FROM "audit_events"), 0) + 1, false);--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "id" SET DEFAULT nextval('audit_events_id_seq');--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id");--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "seq" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "prev_hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ALTER COLUMN "hash" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "logged_at" timestamp with time zone DEFAULT clock_timestamp() NOT NULL;--> statement-breakpoint
-- Notifications are retried until a time limit (PRIORGATE_NOTIFY_RETRY_HOURS), not a count.
UPDATE "jobs" SET "max_attempts" = 1000000 WHERE "kind" = 'notify.rest-hook' AND "status" IN ('ready', 'running');--> statement-breakpoint
ALTER TABLE "notification_attempts" ADD COLUMN "event_number" integer;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "status_reason" text;--> statement-breakpoint
ALTER TABLE "subscription_events" ADD CONSTRAINT "subscription_events_subscription_id_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."subscriptions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_seq" ON "audit_events" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "audit_unsealed" ON "audit_events" USING btree ("id") WHERE seq is null;
CREATE TABLE "payer_inbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"payer_id" text NOT NULL,
	"interchange_key" text NOT NULL,
	"control_number" text NOT NULL,
	"position" integer NOT NULL,
	"message_id" uuid NOT NULL,
	"ack_message_id" uuid,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "payer_inbox_parts" (
	"inbox_id" uuid NOT NULL,
	"part" text NOT NULL,
	"message_id" uuid,
	"request_id" uuid,
	"outcome" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "payer_inbox_parts_inbox_id_part_pk" PRIMARY KEY("inbox_id","part")
);
--> statement-breakpoint
CREATE UNIQUE INDEX "payer_inbox_interchange" ON "payer_inbox" USING btree ("interchange_key");
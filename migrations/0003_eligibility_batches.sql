CREATE TABLE "eligibility_batch_results" (
	"batch_id" uuid NOT NULL,
	"line" integer NOT NULL,
	"key" text NOT NULL,
	"status" text NOT NULL,
	"row" jsonb NOT NULL,
	CONSTRAINT "eligibility_batch_results_batch_id_line_pk" PRIMARY KEY("batch_id","line")
);
--> statement-breakpoint
CREATE TABLE "eligibility_batches" (
	"id" uuid PRIMARY KEY NOT NULL,
	"org_id" text NOT NULL,
	"payer_id" text NOT NULL,
	"status" text NOT NULL,
	"created_by" text NOT NULL,
	"concurrency" integer NOT NULL,
	"total" integer NOT NULL,
	"roster" text NOT NULL,
	"counts" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"error" text,
	"lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "eligibility_batch_results" ADD CONSTRAINT "eligibility_batch_results_batch_id_eligibility_batches_id_fk" FOREIGN KEY ("batch_id") REFERENCES "public"."eligibility_batches"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eligibility_batches" ADD CONSTRAINT "eligibility_batches_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "eligibility_batches" ADD CONSTRAINT "eligibility_batches_payer_id_payers_id_fk" FOREIGN KEY ("payer_id") REFERENCES "public"."payers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "eligibility_batches_org" ON "eligibility_batches" USING btree ("org_id","created_at");
CREATE TABLE "member_requests" (
	"org_id" text NOT NULL,
	"member_hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"request_id" uuid NOT NULL
);
--> statement-breakpoint
ALTER TABLE "member_requests" ADD CONSTRAINT "member_requests_request_id_requests_id_fk" FOREIGN KEY ("request_id") REFERENCES "public"."requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "member_requests_newest" ON "member_requests" USING btree ("org_id","member_hash","created_at");--> statement-breakpoint
CREATE INDEX "member_requests_request" ON "member_requests" USING btree ("request_id");
ALTER TABLE "subscriptions" ADD COLUMN "channel_headers" text;--> statement-breakpoint
-- Subscriptions stored before: their header lines are still in "resource", in the clear. Plaintext
-- is in use again until the next data key pass (started at the gateway's next start) seals them.
UPDATE "data_keys" SET "drained_at" = NULL
 WHERE "kid" = '(plaintext)' AND "drained_at" IS NOT NULL
   AND EXISTS (SELECT 1 FROM "subscriptions" WHERE jsonb_exists("resource" -> 'channel', 'header'));

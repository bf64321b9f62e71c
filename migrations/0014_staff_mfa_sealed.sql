-- Staff TOTP secrets stored unsealed ("plain:", no PRIORGATE_MFA_KEY was set) are sealed with the
-- data key ring from now on: plaintext is in use again until the next data key pass (started at the
-- gateway's next start) seals them.
UPDATE "data_keys" SET "drained_at" = NULL
 WHERE "kid" = '(plaintext)' AND "drained_at" IS NOT NULL
   AND EXISTS (SELECT 1 FROM "staff_users" WHERE "mfa_secret" LIKE 'plain:%');

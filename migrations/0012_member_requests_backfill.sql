-- The member index of requests stored before it existed (keyed hashes only: no key needed).
INSERT INTO "member_requests" ("org_id", "member_hash", "created_at", "request_id")
SELECT "org_id", unnest("member_id_hashes"), "created_at", "id" FROM "requests";

-- Prior-auth requests answered "no action required" (HCR01 NA on every line: the payer's rules
-- exempt them, a gold card, or the payer said so) were put in `certified`, so the worklist called
-- them approvals and the CMS metrics counted them as approved. They have their own state now,
-- `not_required`. The audit trail keeps what was recorded then (its transition says decision NA).
UPDATE "requests" SET "status" = 'not_required'
 WHERE "kind" = 'prior-auth' AND "status" = 'certified' AND "summary"->>'decision' = 'NA';

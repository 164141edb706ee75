-- Evaluation, second pass (QĐ 26/2026/QĐ-TTg).

-- A re-rating filed after its window (Điều 12.3): accepted, and the certificate stays in force
-- until the decision, at most 180 days after its expiry. `extended_until` is that last day, cut
-- to the day of the decision once it is taken; the product keeps a copy with its certificate's.
ALTER TABLE registration ADD COLUMN late BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE certificate ADD COLUMN extended_until DATE;
ALTER TABLE product ADD COLUMN certificate_extended_until DATE;

-- Why an approved result issued nothing: '' (it did), 'below_three', or 'not_higher' (an
-- upgrade that did not raise the stars; the certificate in force stays as it is).
ALTER TABLE registration ADD COLUMN unrecognised TEXT NOT NULL DEFAULT '';

-- The working-day calendar's version the screening deadline was counted on, and whether the
-- count ran past the years it lists (the deadline is then shown with a warning).
ALTER TABLE registration ADD COLUMN screening_calendar TEXT NOT NULL DEFAULT '';
ALTER TABLE registration ADD COLUMN screening_due_estimated BOOLEAN NOT NULL DEFAULT FALSE;

-- What the province sends with a potential 5★ (Điều 6.3): the chairman's decision approving the
-- result (a decision of kind 'approval'; none for a 5★ re-rating, which is not re-scored by the
-- province), the province's proposal letter and its OCOP agency's report. Their files are kept
-- as evidence of the product with purpose 'forwarding'.
CREATE TABLE forwarding (
    id INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registration(id),
    decision_id INTEGER REFERENCES decision(id),
    letter_number TEXT NOT NULL,
    letter_date DATE NOT NULL,
    report_number TEXT NOT NULL,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX forwarding_registration ON forwarding(registration_id);
-- 'dossier' (the producer's, reused by its next registration) or 'forwarding'.
ALTER TABLE evidence ADD COLUMN purpose TEXT NOT NULL DEFAULT 'dossier';
ALTER TABLE evidence ADD COLUMN forwarding_id INTEGER REFERENCES forwarding(id);
CREATE INDEX evidence_forwarding ON evidence(forwarding_id);

-- What the province's OCOP agency asked the producer to complete after acceptance (Điều 7.3.a).
ALTER TABLE registration ADD COLUMN completion_request TEXT NOT NULL DEFAULT '';

-- Notifications are also e-mailed (when OCOP_SMTP_URL is set) by a background job that claims
-- those not yet mailed; the ones made before this migration count as mailed.
ALTER TABLE notification ADD COLUMN mailed_at INTEGER;
UPDATE notification SET mailed_at = created_at;
CREATE INDEX notification_unmailed ON notification(mailed_at, id);

-- A council's vote on its result when re-opening after re-opening could not bring the members'
-- spread under the limit (JSON {"approve", "against", "abstain"}; '' when none was needed).
ALTER TABLE evaluation ADD COLUMN vote TEXT NOT NULL DEFAULT '';

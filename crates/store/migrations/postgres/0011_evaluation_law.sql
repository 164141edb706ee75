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

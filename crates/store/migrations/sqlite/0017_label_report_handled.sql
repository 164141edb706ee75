-- The office marks a shopper's report handled, saying what it did.
ALTER TABLE label_report ADD COLUMN handled_at BIGINT;
ALTER TABLE label_report ADD COLUMN handled_by INTEGER REFERENCES app_user(id);
ALTER TABLE label_report ADD COLUMN handled_note TEXT;

-- Onboarding a province's records: producers merged into another (the duplicate stays, deleted,
-- pointing at the one kept, so its platform code and history still lead somewhere); the
-- authority that issued a certificate as it was named then, and what the platform holds as
-- evidence of the recognition.

ALTER TABLE producer ADD COLUMN merged_into INTEGER REFERENCES producer(id);
CREATE INDEX producer_merged_into ON producer(merged_into);

-- 'province' (the current province's People's Committee), 'former_province', 'district' (a former
-- district's People's Committee) or 'ministry'; '' for a certificate recorded before this
-- migration (its level and province say who).
ALTER TABLE certificate ADD COLUMN issuer_kind TEXT NOT NULL DEFAULT '';
-- The authority's name at the time, e.g. 'Ủy ban nhân dân tỉnh Hà Giang'.
ALTER TABLE certificate ADD COLUMN issuer_name TEXT NOT NULL DEFAULT '';
-- 'decision' (the decision is on file), 'news' (official news) or 'other'.
ALTER TABLE certificate ADD COLUMN evidence TEXT NOT NULL DEFAULT 'decision';
CREATE INDEX certificate_evidence ON certificate(evidence);

-- The old districts of the provinces merged into a current one.
CREATE INDEX unit_mapping_new_province ON unit_mapping(new_province_code, old_district_code);

-- A spreadsheet an office uploaded and is mapping and previewing before it imports it (kept a
-- day, by the account that sent it; the token in its address is stored hashed).
CREATE TABLE import_upload (
    id INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    bytes BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    CONSTRAINT import_upload_token_key UNIQUE (token_hash)
);
CREATE INDEX import_upload_created ON import_upload(created_at);

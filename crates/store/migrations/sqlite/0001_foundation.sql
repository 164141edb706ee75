-- Foundation: reference data (administrative units), accounts, sessions, login throttling, audit log.
-- Instants are Unix seconds; see crates/store/src/lib.rs for the conventions.

CREATE TABLE ocop_dataset (
    name TEXT PRIMARY KEY,
    checksum TEXT NOT NULL,
    loaded_at INTEGER NOT NULL
);

-- Current two-tier units (since 1 July 2025).
CREATE TABLE province (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_fold TEXT NOT NULL
);

CREATE TABLE commune (
    code TEXT PRIMARY KEY,
    province_code TEXT NOT NULL REFERENCES province(code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    name_fold TEXT NOT NULL
);
CREATE INDEX commune_province ON commune(province_code);

-- Pre-2025 three-tier units, in two editions: 'pre2025' (GSO list of 2025-01-04, the one the
-- official mapping starts from) and '2020_2024' (the list most 2019–2024 OCOP records use).
CREATE TABLE old_unit (
    edition TEXT NOT NULL,
    province_code TEXT NOT NULL,
    province_name TEXT NOT NULL,
    district_code TEXT NOT NULL,
    district_name TEXT NOT NULL,
    district_kind TEXT NOT NULL,
    commune_code TEXT NOT NULL,
    commune_name TEXT NOT NULL,
    commune_kind TEXT NOT NULL,
    status TEXT,
    PRIMARY KEY (edition, district_code, commune_code)
);
CREATE INDEX old_unit_commune ON old_unit(commune_code);
CREATE INDEX old_unit_province ON old_unit(edition, province_code);

-- The official 2025 conversion table: old commune -> new unit, many to many.
CREATE TABLE unit_mapping (
    old_province_code TEXT NOT NULL,
    old_district_code TEXT NOT NULL,
    old_district_name TEXT NOT NULL,
    old_commune_code TEXT NOT NULL,
    old_commune_name TEXT NOT NULL,
    new_province_code TEXT NOT NULL,
    new_unit_code TEXT NOT NULL,
    partly BOOLEAN NOT NULL,
    split_count INTEGER NOT NULL
);
CREATE INDEX unit_mapping_old ON unit_mapping(old_commune_code);
CREATE INDEX unit_mapping_old_district ON unit_mapping(old_district_code);

CREATE TABLE app_user (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    province_code TEXT REFERENCES province(code),
    commune_code TEXT REFERENCES commune(code),
    producer_id INTEGER,
    locale TEXT NOT NULL DEFAULT 'vi',
    disabled BOOLEAN NOT NULL DEFAULT 0,
    must_change_password BOOLEAN NOT NULL DEFAULT 0,
    version INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_login_at INTEGER,
    -- fold(email + display name), for search that ignores case and diacritics
    search_fold TEXT NOT NULL,
    CONSTRAINT app_user_email_key UNIQUE (email)
);
CREATE INDEX app_user_province ON app_user(province_code);

-- Sessions live in the database so that every instance behind a load balancer shares them.
-- Only the SHA-256 of the cookie's token is stored.
CREATE TABLE user_session (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip TEXT,
    user_agent TEXT
);
CREATE INDEX user_session_user ON user_session(user_id);
CREATE INDEX user_session_expires ON user_session(expires_at);

-- Failed sign-ins, keyed 'account:<email>' and 'ip:<address>'; shared by every instance.
CREATE TABLE login_failure (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_failure_key_at ON login_failure(key, at);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor_id INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    province_code TEXT,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_province ON audit_log(province_code, seq);
CREATE INDEX audit_log_actor ON audit_log(actor_id, seq);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

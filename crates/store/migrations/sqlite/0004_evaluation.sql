-- The evaluation cycle (QĐ 26/2026/QĐ-TTg, Điều 5–8): rounds, registrations with their dossier,
-- commune screening, councils and scorecards, decisions, notifications.

-- A round (đợt đánh giá) of a province.
CREATE TABLE round (
    id INTEGER PRIMARY KEY,
    province_code TEXT NOT NULL REFERENCES province(code),
    name TEXT NOT NULL,
    year INTEGER NOT NULL,
    opens_on DATE NOT NULL,
    -- Communes forward dossiers to the province by this day (30/4 or 30/10).
    commune_deadline DATE NOT NULL,
    -- The round is finished by this day (30/6 or 30/12).
    closes_on DATE NOT NULL,
    -- The number of products the province planned to evaluate.
    plan_count INTEGER NOT NULL,
    criteria_version TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX round_province ON round(province_code, opens_on);

-- A producer's registration of one product (Mẫu 01) with its self-assessment (Mẫu 02).
CREATE TABLE registration (
    id INTEGER PRIMARY KEY,
    round_id INTEGER NOT NULL REFERENCES round(id),
    product_id INTEGER NOT NULL REFERENCES product(id),
    producer_id INTEGER NOT NULL REFERENCES producer(id),
    province_code TEXT NOT NULL REFERENCES province(code),
    commune_code TEXT NOT NULL REFERENCES commune(code),
    -- 'first', 'upgrade' or 'rerating'.
    kind TEXT NOT NULL,
    -- Phiếu số …/PĐK-(T)-(X)-(year), given when the dossier is submitted.
    number TEXT,
    sheet_code TEXT NOT NULL,
    criteria_version TEXT NOT NULL,
    samples INTEGER NOT NULL,
    -- The self-assessment: {"1.1": 2, "2.4": true, …} and its total once complete.
    self_answers TEXT NOT NULL DEFAULT '{}',
    self_total INTEGER,
    -- The certificate a re-rating or upgrade starts from.
    previous_certificate_id INTEGER REFERENCES certificate(id),
    state TEXT NOT NULL,
    submitted_at INTEGER,
    screening_due DATE,
    screened_at INTEGER,
    screened_by INTEGER REFERENCES app_user(id),
    -- Mẫu 03: the commune's findings on the four topics, and the reasons of a return.
    form03 TEXT NOT NULL DEFAULT '{}',
    return_reasons TEXT NOT NULL DEFAULT '',
    -- The approved result: stars (1–5) and the mean total in hundredths.
    stars INTEGER,
    total_x100 INTEGER,
    decision_id INTEGER,
    certificate_id INTEGER REFERENCES certificate(id),
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT registration_round_product_key UNIQUE (round_id, product_id),
    CONSTRAINT registration_number_key UNIQUE (number)
);
CREATE INDEX registration_place ON registration(province_code, commune_code, state);
CREATE INDEX registration_product ON registration(product_id);

-- The last sequence number a commune gave a registration in a year.
CREATE TABLE registration_sequence (
    commune_code TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (commune_code, year)
);

-- Dossier evidence of a product; kept across registrations so upgrades and re-ratings reuse it.
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES product(id),
    label TEXT NOT NULL,
    file_name TEXT NOT NULL,
    -- Read from the content, never from the name: application/pdf, image/jpeg or image/png.
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    uploaded_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    -- Withdrawn by the producer before any submission used it.
    withdrawn_at INTEGER
);
CREATE INDEX evidence_product ON evidence(product_id);

-- The evidence a submitted registration was filed with (fixed at submission).
CREATE TABLE registration_evidence (
    registration_id INTEGER NOT NULL REFERENCES registration(id),
    evidence_id INTEGER NOT NULL REFERENCES evidence(id),
    PRIMARY KEY (registration_id, evidence_id)
);

-- A council: provincial (of a round) or central (5★).
CREATE TABLE council (
    id INTEGER PRIMARY KEY,
    -- 'province' or 'central'.
    level TEXT NOT NULL,
    province_code TEXT REFERENCES province(code),
    round_id INTEGER REFERENCES round(id),
    name TEXT NOT NULL,
    -- Scoring closes only when at least this share of members (chair included) have submitted.
    quorum_percent INTEGER NOT NULL,
    -- Members' totals further apart than this force discussion and re-scoring.
    spread_limit INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE council_member (
    council_id INTEGER NOT NULL REFERENCES council(id),
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    is_chair BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (council_id, user_id)
);
CREATE INDEX council_member_user ON council_member(user_id);

-- One product before one council.
CREATE TABLE evaluation (
    id INTEGER PRIMARY KEY,
    registration_id INTEGER NOT NULL REFERENCES registration(id),
    council_id INTEGER NOT NULL REFERENCES council(id),
    level TEXT NOT NULL,
    sheet_code TEXT NOT NULL,
    criteria_version TEXT NOT NULL,
    -- 'scoring', 'closed' (members see each other's cards) or 'approved'.
    state TEXT NOT NULL,
    -- How many times the chair reopened scoring after a discussion.
    rescored INTEGER NOT NULL DEFAULT 0,
    discussion TEXT NOT NULL DEFAULT '',
    -- The engine's report (JSON) when closed and when approved.
    outcome TEXT,
    stars INTEGER,
    total_x100 INTEGER,
    approved_at INTEGER,
    approved_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    CONSTRAINT evaluation_level_key UNIQUE (registration_id, level)
);
CREATE INDEX evaluation_council ON evaluation(council_id);

-- A member's scorecard; saved as the member clicks, submitted when complete.
CREATE TABLE scorecard (
    evaluation_id INTEGER NOT NULL REFERENCES evaluation(id),
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    answers TEXT NOT NULL DEFAULT '{}',
    knock_outs TEXT NOT NULL DEFAULT '[]',
    disqualified BOOLEAN NOT NULL DEFAULT 0,
    -- The client's revision counter: an older save arriving late never overwrites a newer one.
    revision INTEGER NOT NULL DEFAULT 0,
    submitted_at INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (evaluation_id, user_id)
);

-- Recognition and revocation decisions.
CREATE TABLE decision (
    id INTEGER PRIMARY KEY,
    -- The province code, or 'central' for the Ministry.
    issuer TEXT NOT NULL,
    -- 'recognition' or 'revocation'.
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    signed_on DATE NOT NULL,
    signer TEXT NOT NULL,
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    CONSTRAINT decision_number_key UNIQUE (issuer, number)
);

-- Certificate numbers per issuer and year.
CREATE TABLE certificate_sequence (
    issuer TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (issuer, year)
);

ALTER TABLE certificate ADD COLUMN registration_id INTEGER REFERENCES registration(id);

-- In-app notifications. One per user and subject: a reminder job run twice, or by two
-- instances at once, cannot notify twice.
CREATE TABLE notification (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES app_user(id),
    subject TEXT NOT NULL,
    message_key TEXT NOT NULL,
    args TEXT NOT NULL DEFAULT '{}',
    link TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    read_at INTEGER,
    CONSTRAINT notification_subject_key UNIQUE (user_id, subject)
);
CREATE INDEX notification_unread ON notification(user_id, read_at);

-- Background job runs: the instance whose insert succeeds runs the period.
CREATE TABLE job_run (
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    PRIMARY KEY (job, period)
);

-- Supervision and capacity building (SPEC §2.5): inspection plans, the producers visited under
-- them and the records of those visits (checklist, photos, findings and their follow-up), training
-- classes and their participants, support records and the label quotas they fund.

CREATE TABLE inspection_plan (
    id INTEGER PRIMARY KEY,
    province_code TEXT NOT NULL REFERENCES province(code),
    year BIGINT NOT NULL,
    name TEXT NOT NULL,
    purpose TEXT NOT NULL DEFAULT '',
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    demo BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX inspection_plan_province ON inspection_plan(province_code, year);

-- One producer to visit under a plan and, once visited, the record (biên bản kiểm tra): the
-- checklist answers as JSON under the checklist version in force, kept with the revision of the
-- device that last saved them (an older save arriving late never overwrites a newer one).
CREATE TABLE inspection (
    id INTEGER PRIMARY KEY,
    plan_id BIGINT NOT NULL REFERENCES inspection_plan(id),
    producer_id BIGINT NOT NULL REFERENCES producer(id),
    -- Why it is in the plan: 'hand', or the proposal's reasons separated by commas.
    reasons TEXT NOT NULL DEFAULT 'hand',
    -- 'planned', 'started' (a record is being written), 'done'.
    state TEXT NOT NULL,
    visited_on DATE,
    present TEXT NOT NULL DEFAULT '',
    answers TEXT NOT NULL DEFAULT '{}',
    checklist_version TEXT NOT NULL,
    revision BIGINT NOT NULL DEFAULT 0,
    completed_at BIGINT,
    completed_by BIGINT REFERENCES app_user(id),
    demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT inspection_key UNIQUE (plan_id, producer_id)
);
CREATE INDEX inspection_producer ON inspection(producer_id);

CREATE TABLE inspection_product (
    inspection_id BIGINT NOT NULL REFERENCES inspection(id),
    product_id BIGINT NOT NULL REFERENCES product(id),
    PRIMARY KEY (inspection_id, product_id)
);
CREATE INDEX inspection_product_product ON inspection_product(product_id);

-- The inspectors assigned to a visit: only they (and the office) see and write it.
CREATE TABLE inspection_inspector (
    inspection_id BIGINT NOT NULL REFERENCES inspection(id),
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    PRIMARY KEY (inspection_id, user_id)
);
CREATE INDEX inspection_inspector_user ON inspection_inspector(user_id);

-- Photos taken during the visit, of a checklist item or of the whole; checked and thumbnailed
-- like product photos.
CREATE TABLE inspection_photo (
    id INTEGER PRIMARY KEY,
    inspection_id BIGINT NOT NULL REFERENCES inspection(id),
    item_code TEXT,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    thumb BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    size BIGINT NOT NULL,
    created_by BIGINT REFERENCES app_user(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX inspection_photo_inspection ON inspection_photo(inspection_id);

-- A finding: what is wrong, how grave, the day to remedy it by; then the producer's answer, the
-- office's follow-up and the outcome (reminder, warning, re-rating request, revocation proposal).
CREATE TABLE finding (
    id INTEGER PRIMARY KEY,
    inspection_id BIGINT NOT NULL REFERENCES inspection(id),
    producer_id BIGINT NOT NULL REFERENCES producer(id),
    product_id BIGINT REFERENCES product(id),
    item_code TEXT,
    severity TEXT NOT NULL,
    description TEXT NOT NULL,
    remedy_by DATE NOT NULL,
    state TEXT NOT NULL,
    response TEXT NOT NULL DEFAULT '',
    responded_at BIGINT,
    responded_by BIGINT REFERENCES app_user(id),
    followed_up_on DATE,
    follow_up_note TEXT NOT NULL DEFAULT '',
    outcome TEXT,
    -- A revocation proposal: the day it was made and the certificate it aims at; the decision is
    -- due within the time limit of the supervision rules in force.
    proposed_on DATE,
    certificate_id BIGINT REFERENCES certificate(id),
    demo BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_by BIGINT REFERENCES app_user(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX finding_inspection ON finding(inspection_id);
CREATE INDEX finding_producer ON finding(producer_id, state);
CREATE INDEX finding_certificate ON finding(certificate_id);

-- Evidence the producer sends with its answer (a photo of the new label, a test report).
CREATE TABLE finding_evidence (
    id INTEGER PRIMARY KEY,
    finding_id BIGINT NOT NULL REFERENCES finding(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    uploaded_by BIGINT REFERENCES app_user(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX finding_evidence_finding ON finding_evidence(finding_id);

-- The inspection record a revocation rests on (ground b), when it came from a proposal.
ALTER TABLE certificate ADD COLUMN revocation_inspection_id BIGINT;

CREATE TABLE training_class (
    id INTEGER PRIMARY KEY,
    province_code TEXT NOT NULL REFERENCES province(code),
    -- Held in a commune of the province; NULL online.
    commune_code TEXT REFERENCES commune(code),
    name TEXT NOT NULL,
    topic TEXT NOT NULL,
    rules_version TEXT NOT NULL,
    organiser TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    sessions BIGINT NOT NULL,
    trainers TEXT NOT NULL DEFAULT '',
    budget_vnd BIGINT,
    description TEXT NOT NULL DEFAULT '',
    search_fold TEXT NOT NULL,
    demo BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX training_class_province ON training_class(province_code, starts_on);

-- A person a producer sent; attended sessions as bits (session n is bit n-1), satisfaction 1–5.
CREATE TABLE training_participant (
    id INTEGER PRIMARY KEY,
    class_id BIGINT NOT NULL REFERENCES training_class(id),
    producer_id BIGINT NOT NULL REFERENCES producer(id),
    person TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT '',
    attended BIGINT NOT NULL DEFAULT 0,
    satisfaction BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX training_participant_class ON training_participant(class_id);
CREATE INDEX training_participant_producer ON training_participant(producer_id);

-- Money paid to a producer under the programme, whole đồng. A 'labels' record may fund a number
-- of labels for one product in the year of its decision.
CREATE TABLE support_record (
    id INTEGER PRIMARY KEY,
    producer_id BIGINT NOT NULL REFERENCES producer(id),
    product_id BIGINT REFERENCES product(id),
    purpose TEXT NOT NULL,
    funder TEXT NOT NULL,
    amount_vnd BIGINT NOT NULL,
    decision TEXT NOT NULL,
    decided_on DATE NOT NULL,
    year BIGINT NOT NULL,
    funded_labels BIGINT,
    rules_version TEXT NOT NULL,
    demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_by BIGINT REFERENCES app_user(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX support_record_producer ON support_record(producer_id, year);
CREATE INDEX support_record_product ON support_record(product_id, year);

-- How many labels of an order the product's funded quota covers, and how many lie beyond it
-- (such an order waits for the office, even when orders are otherwise issued at once).
ALTER TABLE stamp_order ADD COLUMN funded BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stamp_order ADD COLUMN beyond_quota BIGINT NOT NULL DEFAULT 0;

-- A buyer may also report a problem with a product: complaints feed the inspection proposal.
ALTER TABLE inquiry ADD COLUMN kind TEXT NOT NULL DEFAULT 'inquiry';

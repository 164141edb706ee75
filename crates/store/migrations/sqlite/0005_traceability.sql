-- Traceability: lots, label orders and serials, the scan log and its alerts, EPCIS events.

CREATE TABLE lot (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES product(id),
    -- The GS1 AI 10 value printed on the pack.
    code TEXT NOT NULL,
    produced_on DATE,
    expires_on DATE,
    quantity INTEGER,
    unit TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES app_user(id),
    created_at INTEGER NOT NULL,
    CONSTRAINT lot_product_code_key UNIQUE (product_id, code)
);

-- A producer's order of labels (tem): requested, then issued (serials made) or rejected.
CREATE TABLE stamp_order (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES product(id),
    lot_id INTEGER REFERENCES lot(id),
    quantity INTEGER NOT NULL,
    state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    requested_by INTEGER REFERENCES app_user(id),
    decided_by INTEGER REFERENCES app_user(id),
    decided_at INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX stamp_order_product ON stamp_order(product_id);

-- One label: a serial nobody can guess (100 random bits, Crockford base 32).
CREATE TABLE stamp (
    serial TEXT PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES stamp_order(id),
    product_id INTEGER NOT NULL REFERENCES product(id),
    lot_id INTEGER REFERENCES lot(id),
    -- Its place in the order, the order of the label sheet.
    position INTEGER NOT NULL,
    issued_at INTEGER NOT NULL,
    voided_at INTEGER,
    void_reason TEXT,
    -- Kept by the scan log's flusher so a scan page reads one row.
    scans INTEGER NOT NULL DEFAULT 0,
    first_scanned_at INTEGER,
    last_scanned_at INTEGER,
    suspicious BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX stamp_order_position ON stamp(order_id, position);

-- Every scan of a product, lot or label URL. Append-only; the place is coarse (0.1°) and only
-- when the phone shared it.
CREATE TABLE scan (
    id INTEGER PRIMARY KEY,
    scanned_at INTEGER NOT NULL,
    product_id INTEGER NOT NULL,
    lot_id INTEGER,
    serial TEXT,
    lat10 INTEGER,
    lon10 INTEGER,
    -- mobile, desktop, bot or other.
    agent TEXT NOT NULL
);
CREATE INDEX scan_serial ON scan(serial, scanned_at);
CREATE INDEX scan_product ON scan(product_id, scanned_at);

-- A serial whose scans look like a copied label, with the evidence.
CREATE TABLE scan_alert (
    id INTEGER PRIMARY KEY,
    serial TEXT NOT NULL REFERENCES stamp(serial),
    product_id INTEGER NOT NULL REFERENCES product(id),
    province_code TEXT NOT NULL,
    rule TEXT NOT NULL,
    evidence TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by INTEGER REFERENCES app_user(id),
    CONSTRAINT scan_alert_rule_key UNIQUE (serial, rule)
);
CREATE INDEX scan_alert_open ON scan_alert(province_code, resolved_at);

-- Supply-chain events (EPCIS 2.0 ObjectEvents), idempotent by event ID.
CREATE TABLE epcis_event (
    event_id TEXT PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES product(id),
    lot_id INTEGER REFERENCES lot(id),
    event_time INTEGER NOT NULL,
    biz_step TEXT NOT NULL,
    disposition TEXT,
    -- The event as captured, in the canonical JSON binding, and its SHA-256.
    body TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    recorded_by INTEGER REFERENCES app_user(id),
    recorded_at INTEGER NOT NULL
);
CREATE INDEX epcis_event_product ON epcis_event(product_id, event_time);
CREATE INDEX epcis_event_lot ON epcis_event(lot_id, event_time);

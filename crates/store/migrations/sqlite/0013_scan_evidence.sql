-- Scans weighed by who made them, and labels never issued seen by the office.
--
-- A scan's client is a hash of its address and browser, its origin a hash of the address
-- alone, both salted with the day (pseudonymous: never the address itself, and not linkable
-- from one day to the next). Rows written before this migration have neither.
ALTER TABLE scan ADD COLUMN client TEXT;
ALTER TABLE scan ADD COLUMN origin TEXT;

-- One row per label, client and hour: the count rule counts these, not raw scans, so one
-- machine reloading a page cannot make a genuine label look copied.
CREATE TABLE scan_client (
    serial TEXT NOT NULL,
    client TEXT NOT NULL,
    origin TEXT NOT NULL,
    hour BIGINT NOT NULL,
    PRIMARY KEY (serial, client, hour)
);
ALTER TABLE stamp ADD COLUMN client_hours BIGINT NOT NULL DEFAULT 0;

-- Whether an alert's evidence came from enough independent origins for shoppers to be warned;
-- the office sees every alert. Alerts from before were shown.
ALTER TABLE scan_alert ADD COLUMN public BOOLEAN NOT NULL DEFAULT TRUE;

-- Scans of labels the platform never issued: a made-up serial on a real GTIN, a voided
-- serial, a lot never declared. At most a few per origin and hour are kept.
CREATE TABLE scan_attempt (
    id INTEGER PRIMARY KEY,
    attempted_at BIGINT NOT NULL,
    product_id BIGINT NOT NULL REFERENCES product(id),
    province_code TEXT NOT NULL,
    -- unknown_serial, voided or unknown_lot.
    kind TEXT NOT NULL,
    -- The serial or lot the label carries, as scanned (at most 64 characters).
    typed TEXT NOT NULL,
    lat10 BIGINT,
    lon10 BIGINT,
    origin TEXT NOT NULL
);
CREATE INDEX scan_attempt_province ON scan_attempt(province_code, attempted_at);

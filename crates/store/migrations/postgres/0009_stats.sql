-- Figures and targets (SPEC §2.6): label scans counted per day and product as the scan writer
-- goes (the dashboard reads this, never the scan log), and the target sets an office imports.

CREATE TABLE scan_daily (
    -- The day in Vietnam (UTC+7).
    day DATE NOT NULL,
    product_id BIGINT NOT NULL REFERENCES product(id),
    province_code TEXT NOT NULL,
    scans BIGINT NOT NULL,
    PRIMARY KEY (day, product_id)
);
CREATE INDEX scan_daily_province ON scan_daily(province_code, day, scans);

INSERT INTO scan_daily (day, product_id, province_code, scans)
SELECT (to_timestamp(s.scanned_at + 25200) AT TIME ZONE 'UTC')::date, s.product_id, p.province_code, COUNT(*)
FROM scan s JOIN product p ON p.id = s.product_id
GROUP BY (to_timestamp(s.scanned_at + 25200) AT TIME ZONE 'UTC')::date, s.product_id, p.province_code;

-- A round's registrations counted by state without reading the rows (rounds vs plan).
CREATE INDEX registration_round_state ON registration(round_id, state, submitted_at);

-- The start of a certificate chain (a product's first recognition) is the certificate no other
-- one points to.
CREATE INDEX certificate_superseded ON certificate(superseded_by);

-- A plan's targets as the office imported them: the file's JSON, checked on import, by version.
CREATE TABLE target_set (
    version TEXT PRIMARY KEY,
    scope TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    body TEXT NOT NULL,
    imported_at BIGINT NOT NULL
);

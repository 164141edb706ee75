-- Shoppers' reports of labels the platform says are not genuine, sent to the province's office
-- from the label's page, and each province office's contact shown to shoppers beside a verdict.
CREATE TABLE label_report (
    id INTEGER PRIMARY KEY,
    created_at BIGINT NOT NULL,
    product_id BIGINT NOT NULL REFERENCES product(id),
    province_code TEXT NOT NULL,
    -- What the page said: unknown_serial, voided, unknown_lot or genuine.
    verdict TEXT NOT NULL,
    -- The label's path as scanned (at most 300 characters).
    link TEXT NOT NULL,
    -- Where it was bought, what the shopper saw, how to reach them: all optional, as typed.
    place TEXT NOT NULL,
    message TEXT NOT NULL,
    contact TEXT NOT NULL,
    -- A JPEG made from the shopper's photo (resized, without its metadata), or none.
    photo BLOB,
    -- A hash of the address salted with the day, as for scans: never the address.
    origin TEXT NOT NULL
);
CREATE INDEX label_report_province ON label_report(province_code, created_at);

CREATE TABLE office_contact (
    province_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    address TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Market outlets (SPEC §2.4): producers' sales channels, showcase and sales points with the
-- products they carry, fairs and events with their participants, buyers' inquiries.

-- A producer's channel: a kind of data/outlets/channel-kinds.json, the partner (a chain, a
-- platform), an https address, and when. `producer.sales_channels` keeps the kinds in force as
-- import and export carry them; these rows are the record.
CREATE TABLE sales_channel (
    id INTEGER PRIMARY KEY,
    producer_id BIGINT NOT NULL REFERENCES producer(id),
    kind TEXT NOT NULL,
    partner TEXT NOT NULL DEFAULT '',
    url TEXT,
    since DATE,
    until DATE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sales_channel_producer ON sales_channel(producer_id);
CREATE INDEX sales_channel_kind ON sales_channel(kind);

-- The free lists of channel codes become one row each.
WITH RECURSIVE split(producer_id, rest, kind) AS (
    SELECT id, sales_channels || ',', '' FROM producer WHERE sales_channels <> ''
    UNION ALL
    SELECT producer_id, substr(rest, instr(rest, ',') + 1), trim(substr(rest, 1, instr(rest, ',') - 1))
    FROM split WHERE rest <> ''
)
INSERT INTO sales_channel (producer_id, kind, partner, created_at, updated_at)
SELECT producer_id, kind, '', CAST(strftime('%s', 'now') AS INTEGER), CAST(strftime('%s', 'now') AS INTEGER)
FROM split WHERE kind <> '';

-- Điểm giới thiệu và bán sản phẩm OCOP, trung tâm thiết kế sáng tạo.
CREATE TABLE sales_point (
    id INTEGER PRIMARY KEY,
    province_code TEXT NOT NULL REFERENCES province(code),
    commune_code TEXT NOT NULL REFERENCES commune(code),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    street TEXT NOT NULL DEFAULT '',
    old_commune_code TEXT,
    operator_producer_id BIGINT REFERENCES producer(id),
    operator_name TEXT NOT NULL DEFAULT '',
    opened_on DATE NOT NULL,
    closed_on DATE,
    opening_hours TEXT NOT NULL DEFAULT '',
    phone TEXT,
    -- Millionths of a degree.
    lat_e6 BIGINT,
    lon_e6 BIGINT,
    search_fold TEXT NOT NULL,
    sort_key BLOB NOT NULL,
    demo BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX sales_point_place ON sales_point(province_code, commune_code);
CREATE INDEX sales_point_sort ON sales_point(sort_key);

-- The products a point carries, from when until when.
CREATE TABLE sales_point_product (
    sales_point_id BIGINT NOT NULL REFERENCES sales_point(id),
    product_id BIGINT NOT NULL REFERENCES product(id),
    since DATE NOT NULL,
    until DATE,
    PRIMARY KEY (sales_point_id, product_id, since)
);
CREATE INDEX sales_point_product_product ON sales_point_product(product_id);

-- Fairs, trade weeks, markets, regional-culture festivals, online fairs of a province's office.
CREATE TABLE market_event (
    id INTEGER PRIMARY KEY,
    province_code TEXT NOT NULL REFERENCES province(code),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    -- Held in a commune of the province, or elsewhere in words.
    commune_code TEXT REFERENCES commune(code),
    place TEXT NOT NULL DEFAULT '',
    organiser TEXT NOT NULL,
    budget_vnd BIGINT,
    capacity BIGINT,
    registration_until DATE NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    search_fold TEXT NOT NULL,
    demo BOOLEAN NOT NULL DEFAULT FALSE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX market_event_province ON market_event(province_code, starts_on);

-- A producer at an event: signed up (registered), approved or turned down by the office, and
-- after it what it reports: sales in đồng, buyer contacts made.
CREATE TABLE event_participant (
    id INTEGER PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES market_event(id),
    producer_id BIGINT NOT NULL REFERENCES producer(id),
    state TEXT NOT NULL,
    sales_vnd BIGINT,
    contacts BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT event_participant_key UNIQUE (event_id, producer_id)
);
CREATE INDEX event_participant_producer ON event_participant(producer_id);

CREATE TABLE event_participant_product (
    participant_id BIGINT NOT NULL REFERENCES event_participant(id),
    product_id BIGINT NOT NULL REFERENCES product(id),
    PRIMARY KEY (participant_id, product_id)
);

-- A buyer's inquiry about a product. The buyer has no account: it follows the thread through
-- private links (inquiry_token).
CREATE TABLE inquiry (
    id INTEGER PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES product(id),
    producer_id BIGINT NOT NULL REFERENCES producer(id),
    buyer_name TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    email TEXT,
    phone TEXT,
    quantity TEXT NOT NULL DEFAULT '',
    target_price_vnd BIGINT,
    state TEXT NOT NULL,
    demo BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL,
    first_answer_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX inquiry_producer ON inquiry(producer_id, created_at);
CREATE INDEX inquiry_product ON inquiry(product_id, created_at);

-- The buyer's private links: one made with the inquiry and one with each e-mail sent to the
-- buyer, every one valid; only their SHA-256 is kept, so a copy of the database opens none.
CREATE TABLE inquiry_token (
    token_hash TEXT PRIMARY KEY,
    inquiry_id BIGINT NOT NULL REFERENCES inquiry(id),
    created_at BIGINT NOT NULL
);

CREATE TABLE inquiry_message (
    id INTEGER PRIMARY KEY,
    inquiry_id BIGINT NOT NULL REFERENCES inquiry(id),
    -- 'buyer' or 'producer'.
    author TEXT NOT NULL,
    author_user BIGINT REFERENCES app_user(id),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX inquiry_message_inquiry ON inquiry_message(inquiry_id, id);

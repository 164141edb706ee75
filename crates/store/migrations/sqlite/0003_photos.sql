-- Product photos, kept in the database so that every instance serves them without a shared disk.
CREATE TABLE product_photo (
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES product(id),
    position INTEGER NOT NULL,
    -- Read from the content when uploaded, never from the file name.
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    -- JPEG, at most 480 px on its longest side.
    thumb BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX product_photo_product ON product_photo(product_id, position);

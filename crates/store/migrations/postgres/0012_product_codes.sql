-- Product codes are (T)-(X)-(STT)-(year): the sequence number counts a commune's products of
-- one evaluation year (Decision 26/2026/QĐ-TTg, the code printed on every criteria sheet), so the
-- counter is kept per commune and year. It starts above every code already given: codes are
-- checked on write (TT-XXXXX-S…S-YYYY), so the parts are read by position.
DROP TABLE product_sequence;
CREATE TABLE product_sequence (
    commune_code TEXT NOT NULL,
    year BIGINT NOT NULL,
    last_value BIGINT NOT NULL,
    PRIMARY KEY (commune_code, year)
);
INSERT INTO product_sequence (commune_code, year, last_value)
SELECT substr(code, 4, 5), CAST(substr(code, length(code) - 3, 4) AS BIGINT),
       MAX(CAST(substr(code, 10, length(code) - 14) AS BIGINT))
FROM product
GROUP BY substr(code, 4, 5), CAST(substr(code, length(code) - 3, 4) AS BIGINT);

-- A product first coded in one year and first evaluated in a later one takes that year's code;
-- the code it had still finds it (labels and lists printed with it keep working).
CREATE TABLE product_code_alias (
    code TEXT PRIMARY KEY,
    product_id BIGINT NOT NULL REFERENCES product(id),
    replaced_at BIGINT NOT NULL
);
CREATE INDEX product_code_alias_product ON product_code_alias(product_id);

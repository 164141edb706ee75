-- The province that issued a certificate decides every act on it (revocation, reading by the
-- office), whatever happens to the product's address later. Central (5★) certificates have none.
ALTER TABLE certificate ADD COLUMN issuing_province TEXT;
UPDATE certificate SET issuing_province = (SELECT p.province_code FROM product p WHERE p.id = certificate.product_id)
    WHERE level = 'province';
CREATE INDEX certificate_issuing_province ON certificate(issuing_province);

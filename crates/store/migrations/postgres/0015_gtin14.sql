-- A product's GTIN stored in its 14-digit form, whatever form was typed (GTIN-8, -12, -13): one
-- GTIN is one string, so a scan finds its product by one equality and the uniqueness covers
-- every form. A GTIN two products share in different forms is left as it is for the office to
-- settle (normalising it would break the uniqueness).
UPDATE product SET gtin = lpad(gtin, 14, '0')
WHERE gtin IS NOT NULL AND length(gtin) < 14
  AND NOT EXISTS (
    SELECT 1 FROM product o WHERE o.id <> product.id AND o.gtin IS NOT NULL
      AND lpad(o.gtin, 14, '0') = lpad(product.gtin, 14, '0')
  );

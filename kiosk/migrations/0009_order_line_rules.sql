-- An order line records what it needs when it is added (kiosk/sales.py add_line): the product's
-- kind and whether the abstraksi and the SPPD are required. The rules of an order no longer
-- follow a catalogue published later (a renamed code must not drop the SPPD, nor crash).
ALTER TABLE order_lines ADD COLUMN kind TEXT;
ALTER TABLE order_lines ADD COLUMN needs_documents INTEGER;
-- Backfill from the catalogue in use: the one the centre published last, if any ...
UPDATE order_lines
   SET kind = (SELECT json_extract(p.value, '$.kind')
                 FROM orders o, meta m, json_each(m.value, '$.regulation') r, json_each(r.value, '$.product') p
                WHERE o.id = order_lines.order_id AND m.key = 'reference.catalogue'
                  AND json_extract(r.value, '$.code') = o.regulation
                  AND json_extract(p.value, '$.code') = order_lines.product),
       needs_documents = (SELECT json_array_length(COALESCE(json_extract(p.value, '$.documents'), '[]')) > 0
                 FROM orders o, meta m, json_each(m.value, '$.regulation') r, json_each(r.value, '$.product') p
                WHERE o.id = order_lines.order_id AND m.key = 'reference.catalogue'
                  AND json_extract(r.value, '$.code') = o.regulation
                  AND json_extract(p.value, '$.code') = order_lines.product);
-- ... else the shipped one (data/catalogue.toml when this migration was written).
UPDATE order_lines
   SET kind = CASE WHEN product LIKE 'publikasi-%' THEN 'publication'
                   WHEN product LIKE 'data-mikro%' THEN 'microdata'
                   WHEN product LIKE 'peta-%' THEN 'map' END
 WHERE kind IS NULL
   AND product IN ('publikasi-elektronik', 'publikasi-tercetak', 'data-mikro', 'data-mikro-olah',
                   'peta-indonesia-kecamatan', 'peta-indonesia-desa', 'peta-kabkota-kecamatan',
                   'peta-kabkota-desa');
-- A product neither knows needs the documents: the SPPD rule is never dropped by default.
UPDATE order_lines
   SET needs_documents = CASE WHEN kind = 'publication' THEN 0 ELSE 1 END
 WHERE needs_documents IS NULL;

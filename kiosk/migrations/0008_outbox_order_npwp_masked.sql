-- The outbox carries an order's NPWP masked like a guest's (kiosk/sales.py order_sync_payload:
-- for a person the NPWP is the NIK); mask it in the order changes already queued too (those
-- not yet pushed never leave in clear; the local copies of those pushed are masked alike).
UPDATE changes
   SET payload = json_replace(payload, '$.npwp',
         CASE WHEN length(json_extract(payload, '$.npwp')) >= 12
              THEN substr(json_extract(payload, '$.npwp'), 1, 4)
                   || substr('******************************', 1, length(json_extract(payload, '$.npwp')) - 8)
                   || substr(json_extract(payload, '$.npwp'), -4)
              WHEN length(json_extract(payload, '$.npwp')) >= 6
              THEN substr(json_extract(payload, '$.npwp'), 1, 2)
                   || substr('******************************', 1, length(json_extract(payload, '$.npwp')) - 4)
                   || substr(json_extract(payload, '$.npwp'), -2)
              ELSE substr('******************************', 1, length(json_extract(payload, '$.npwp'))) END)
 WHERE entity = 'order'
   AND json_type(payload, '$.npwp') = 'text'
   AND json_extract(payload, '$.npwp') != ''
   AND instr(json_extract(payload, '$.npwp'), '*') = 0;

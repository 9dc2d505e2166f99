-- The outbox carries a guest's NPWP masked like the ID number (a 2024 NPWP may be a full
-- NIK); mask it in the changes already queued too.
UPDATE changes
   SET payload = json_replace(payload, '$.npwp',
         substr(json_extract(payload, '$.npwp'), 1, 4)
         || substr('********************', 1, length(json_extract(payload, '$.npwp')) - 8)
         || substr(json_extract(payload, '$.npwp'), -4))
 WHERE entity = 'guest'
   AND length(json_extract(payload, '$.npwp')) >= 12
   AND instr(json_extract(payload, '$.npwp'), '*') = 0;

-- ID numbers are stored as upper-case A-Z and 0-9 only (as lookups normalise them), and
-- one card holds one locker whatever ID type it was entered as. Earlier "other" IDs kept
-- "/": drop it and mask again.
CREATE TEMP TABLE renumbered AS
WITH found AS (
    SELECT 'guests' AS tbl, id, REPLACE(id_number, '/', '') AS number FROM guests
     WHERE id_number LIKE '%/%' AND anonymised_at IS NULL
    UNION ALL
    SELECT 'lockers', id, REPLACE(id_number, '/', '') FROM lockers
     WHERE id_number LIKE '%/%' AND id_number NOT LIKE 'ANON-%' AND id_number NOT LIKE 'RESTORED:%')
SELECT tbl, id, number,
       CASE WHEN length(number) >= 12
            THEN substr(number, 1, 4) || substr('******************************', 1, length(number) - 8) || substr(number, -4)
            WHEN length(number) >= 6
            THEN substr(number, 1, 2) || substr('******************************', 1, length(number) - 4) || substr(number, -2)
            ELSE substr('******************************', 1, length(number)) END AS mask
  FROM found;

UPDATE guests SET id_number = r.number, id_masked = r.mask
  FROM renumbered r WHERE r.tbl = 'guests' AND r.id = guests.id;

UPDATE lockers SET id_number = r.number, id_masked = r.mask
  FROM renumbered r WHERE r.tbl = 'lockers' AND r.id = lockers.id;

DROP TABLE renumbered;

-- A card that got two open lockers under two ID types keeps the first; the later ones
-- get a visible suffix (the number still reads whole at return) until they are returned.
UPDATE lockers SET id_number = id_number || '~' || locker_no
 WHERE returned_at IS NULL AND EXISTS (
       SELECT 1 FROM lockers o WHERE o.returned_at IS NULL AND o.id_number = lockers.id_number
          AND o.id < lockers.id);

DROP INDEX lockers_open_card;
CREATE UNIQUE INDEX lockers_open_card ON lockers(id_number) WHERE returned_at IS NULL;

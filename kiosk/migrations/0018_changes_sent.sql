-- Years on one PC (issue 14): the outbox changes the centre has acknowledged are kept
-- (``[retention] changes_days``) packed a thousand at a time, not a row each: one change
-- costs ~65 bytes here instead of ~460 as a row with its two indexes
-- (kiosk/retention.py pack_acknowledged; bench/store_year.py). Nothing on the PC reads them
-- but the redactions of anonymised people (kiosk/privacy.py) and ``sent_changes``.
CREATE TABLE changes_sent (
    first_seq INTEGER PRIMARY KEY,   -- the batch's oldest change
    last_seq  INTEGER NOT NULL,      -- and its newest: batches never overlap
    newest_at TEXT NOT NULL,         -- the latest created_at in the batch: pruned after it
    count     INTEGER NOT NULL,
    packed    BLOB NOT NULL          -- a JSON array of changes, packed (kiosk/retention.py)
);

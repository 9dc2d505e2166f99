-- Satisfaction survey (SKM, PermenPAN-RB 14/2017): nine elements on a 1-4 scale.

CREATE TABLE ratings (
    id          TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    day         TEXT NOT NULL,                    -- local day of the rating
    ticket_id   TEXT NOT NULL UNIQUE REFERENCES tickets(id),   -- the first ticket of the visit
    visit_id    TEXT UNIQUE REFERENCES visits(id),             -- one rating per visit
    service     TEXT NOT NULL,
    u1 INTEGER NOT NULL CHECK (u1 BETWEEN 1 AND 4),
    u2 INTEGER NOT NULL CHECK (u2 BETWEEN 1 AND 4),
    u3 INTEGER NOT NULL CHECK (u3 BETWEEN 1 AND 4),
    u4 INTEGER NOT NULL CHECK (u4 BETWEEN 1 AND 4),
    u5 INTEGER NOT NULL CHECK (u5 BETWEEN 1 AND 4),
    u6 INTEGER NOT NULL CHECK (u6 BETWEEN 1 AND 4),
    u7 INTEGER NOT NULL CHECK (u7 BETWEEN 1 AND 4),
    u8 INTEGER NOT NULL CHECK (u8 BETWEEN 1 AND 4),
    u9 INTEGER NOT NULL CHECK (u9 BETWEEN 1 AND 4),
    comment     TEXT
);
CREATE INDEX ratings_day ON ratings(day, service, u1, u2, u3, u4, u5, u6, u7, u8, u9);

-- Durations fixed when they happen (first call, finish), so reports over a year need not
-- parse 200k timestamps; seconds.
ALTER TABLE tickets ADD COLUMN wait_seconds REAL;
ALTER TABLE tickets ADD COLUMN service_seconds REAL;
UPDATE tickets SET wait_seconds = (julianday(called_at) - julianday(queued_at)) * 86400.0
 WHERE called_at IS NOT NULL;
UPDATE tickets SET service_seconds = (julianday(finished_at) - julianday(started_at)) * 86400.0
 WHERE finished_at IS NOT NULL AND started_at IS NOT NULL;

-- Reports read these without touching the tables (covering indexes).
CREATE INDEX visits_report ON visits(day, service, segment, purpose, education, gender);
DROP INDEX tickets_day;
CREATE INDEX tickets_day ON tickets(day, service, status, transferred_from);
-- In duration order: a percentile walks the index to its rank instead of sorting.
CREATE INDEX tickets_wait ON tickets(wait_seconds, day) WHERE wait_seconds IS NOT NULL;
CREATE INDEX tickets_service ON tickets(service_seconds, day) WHERE service_seconds IS NOT NULL;

-- Every print job records the printer it is for, and "printed" means confirmed.
-- New states: 'sent' (delivered to a connection that cannot answer: file:, cups:, status
-- checks off; never printed again by itself) and 'held' (never printed by itself: made
-- where no printer was configured, or a test page that failed). The lease records its
-- holder (boot id / pid / process start), so a dead holder's job is taken at once.
CREATE TABLE print_jobs_new (
    id              TEXT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    ref_id          TEXT,
    label           TEXT NOT NULL,
    is_copy         INTEGER NOT NULL DEFAULT 0,
    document        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'printing', 'printed', 'sent', 'failed', 'held')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    expires_at      TEXT,
    printed_at      TEXT,
    printer         TEXT NOT NULL DEFAULT 'default',  -- a configured printer's name, or a URL
    lease_owner     TEXT
);
INSERT INTO print_jobs_new(id, created_at, terminal_id, kind, ref_id, label, is_copy, document,
                           status, attempts, last_error, next_attempt_at, lease_until, expires_at,
                           printed_at)
    SELECT id, created_at, terminal_id, kind, ref_id, label, is_copy, document,
           -- jobs that failed for want of a printer, and failed test pages, print no more by themselves
           CASE WHEN status = 'failed' AND (kind = 'test' OR last_error LIKE 'none%') THEN 'held' ELSE status END,
           attempts, last_error, next_attempt_at, lease_until, expires_at, printed_at
    FROM print_jobs;
DROP TABLE print_jobs;
ALTER TABLE print_jobs_new RENAME TO print_jobs;
CREATE INDEX print_jobs_due ON print_jobs(status, next_attempt_at);
CREATE INDEX print_jobs_ref ON print_jobs(ref_id);

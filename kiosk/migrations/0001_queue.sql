-- Store foundation: settings, the outbox, queue tickets, the print spool.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The outbox: one row per mutation, written in the same transaction as the mutation.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    entity      TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    op          TEXT NOT NULL,
    payload     TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX changes_entity ON changes(entity, entity_id);

CREATE TABLE tickets (
    id               TEXT PRIMARY KEY,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    terminal_id      TEXT NOT NULL,
    day              TEXT NOT NULL,              -- local date of issue, office time zone
    service          TEXT NOT NULL,              -- service code, e.g. 'penjualan'
    letter           TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    number           TEXT NOT NULL,              -- 'B-007'
    priority         INTEGER NOT NULL DEFAULT 0 CHECK (priority IN (0, 1)),
    status           TEXT NOT NULL CHECK (status IN
                       ('waiting', 'called', 'serving', 'done', 'no_show', 'transferred')),
    counter          INTEGER,
    issued_at        TEXT NOT NULL,
    queued_at        TEXT NOT NULL,              -- order within the queue
    called_at        TEXT,
    last_called_at   TEXT,
    recalls          INTEGER NOT NULL DEFAULT 0,
    started_at       TEXT,
    finished_at      TEXT,
    no_show_at       TEXT,
    transferred_at   TEXT,
    transferred_from TEXT REFERENCES tickets(id),
    transferred_to   TEXT REFERENCES tickets(id)
);
-- A number is issued once per letter and day; a transfer reuses it in a new row.
CREATE UNIQUE INDEX tickets_number ON tickets(day, letter, seq) WHERE transferred_from IS NULL;
CREATE INDEX tickets_queue ON tickets(status, priority, queued_at) WHERE status = 'waiting';
CREATE INDEX tickets_day ON tickets(day, service, status);
CREATE INDEX tickets_counter ON tickets(counter, status) WHERE status IN ('called', 'serving');
CREATE INDEX tickets_called ON tickets(last_called_at) WHERE last_called_at IS NOT NULL;

-- The print spool: documents waiting for, or done with, a printer. Local to the terminal.
CREATE TABLE print_jobs (
    id              TEXT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    kind            TEXT NOT NULL,               -- 'ticket', 'test', later 'slip', 'invoice', ...
    ref_id          TEXT,                        -- the record printed
    label           TEXT NOT NULL,               -- what the officer sees: 'B-007'
    is_copy         INTEGER NOT NULL DEFAULT 0,  -- a reprint
    document        TEXT NOT NULL,               -- the device-independent document, JSON
    status          TEXT NOT NULL CHECK (status IN ('queued', 'printing', 'printed', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    expires_at      TEXT,                        -- after this the spooler stops retrying
    printed_at      TEXT
);
CREATE INDEX print_jobs_due ON print_jobs(status, next_attempt_at);
CREATE INDEX print_jobs_ref ON print_jobs(ref_id);

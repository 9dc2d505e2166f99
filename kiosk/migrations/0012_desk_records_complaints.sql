-- The desk's own records (issue 15): what each served visitor came for, the complaints
-- and suggestions register, and the wait under the service standard as the seeds word it.

-- "Dilayani maksimal 10 menit sejak tamu pada antrian sebelumnya selesai": the wait under
-- the standard runs from ``standard_from`` (the later of the ticket's entry into its queue
-- and the finish of the visitor before it) to the first call. Set at the first call.
ALTER TABLE tickets ADD COLUMN standard_from TEXT;
ALTER TABLE tickets ADD COLUMN standard_wait_seconds REAL;
CREATE INDEX tickets_standard_wait ON tickets(standard_wait_seconds, day) WHERE standard_wait_seconds IS NOT NULL;
-- The share within the standard (both waits) read from the index alone, by day range.
CREATE INDEX tickets_waits ON tickets(day, wait_seconds, standard_wait_seconds) WHERE wait_seconds IS NOT NULL;
-- Where the previous visitor of a counter or a service is looked up.
CREATE INDEX tickets_counter_day ON tickets(day, counter) WHERE counter IS NOT NULL;

-- One record per served ticket, filled at the counter, editable until the end of its day.
CREATE TABLE service_records (
    id               TEXT PRIMARY KEY,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    terminal_id      TEXT NOT NULL,
    ticket_id        TEXT NOT NULL UNIQUE REFERENCES tickets(id),
    visit_id         TEXT REFERENCES visits(id),
    day              TEXT NOT NULL,               -- local date of the ticket
    service          TEXT NOT NULL,
    subject          TEXT,                        -- code from data/subjects.toml
    indicator        TEXT,
    region_level     TEXT,
    period           TEXT,
    outcome          TEXT CHECK (outcome IS NULL OR outcome IN
                       ('answered', 'found', 'referred_sale', 'referred_online', 'not_available')),
    source           TEXT,                        -- the publication or table where it was found
    note             TEXT,
    publications     TEXT NOT NULL DEFAULT '[]',  -- JSON: [{"title": ..., "medium": "printed"|"digital"}]
    agency           TEXT,
    activity         TEXT,
    stage            TEXT,
    reference_number TEXT,
    order_id         TEXT REFERENCES orders(id),
    officer          TEXT                         -- username of who last saved it
);
-- The reports read these from indexes alone: by service, subject and outcome; the unmet
-- needs; the library's publications; the finished tickets with no record.
CREATE INDEX service_records_day ON service_records(day, service, subject, outcome);
CREATE INDEX service_records_unmet ON service_records(day) WHERE outcome = 'not_available';
CREATE INDEX service_records_publications ON service_records(day) WHERE publications != '[]';
CREATE INDEX tickets_done ON tickets(day, status, id) WHERE status = 'done';

-- The complaints and suggestions register (kotak saran, LAPOR!, email, WhatsApp, phone).
CREATE TABLE complaints (
    id             TEXT PRIMARY KEY,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    terminal_id    TEXT NOT NULL,
    number         TEXT NOT NULL UNIQUE,          -- ADU/1373/2026/0001
    year           INTEGER NOT NULL,
    seq            INTEGER NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('kiosk', 'box', 'lapor', 'email', 'whatsapp', 'phone')),
    kind           TEXT NOT NULL CHECK (kind IN ('complaint', 'suggestion')),
    status         TEXT NOT NULL CHECK (status IN ('received', 'in_follow_up', 'answered', 'closed')),
    received_at    TEXT NOT NULL,
    due_date       TEXT NOT NULL,                 -- local date, from the office's working days
    answered_at    TEXT,
    closed_at      TEXT,
    text           TEXT NOT NULL,
    contact        TEXT,                          -- as given; never leaves the office
    contact_masked TEXT,
    recorded_by    TEXT                           -- the officer who recorded it (NULL: the kiosk)
);
CREATE UNIQUE INDEX complaints_seq ON complaints(year, seq);
CREATE INDEX complaints_open ON complaints(status, due_date);

CREATE TABLE complaint_responses (
    id           TEXT PRIMARY KEY,
    complaint_id TEXT NOT NULL REFERENCES complaints(id),
    at           TEXT NOT NULL,
    by           TEXT,
    text         TEXT NOT NULL,
    status       TEXT NOT NULL,                   -- the state the complaint moved to
    terminal_id  TEXT NOT NULL
);
CREATE INDEX complaint_responses_complaint ON complaint_responses(complaint_id, at);

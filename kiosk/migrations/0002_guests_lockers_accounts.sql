-- Guestbook, lockers, officer accounts and the audit trail.

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    username        TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('petugas', 'bendahara', 'admin')),
    pin_hash        TEXT NOT NULL,               -- argon2id
    active          INTEGER NOT NULL DEFAULT 1,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TEXT
);

CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    at          TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    user_id     TEXT REFERENCES users(id),
    username    TEXT,                            -- kept even if the account changes
    action      TEXT NOT NULL,                   -- 'login', 'ticket.call', 'locker.assign', ...
    entity      TEXT,
    entity_id   TEXT,
    detail      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_user ON audit(user_id, at);

CREATE TABLE guests (
    id              TEXT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    name            TEXT NOT NULL,
    id_type         TEXT NOT NULL CHECK (id_type IN ('ktp', 'sim', 'passport', 'other')),
    id_number       TEXT NOT NULL,               -- full number: shown only at locker return
    id_masked       TEXT NOT NULL,
    id_country      TEXT,                        -- issuing country of a passport
    email           TEXT NOT NULL,               -- lower case
    phone           TEXT,                        -- E.164
    institution     TEXT,
    segment         TEXT NOT NULL,
    npwp            TEXT,
    gender          TEXT,
    education       TEXT,
    disability      INTEGER NOT NULL DEFAULT 0,
    consent_version TEXT,
    consent_at      TEXT,
    anonymised_at   TEXT
);
CREATE INDEX guests_id_number ON guests(id_number) WHERE anonymised_at IS NULL;
CREATE INDEX guests_email ON guests(email) WHERE anonymised_at IS NULL;

CREATE TABLE visits (
    id              TEXT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    day             TEXT NOT NULL,
    guest_id        TEXT NOT NULL REFERENCES guests(id),
    ticket_id       TEXT REFERENCES tickets(id),
    service         TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    segment         TEXT NOT NULL,               -- as of this visit, for reports
    education       TEXT,
    gender          TEXT,
    disability      INTEGER NOT NULL DEFAULT 0,
    consent_version TEXT NOT NULL,
    is_returning    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX visits_day ON visits(day);
CREATE INDEX visits_guest ON visits(guest_id);
CREATE INDEX visits_ticket ON visits(ticket_id);

CREATE TABLE lockers (
    id           TEXT PRIMARY KEY,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    locker_no    INTEGER NOT NULL,
    guest_id     TEXT REFERENCES guests(id),
    visit_id     TEXT REFERENCES visits(id),
    holder_name  TEXT NOT NULL,
    id_type      TEXT NOT NULL,
    id_number    TEXT NOT NULL,
    id_masked    TEXT NOT NULL,
    assigned_at  TEXT NOT NULL,
    assigned_by  TEXT REFERENCES users(id),
    returned_at  TEXT,
    returned_by  TEXT REFERENCES users(id)
);
-- A locker is never given twice; one ID never holds two lockers.
CREATE UNIQUE INDEX lockers_open_no ON lockers(locker_no) WHERE returned_at IS NULL;
CREATE UNIQUE INDEX lockers_open_card ON lockers(id_type, id_number) WHERE returned_at IS NULL;
CREATE INDEX lockers_day ON lockers(assigned_at);

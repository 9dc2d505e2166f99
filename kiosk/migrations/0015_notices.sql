-- A message by WhatsApp or SMS when a visitor's turn nears (kiosk/notices.py). Local only:
-- the phone number and the consent stay in the office (not in the outbox).

CREATE TABLE notices (
    id              TEXT PRIMARY KEY,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    terminal_id     TEXT NOT NULL,
    ticket_id       TEXT NOT NULL REFERENCES tickets(id),
    day             TEXT NOT NULL,                -- the ticket's local day
    phone           TEXT NOT NULL,                -- E.164, from the guestbook
    consent_at      TEXT NOT NULL,                -- when the visitor asked for it at the kiosk
    consent_version TEXT NOT NULL,                -- the privacy notice's version then
    status          TEXT NOT NULL CHECK (status IN
                      ('waiting', 'sending', 'sent', 'failed', 'unknown', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    claimed_at      TEXT,                         -- 'sending' since
    sent_at         TEXT,
    last_error      TEXT
);
CREATE UNIQUE INDEX notices_ticket ON notices(ticket_id);
CREATE INDEX notices_open ON notices(day, status) WHERE status IN ('waiting', 'sending');

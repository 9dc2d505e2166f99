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
CREATE INDEX ratings_day ON ratings(day, service);

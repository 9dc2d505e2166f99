-- Walk-in sales of statistical products: orders, lines, invoices, payments, receipts,
-- corrections (seeds 001-004).

CREATE TABLE orders (
    id               TEXT PRIMARY KEY,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    terminal_id      TEXT NOT NULL,
    number           TEXT NOT NULL UNIQUE,        -- 'ORD/1373/2026/0001'
    year             INTEGER NOT NULL,
    seq              INTEGER NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('draft', 'agreed', 'checked', 'invoiced',
                       'paid', 'receipted', 'delivered', 'referred', 'cancelled')),
    guest_id         TEXT REFERENCES guests(id),
    visit_id         TEXT REFERENCES visits(id),
    ticket_id        TEXT REFERENCES tickets(id),
    customer_name    TEXT NOT NULL,
    segment          TEXT NOT NULL,
    npwp             TEXT,
    abroad           INTEGER NOT NULL DEFAULT 0,   -- customer domiciled abroad: pays by transfer
    regulation       TEXT NOT NULL,
    zero_basis       TEXT,                         -- Rp0 sale: the basis code
    agreed_at        TEXT,
    checked_at       TEXT,
    request_letter   INTEGER NOT NULL DEFAULT 0,   -- Rp0 sales: letter seen
    abstraksi        INTEGER NOT NULL DEFAULT 0,   -- statement of data use received
    sample_note      TEXT,                         -- sample data shown (microdata)
    prepared_at      TEXT,
    sppd_signed_at   TEXT,
    meterai          INTEGER NOT NULL DEFAULT 0,
    delivered_at     TEXT,
    medium           TEXT,
    referred_at      TEXT,
    cancelled_at     TEXT,
    cancel_reason    TEXT,
    created_by       TEXT REFERENCES users(id)
);
CREATE UNIQUE INDEX orders_seq ON orders(year, seq);
CREATE INDEX orders_status ON orders(status, updated_at);
CREATE INDEX orders_recent ON orders(updated_at, id);
CREATE INDEX orders_guest ON orders(guest_id);

CREATE TABLE order_lines (
    id           TEXT PRIMARY KEY,
    created_at   TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    order_id     TEXT NOT NULL REFERENCES orders(id),
    product      TEXT NOT NULL,
    description  TEXT NOT NULL,
    quantity     INTEGER NOT NULL CHECK (quantity > 0),
    measure      INTEGER,
    listed_price INTEGER,
    amount       INTEGER NOT NULL CHECK (amount >= 0),
    removed_at   TEXT
);
CREATE INDEX order_lines_order ON order_lines(order_id);

CREATE TABLE invoices (
    id           TEXT PRIMARY KEY,
    created_at   TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    order_id     TEXT NOT NULL REFERENCES orders(id),
    number       TEXT NOT NULL,                   -- 'INV/1373/2026/0001', same for every version
    version      INTEGER NOT NULL,
    total        INTEGER NOT NULL CHECK (total >= 0),
    lines        TEXT NOT NULL,                   -- the lines as invoiced, JSON
    issued_at    TEXT NOT NULL,
    valid_until  TEXT NOT NULL,
    voided_at    TEXT,
    void_reason  TEXT,
    issued_by    TEXT REFERENCES users(id)
);
CREATE UNIQUE INDEX invoices_version ON invoices(order_id, version);
CREATE UNIQUE INDEX invoices_active ON invoices(order_id) WHERE voided_at IS NULL;

CREATE TABLE payments (
    id            TEXT PRIMARY KEY,
    created_at    TEXT NOT NULL,
    terminal_id   TEXT NOT NULL,
    order_id      TEXT NOT NULL REFERENCES orders(id),
    invoice_id    TEXT NOT NULL REFERENCES invoices(id),
    method        TEXT NOT NULL CHECK (method IN ('cash', 'billing', 'transfer')),
    amount        INTEGER NOT NULL CHECK (amount > 0),
    billing_code  TEXT,
    ntpn          TEXT,
    proof         TEXT,
    status        TEXT NOT NULL CHECK (status IN ('submitted', 'verified', 'rejected')),
    submitted_by  TEXT REFERENCES users(id),
    verified_at   TEXT,
    verified_by   TEXT REFERENCES users(id),
    reject_reason TEXT
);
CREATE INDEX payments_order ON payments(order_id);

CREATE TABLE receipts (
    id          TEXT PRIMARY KEY,
    created_at  TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    order_id    TEXT NOT NULL UNIQUE REFERENCES orders(id),
    payment_id  TEXT NOT NULL UNIQUE REFERENCES payments(id),
    number      TEXT NOT NULL UNIQUE,            -- '0001/KW/1373/2026'
    year        INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    terbilang   TEXT NOT NULL,
    issued_at   TEXT NOT NULL,
    issued_by   TEXT REFERENCES users(id)
);
CREATE UNIQUE INDEX receipts_seq ON receipts(year, seq);

CREATE TABLE corrections (
    id           TEXT PRIMARY KEY,
    created_at   TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    order_id     TEXT NOT NULL REFERENCES orders(id),
    note         TEXT NOT NULL,
    requested_by TEXT REFERENCES users(id),
    resolved_at  TEXT,
    resolution   TEXT,
    resolved_by  TEXT REFERENCES users(id)
);
CREATE INDEX corrections_order ON corrections(order_id);

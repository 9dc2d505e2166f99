-- The central store: every office's records, one schema, offices as rows.
-- Row-level security keeps each office's role to its own rows.

CREATE TABLE pst.settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO pst.settings(key, value) VALUES ('role_prefix', 'pst_office_')
    ON CONFLICT (key) DO NOTHING;

-- The office a connection belongs to, from its role name (pst_office_1373 -> 1373).
CREATE FUNCTION pst.current_office() RETURNS text
    LANGUAGE sql STABLE SET search_path = pst, pg_temp AS $$
    SELECT CASE WHEN current_user LIKE (SELECT value FROM pst.settings WHERE key = 'role_prefix') || '%'
                THEN substr(current_user::text, length((SELECT value FROM pst.settings WHERE key = 'role_prefix')) + 1)
           END
$$;

CREATE TABLE pst.offices (
    code       text PRIMARY KEY,
    name       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Every change of every terminal, exactly once.
CREATE TABLE pst.changes (
    office_code text NOT NULL,
    change_id   text NOT NULL,
    terminal_id text NOT NULL,
    seq         bigint NOT NULL,
    entity      text NOT NULL,
    entity_id   text NOT NULL,
    op          text NOT NULL,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (office_code, change_id)
);
CREATE UNIQUE INDEX changes_terminal_seq ON pst.changes(office_code, terminal_id, seq);
CREATE INDEX changes_entity ON pst.changes(office_code, entity, entity_id);

-- The latest state of each record, kept by the push.
CREATE TABLE pst.tickets  (office_code text NOT NULL, id text NOT NULL, data jsonb NOT NULL, change_id text NOT NULL, changed_at timestamptz NOT NULL, PRIMARY KEY (office_code, id));
CREATE TABLE pst.visits   (LIKE pst.tickets INCLUDING ALL);
CREATE TABLE pst.guests   (LIKE pst.tickets INCLUDING ALL);
CREATE TABLE pst.lockers  (LIKE pst.tickets INCLUDING ALL);
CREATE TABLE pst.orders   (LIKE pst.tickets INCLUDING ALL);
CREATE TABLE pst.invoices (LIKE pst.tickets INCLUDING ALL);
CREATE TABLE pst.payments (LIKE pst.tickets INCLUDING ALL);
CREATE TABLE pst.receipts (LIKE pst.tickets INCLUDING ALL);
CREATE TABLE pst.ratings  (LIKE pst.tickets INCLUDING ALL);
CREATE TABLE pst.audit    (LIKE pst.tickets INCLUDING ALL);
CREATE TABLE pst.users    (LIKE pst.tickets INCLUDING ALL);

-- Reference data the centre publishes: catalogue, holidays, officer accounts.
-- Readers follow (tx, id) and read only below the oldest running transaction, so a
-- row committed late never slips behind their cursor.
CREATE TABLE pst.reference (
    id           bigserial PRIMARY KEY,
    tx           xid8 NOT NULL DEFAULT pg_current_xact_id(),
    kind         text NOT NULL CHECK (kind IN ('catalogue', 'holidays', 'officers')),
    office_code  text,                      -- NULL: for every office
    payload      jsonb NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reference_cursor ON pst.reference(tx, id);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['changes', 'tickets', 'visits', 'guests', 'lockers', 'orders', 'invoices',
                             'payments', 'receipts', 'ratings', 'audit', 'users'] LOOP
        EXECUTE format('ALTER TABLE pst.%I ENABLE ROW LEVEL SECURITY', t);
        -- (SELECT ...) is evaluated once per statement, not once per row.
        EXECUTE format('CREATE POLICY own_office ON pst.%I USING (office_code = (SELECT pst.current_office()))'
                       ' WITH CHECK (office_code = (SELECT pst.current_office()))', t);
    END LOOP;
END $$;
ALTER TABLE pst.reference ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_or_all ON pst.reference FOR SELECT
    USING (office_code IS NULL OR office_code = (SELECT pst.current_office()));
ALTER TABLE pst.offices ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_office ON pst.offices FOR SELECT USING (code = (SELECT pst.current_office()));

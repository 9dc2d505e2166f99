-- Readers: the province and national people who compare offices, and the reading model
-- their reports run on.
--
-- The figures a report filters and groups on are typed columns generated from each
-- record's jsonb (so the push writes nothing new and cannot get them wrong), with indexes
-- on (day, office). A reader is granted SELECT on those columns only, never on ``data``
-- (which holds names, ID numbers, contacts, complaint text): column privileges are the
-- privacy boundary, and row-level security (a policy per table, below) keeps a province
-- reader to its offices. The ``pst.r_*`` views are ``security_invoker``: they run with the
-- reader's own rights, so both checks apply to whoever reads through them.

-- Who reads what: a province reader sees the offices whose code starts with its
-- province's two digits; a national reader (province NULL) sees every office.
CREATE TABLE pst.readers (
    role       text PRIMARY KEY,
    province   text CHECK (province ~ '^[0-9]{2}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE pst.readers ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_row ON pst.readers FOR SELECT USING (role = current_user);
-- Every role evaluates the readers' policies (they are OR-ed with the offices' own), so
-- every role may look up its own row, and only its own.
GRANT SELECT ON pst.readers TO PUBLIC;

-- The office-code prefix this connection reads: '13' for a province reader, '' for a
-- national one, NULL for anyone else (an office's role, the owner).
CREATE FUNCTION pst.reader_prefix() RETURNS text
    LANGUAGE sql STABLE SET search_path = pst, pg_temp AS $$
    SELECT COALESCE(province, '') FROM pst.readers WHERE role = current_user
$$;

-- Times in payloads always carry their offset ("...Z" or "+00:00"), so reading them does
-- not depend on the session's TimeZone: immutable for our data, as generated columns need.
CREATE FUNCTION pst.utc(text) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT $1::timestamptz
$$;

-- What an office tells the centre once: its time zone (days and receipts are local) and
-- its service standard (10 minutes, 5 in some offices).
ALTER TABLE pst.offices ADD COLUMN tz text NOT NULL DEFAULT 'Asia/Jakarta',
                        ADD COLUMN standard_minutes int NOT NULL DEFAULT 10 CHECK (standard_minutes > 0);

-- The desk's service records and complaints (migration 0004 makes them) when this centre has
-- not got them yet: the same shape, the same row-level security as the other latest-state
-- tables. Their typed columns below are added only if 0004 did not make them already.
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['service_records', 'complaints'] LOOP
        IF to_regclass('pst.' || t) IS NULL THEN
            EXECUTE format('CREATE TABLE pst.%I (LIKE pst.tickets INCLUDING ALL)', t);
            EXECUTE format('ALTER TABLE pst.%I ENABLE ROW LEVEL SECURITY', t);
            EXECUTE format('CREATE POLICY own_office ON pst.%I USING (office_code = (SELECT pst.current_office()))'
                           ' WITH CHECK (office_code = (SELECT pst.current_office()))', t);
        END IF;
    END LOOP;
END $$;

-- The reading model: typed columns, generated from data.
ALTER TABLE pst.tickets
    ADD COLUMN day text GENERATED ALWAYS AS (data ->> 'day') STORED,
    ADD COLUMN service text GENERATED ALWAYS AS (data ->> 'service') STORED,
    ADD COLUMN status text GENERATED ALWAYS AS (data ->> 'status') STORED,
    ADD COLUMN first_ticket boolean GENERATED ALWAYS AS (data -> 'transferred_from' IS NULL
                                                         OR data -> 'transferred_from' = 'null') STORED,
    -- The wait under the standard when the office sends it, else queued -> first call.
    ADD COLUMN wait_seconds float8 GENERATED ALWAYS AS (COALESCE((data ->> 'standard_wait_seconds')::float8,
                                                                 (data ->> 'wait_seconds')::float8)) STORED,
    ADD COLUMN service_seconds float8 GENERATED ALWAYS AS ((data ->> 'service_seconds')::float8) STORED,
    ADD COLUMN queued_at timestamptz GENERATED ALWAYS AS (pst.utc(data ->> 'queued_at')) STORED,
    ADD COLUMN called boolean GENERATED ALWAYS AS (data ->> 'called_at' IS NOT NULL) STORED;
-- A report reads an office's days from the index alone (an index-only scan): everything it
-- counts is included; the few tickets still waiting have an index of their own.
CREATE INDEX tickets_office_day ON pst.tickets(office_code, day) INCLUDE (service, status, first_ticket, wait_seconds);
CREATE INDEX tickets_waiting ON pst.tickets(office_code, day) INCLUDE (called, queued_at) WHERE status = 'waiting';

ALTER TABLE pst.visits
    ADD COLUMN day text GENERATED ALWAYS AS (data ->> 'day') STORED,
    ADD COLUMN service text GENERATED ALWAYS AS (data ->> 'service') STORED,
    ADD COLUMN segment text GENERATED ALWAYS AS (data ->> 'segment') STORED,
    ADD COLUMN purpose text GENERATED ALWAYS AS (data ->> 'purpose') STORED;
CREATE INDEX visits_office_day ON pst.visits(office_code, day) INCLUDE (service);

ALTER TABLE pst.ratings
    ADD COLUMN day text GENERATED ALWAYS AS (data ->> 'day') STORED,
    ADD COLUMN service text GENERATED ALWAYS AS (data ->> 'service') STORED,
    ADD COLUMN u1 smallint GENERATED ALWAYS AS ((data ->> 'u1')::smallint) STORED,
    ADD COLUMN u2 smallint GENERATED ALWAYS AS ((data ->> 'u2')::smallint) STORED,
    ADD COLUMN u3 smallint GENERATED ALWAYS AS ((data ->> 'u3')::smallint) STORED,
    ADD COLUMN u4 smallint GENERATED ALWAYS AS ((data ->> 'u4')::smallint) STORED,
    ADD COLUMN u5 smallint GENERATED ALWAYS AS ((data ->> 'u5')::smallint) STORED,
    ADD COLUMN u6 smallint GENERATED ALWAYS AS ((data ->> 'u6')::smallint) STORED,
    ADD COLUMN u7 smallint GENERATED ALWAYS AS ((data ->> 'u7')::smallint) STORED,
    ADD COLUMN u8 smallint GENERATED ALWAYS AS ((data ->> 'u8')::smallint) STORED,
    ADD COLUMN u9 smallint GENERATED ALWAYS AS ((data ->> 'u9')::smallint) STORED;
CREATE INDEX ratings_office_day ON pst.ratings(office_code, day) INCLUDE (u1, u2, u3, u4, u5, u6, u7, u8, u9);

-- An order's receipt (one per order) and the verified payment it was issued for; the lines
-- travel as figures only: the product codes and the amounts, in the same order.
ALTER TABLE pst.orders
    ADD COLUMN status text GENERATED ALWAYS AS (data ->> 'status') STORED,
    ADD COLUMN receipt_at timestamptz GENERATED ALWAYS AS (pst.utc(data -> 'receipt' ->> 'issued_at')) STORED,
    ADD COLUMN receipt_amount bigint GENERATED ALWAYS AS ((data -> 'receipt' ->> 'amount')::bigint) STORED,
    ADD COLUMN method text GENERATED ALWAYS AS (
        jsonb_path_query_first(data, '$.payments[*] ? (@.status == "verified").method') #>> '{}') STORED,
    ADD COLUMN line_products jsonb GENERATED ALWAYS AS (jsonb_path_query_array(data, '$.lines[*].product')) STORED,
    ADD COLUMN line_amounts jsonb GENERATED ALWAYS AS (jsonb_path_query_array(data, '$.lines[*].amount')) STORED;
CREATE INDEX orders_receipt ON pst.orders(office_code, receipt_at) WHERE receipt_at IS NOT NULL;

ALTER TABLE pst.service_records
    ADD COLUMN IF NOT EXISTS day text GENERATED ALWAYS AS (data ->> 'day') STORED,
    ADD COLUMN IF NOT EXISTS service text GENERATED ALWAYS AS (data ->> 'service') STORED,
    ADD COLUMN IF NOT EXISTS outcome text GENERATED ALWAYS AS (data ->> 'outcome') STORED,
    ADD COLUMN IF NOT EXISTS subject text GENERATED ALWAYS AS (data ->> 'subject') STORED,
    ADD COLUMN IF NOT EXISTS indicator text GENERATED ALWAYS AS (data ->> 'indicator') STORED,
    ADD COLUMN IF NOT EXISTS region_level text GENERATED ALWAYS AS (data ->> 'region_level') STORED,
    ADD COLUMN IF NOT EXISTS period text GENERATED ALWAYS AS (data ->> 'period') STORED;
CREATE INDEX IF NOT EXISTS service_records_office_day ON pst.service_records(office_code, day);

ALTER TABLE pst.complaints
    ADD COLUMN IF NOT EXISTS kind text GENERATED ALWAYS AS (data ->> 'kind') STORED,
    ADD COLUMN IF NOT EXISTS channel text GENERATED ALWAYS AS (data ->> 'channel') STORED,
    ADD COLUMN IF NOT EXISTS status text GENERATED ALWAYS AS (data ->> 'status') STORED,
    ADD COLUMN IF NOT EXISTS received_at timestamptz GENERATED ALWAYS AS (pst.utc(data ->> 'received_at')) STORED,
    ADD COLUMN IF NOT EXISTS due_date text GENERATED ALWAYS AS (data ->> 'due_date') STORED,
    ADD COLUMN IF NOT EXISTS answered_at timestamptz GENERATED ALWAYS AS (
        pst.utc(COALESCE(data ->> 'answered_at', data ->> 'closed_at'))) STORED;
CREATE INDEX IF NOT EXISTS complaints_office_received ON pst.complaints(office_code, received_at);

-- The time of each office's last sync: the newest change it sent, found by index.
CREATE INDEX changes_received ON pst.changes(office_code, received_at);

-- Readers' row-level security: OR-ed with the offices' own policies, so an office still
-- sees only its rows, and a reader only its province's (or all, nationally).
DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['tickets', 'visits', 'ratings', 'orders', 'service_records', 'complaints', 'changes'] LOOP
        EXECUTE format('CREATE POLICY reader ON pst.%I FOR SELECT'
                       ' USING (office_code LIKE (SELECT pst.reader_prefix()) || ''%%'')', t);
    END LOOP;
END $$;
CREATE POLICY reader ON pst.offices FOR SELECT USING (code LIKE (SELECT pst.reader_prefix()) || '%');

-- The views made for reading: figures and codes, nothing about a person.
CREATE VIEW pst.r_offices WITH (security_invoker = true) AS
    SELECT code AS office_code, name, tz, standard_minutes FROM pst.offices;
CREATE VIEW pst.r_tickets WITH (security_invoker = true) AS
    SELECT office_code, id, day, service, status, first_ticket, wait_seconds, service_seconds, queued_at, called
      FROM pst.tickets;
CREATE VIEW pst.r_visits WITH (security_invoker = true) AS
    SELECT office_code, id, day, service, segment, purpose FROM pst.visits;
CREATE VIEW pst.r_ratings WITH (security_invoker = true) AS
    SELECT office_code, id, day, service, u1, u2, u3, u4, u5, u6, u7, u8, u9 FROM pst.ratings;
CREATE VIEW pst.r_sales WITH (security_invoker = true) AS
    SELECT office_code, id, status, receipt_at, receipt_amount, method, line_products, line_amounts FROM pst.orders;
CREATE VIEW pst.r_service_records WITH (security_invoker = true) AS
    SELECT office_code, id, day, service, outcome, subject, indicator, region_level, period FROM pst.service_records;
CREATE VIEW pst.r_complaints WITH (security_invoker = true) AS
    SELECT office_code, id, kind, channel, status, received_at, due_date, answered_at FROM pst.complaints;
CREATE VIEW pst.r_sync WITH (security_invoker = true) AS
    SELECT o.code AS office_code,
           (SELECT max(c.received_at) FROM pst.changes c WHERE c.office_code = o.code) AS last_sync
      FROM pst.offices o;

-- What a reader may select: the views, and below them only the typed columns.
CREATE FUNCTION pst.grant_reader(reader text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA pst TO %I', reader);
    EXECUTE format('GRANT EXECUTE ON FUNCTION pst.reader_prefix(), pst.current_office() TO %I', reader);
    EXECUTE format('GRANT SELECT ON pst.r_offices, pst.r_tickets, pst.r_visits, pst.r_ratings, pst.r_sales,'
                   ' pst.r_service_records, pst.r_complaints, pst.r_sync TO %I', reader);
    EXECUTE format('GRANT SELECT ON pst.settings TO %I', reader);  -- the offices' role prefix, for current_office()
    EXECUTE format('GRANT SELECT (code, name, tz, standard_minutes) ON pst.offices TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, day, service, status, first_ticket, wait_seconds,'
                   ' service_seconds, queued_at, called) ON pst.tickets TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, day, service, segment, purpose) ON pst.visits TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, day, service, u1, u2, u3, u4, u5, u6, u7, u8, u9)'
                   ' ON pst.ratings TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, status, receipt_at, receipt_amount, method, line_products, line_amounts)'
                   ' ON pst.orders TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, day, service, outcome, subject, indicator, region_level, period)'
                   ' ON pst.service_records TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, kind, channel, status, received_at, due_date, answered_at)'
                   ' ON pst.complaints TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, received_at) ON pst.changes TO %I', reader);
END $$;
REVOKE ALL ON FUNCTION pst.grant_reader(text) FROM PUBLIC;

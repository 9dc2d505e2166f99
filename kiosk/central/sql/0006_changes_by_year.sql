-- pst.changes, the append-only copy of every office's outbox, is the centre's biggest table
-- (every version of every record: some hundreds of MB per office-year). It becomes a table
-- partitioned by the change's time, one partition a year: a year's history is detached,
-- archived or dropped whole (DETACH PARTITION, no DELETE and no vacuum of a giant table),
-- and a query bounded in time reads only its years (partition pruning).
--
-- A partitioned table's unique keys hold its partition key: the change id is unique with its
-- time. A change sent again carries the same time, so the push's ON CONFLICT DO NOTHING still
-- skips it. Row-level security, the offices' grants (SELECT, INSERT only), the readers'
-- column grants and the anonymisation triggers (migration 0003) are set again on the new table.

DROP VIEW pst.r_sync;
ALTER TABLE pst.changes RENAME TO changes_before_0006;

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
    received_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (created_at);

DO $$
DECLARE y int;
BEGIN
    FOR y IN 2020..2040 LOOP
        EXECUTE format('CREATE TABLE pst.changes_%s PARTITION OF pst.changes'
                       ' FOR VALUES FROM (%L) TO (%L)', y, make_date(y, 1, 1), make_date(y + 1, 1, 1));
    END LOOP;
END $$;
-- A clock far off (before 2020, after 2040) still lands somewhere.
CREATE TABLE pst.changes_other PARTITION OF pst.changes DEFAULT;

INSERT INTO pst.changes SELECT office_code, change_id, terminal_id, seq, entity, entity_id, op, payload,
                               created_at, received_at FROM pst.changes_before_0006;
DROP TABLE pst.changes_before_0006;

ALTER TABLE pst.changes ADD PRIMARY KEY (office_code, change_id, created_at);
CREATE UNIQUE INDEX changes_terminal_seq ON pst.changes(office_code, terminal_id, seq, created_at);
CREATE INDEX changes_entity ON pst.changes(office_code, entity, entity_id);
CREATE INDEX changes_visit_guest ON pst.changes(office_code, (payload ->> 'guest_id')) WHERE entity = 'visit';
CREATE INDEX changes_audit_subject ON pst.changes(office_code, (payload ->> 'entity_id'))
    WHERE entity = 'audit' AND payload ->> 'entity' = 'locker';
CREATE INDEX changes_received ON pst.changes(office_code, received_at);

ALTER TABLE pst.changes ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_office ON pst.changes USING (office_code = (SELECT pst.current_office()))
    WITH CHECK (office_code = (SELECT pst.current_office()));
CREATE POLICY reader ON pst.changes FOR SELECT USING (office_code LIKE (SELECT pst.reader_prefix()) || '%');

CREATE TRIGGER anonymise_history AFTER INSERT ON pst.changes FOR EACH ROW
    WHEN (NEW.op = 'anonymise' AND NEW.entity IN ('guest', 'locker'))
    EXECUTE FUNCTION pst.on_anonymise();
CREATE TRIGGER change_of_anonymised BEFORE INSERT ON pst.changes FOR EACH ROW
    WHEN (NEW.op <> 'anonymise' AND (NEW.entity IN ('guest', 'visit', 'locker')
          OR (NEW.entity = 'audit' AND NEW.payload ->> 'entity' = 'locker')))
    EXECUTE FUNCTION pst.on_change_of_anonymised();

CREATE VIEW pst.r_sync WITH (security_invoker = true) AS
    SELECT o.code AS office_code,
           (SELECT max(c.received_at) FROM pst.changes c WHERE c.office_code = o.code) AS last_sync
      FROM pst.offices o;

DO $$
DECLARE r text;
BEGIN
    FOR r IN SELECT (SELECT value FROM pst.settings WHERE key = 'role_prefix') || code FROM pst.offices LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('GRANT SELECT, INSERT ON pst.changes TO %I', r);
        END IF;
    END LOOP;
    FOR r IN SELECT role FROM pst.readers LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            PERFORM pst.grant_reader(r);
        END IF;
    END LOOP;
END $$;

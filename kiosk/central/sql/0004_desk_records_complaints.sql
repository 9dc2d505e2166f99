-- The desk's service records and complaints register (issue 15): latest-state tables kept
-- by the push like pst.tickets (entities 'service_record' and 'complaint'), with the same
-- row-level security and grants. A complaint's payload holds its contact masked only.
CREATE TABLE pst.service_records (LIKE pst.tickets INCLUDING ALL);
CREATE TABLE pst.complaints      (LIKE pst.tickets INCLUDING ALL);

DO $$
DECLARE t text;
DECLARE r text;
BEGIN
    FOREACH t IN ARRAY ARRAY['service_records', 'complaints'] LOOP
        EXECUTE format('ALTER TABLE pst.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY own_office ON pst.%I USING (office_code = (SELECT pst.current_office()))'
                       ' WITH CHECK (office_code = (SELECT pst.current_office()))', t);
        -- Offices added before this migration get what add_office grants new ones.
        FOR r IN SELECT (SELECT value FROM pst.settings WHERE key = 'role_prefix') || code FROM pst.offices LOOP
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
                EXECUTE format('GRANT SELECT, INSERT, UPDATE ON pst.%I TO %I', t, r);
            END IF;
        END LOOP;
    END LOOP;
END $$;

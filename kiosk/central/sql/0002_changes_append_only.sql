-- pst.changes is append-only for the offices: every change once, never rewritten.
-- Office roles were granted UPDATE on it before; take it back (idempotent: REVOKE of a
-- privilege not held is a no-op). add_office grants only SELECT, INSERT from now on.
DO $$
DECLARE r text;
BEGIN
    FOR r IN SELECT (SELECT value FROM pst.settings WHERE key = 'role_prefix') || code FROM pst.offices LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON pst.changes FROM %I', r);
        END IF;
    END LOOP;
END $$;

-- An anonymisation reaches the office's history at the centre too (UU 27/2022).
--
-- A purge or an erasure anonymises a guest (and returned lockers) in the office, redacts the
-- office's outbox and sends the anonymised record as a change with op 'anonymise'. The
-- latest-state tables move to it by the push's upsert; the changes pushed before it still
-- held the name, contacts and card. Office roles may only INSERT and SELECT pst.changes,
-- so the centre redacts them itself: a trigger owned by the tables' owner (which row-level
-- security does not hold back) rewrites, for the anonymising office only:
--   guest:  the guest's earlier changes, and the changes and latest states of its visits;
--   locker: the locker's earlier changes, and the masked card in the audit entries about it.
-- Personal keys a payload has are replaced by the anonymised record's values (or removed
-- values: "(anonim)", "****", null); no key is added, everything else is kept.
-- A change of an anonymised record that arrives later (a late batch of another terminal)
-- comes in redacted. A batch sent twice changes nothing: a conflicting row is not inserted,
-- so no AFTER trigger fires, and redacting a redacted payload gives the same payload.

-- The keys a guest, visit or locker payload may hold about a person (kiosk/privacy.py PERSONAL).
CREATE FUNCTION pst.personal_keys() RETURNS text[]
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT ARRAY['name', 'holder_name', 'email', 'phone', 'npwp', 'institution', 'id_country',
                 'id_masked', 'id_hash', 'id_number']
$$;

-- ``payload`` with each personal key it has replaced from ``anon`` (or a neutral value).
CREATE FUNCTION pst.redacted(payload jsonb, anon jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT payload || COALESCE(jsonb_object_agg(k, COALESCE(
               CASE WHEN jsonb_typeof(anon) = 'object' THEN anon -> k END,
               '{"name": "(anonim)", "holder_name": "(anonim)", "id_masked": "****"}'::jsonb -> k,
               'null'::jsonb)), '{}'::jsonb)
      FROM unnest(pst.personal_keys()) AS k
     WHERE payload ? k
$$;

-- An audit entry about a locker keeps who did what, not whose card it was.
CREATE FUNCTION pst.redacted_audit(payload jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN jsonb_typeof(payload -> 'detail') = 'object' AND payload -> 'detail' ? 'id_masked'
                THEN jsonb_set(payload, '{detail,id_masked}', '"****"') ELSE payload END
$$;

-- Where the redaction looks: visits by guest, audit entries by what they are about.
CREATE INDEX changes_visit_guest ON pst.changes(office_code, (payload ->> 'guest_id')) WHERE entity = 'visit';
CREATE INDEX changes_audit_subject ON pst.changes(office_code, (payload ->> 'entity_id'))
    WHERE entity = 'audit' AND payload ->> 'entity' = 'locker';
CREATE INDEX visits_guest ON pst.visits(office_code, (data ->> 'guest_id'));
CREATE INDEX audit_subject ON pst.audit(office_code, (data ->> 'entity_id')) WHERE data ->> 'entity' = 'locker';

-- The redaction of one anonymisation, within ``office`` only. Runs with the caller's
-- rights: only through the trigger below (or the migration) does it reach other rows.
CREATE FUNCTION pst.redact_history(office text, kind text, record_id text, anon jsonb) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE pst.changes SET payload = pst.redacted(payload, anon)
     WHERE office_code = office AND entity = kind AND entity_id = record_id
       AND payload ?| pst.personal_keys() AND payload <> pst.redacted(payload, anon);
    IF kind = 'guest' THEN
        UPDATE pst.guests SET data = pst.redacted(data, anon)
         WHERE office_code = office AND id = record_id AND data <> pst.redacted(data, anon);
        UPDATE pst.changes SET payload = pst.redacted(payload, anon)
         WHERE office_code = office AND entity = 'visit' AND payload ->> 'guest_id' = record_id
           AND payload ?| pst.personal_keys() AND payload <> pst.redacted(payload, anon);
        UPDATE pst.visits SET data = pst.redacted(data, anon)
         WHERE office_code = office AND data ->> 'guest_id' = record_id
           AND data ?| pst.personal_keys() AND data <> pst.redacted(data, anon);
    ELSIF kind = 'locker' THEN
        UPDATE pst.lockers SET data = pst.redacted(data, anon)
         WHERE office_code = office AND id = record_id AND data <> pst.redacted(data, anon);
        UPDATE pst.changes SET payload = pst.redacted_audit(payload)
         WHERE office_code = office AND entity = 'audit' AND payload ->> 'entity' = 'locker'
           AND payload ->> 'entity_id' = record_id AND payload <> pst.redacted_audit(payload);
        UPDATE pst.audit SET data = pst.redacted_audit(data)
         WHERE office_code = office AND data ->> 'entity' = 'locker'
           AND data ->> 'entity_id' = record_id AND data <> pst.redacted_audit(data);
    END IF;
END $$;

-- After an anonymising change is inserted: redact what came before. NEW has passed the
-- row-level security check, so NEW.office_code is the inserting office.
CREATE FUNCTION pst.on_anonymise() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM pst.redact_history(NEW.office_code, NEW.entity, NEW.entity_id, NEW.payload);
    RETURN NULL;
END $$;

-- Before any other change of a guest, visit, locker or locker audit entry is inserted:
-- if its record was anonymised already, it comes in redacted. (A row with another
-- office's code is refused by row-level security after this, so nothing is learnt.)
CREATE FUNCTION pst.on_change_of_anonymised() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    anon jsonb;
BEGIN
    IF NEW.entity IN ('guest', 'locker') THEN
        SELECT c.payload INTO anon FROM pst.changes c
         WHERE c.office_code = NEW.office_code AND c.entity = NEW.entity AND c.entity_id = NEW.entity_id
           AND c.op = 'anonymise' ORDER BY c.change_id COLLATE "C" DESC LIMIT 1;
        IF FOUND THEN
            NEW.payload := pst.redacted(NEW.payload, anon);
        END IF;
    ELSIF NEW.entity = 'visit' THEN
        SELECT c.payload INTO anon FROM pst.changes c
         WHERE c.office_code = NEW.office_code AND c.entity = 'guest' AND c.entity_id = NEW.payload ->> 'guest_id'
           AND c.op = 'anonymise' ORDER BY c.change_id COLLATE "C" DESC LIMIT 1;
        IF FOUND THEN
            NEW.payload := pst.redacted(NEW.payload, anon);
        END IF;
    ELSIF NEW.entity = 'audit' THEN
        IF EXISTS (SELECT 1 FROM pst.changes c WHERE c.office_code = NEW.office_code AND c.entity = 'locker'
                      AND c.entity_id = NEW.payload ->> 'entity_id' AND c.op = 'anonymise') THEN
            NEW.payload := pst.redacted_audit(NEW.payload);
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER anonymise_history AFTER INSERT ON pst.changes FOR EACH ROW
    WHEN (NEW.op = 'anonymise' AND NEW.entity IN ('guest', 'locker'))
    EXECUTE FUNCTION pst.on_anonymise();
CREATE TRIGGER change_of_anonymised BEFORE INSERT ON pst.changes FOR EACH ROW
    WHEN (NEW.op <> 'anonymise' AND (NEW.entity IN ('guest', 'visit', 'locker')
          OR (NEW.entity = 'audit' AND NEW.payload ->> 'entity' = 'locker')))
    EXECUTE FUNCTION pst.on_change_of_anonymised();

-- Owned by the owner of the tables (row-level security does not hold it back; it filters by
-- office itself); nobody else calls them.
DO $$
DECLARE
    owner text := (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'pst.changes'::regclass);
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['pst.personal_keys()', 'pst.redacted(jsonb, jsonb)', 'pst.redacted_audit(jsonb)',
                             'pst.redact_history(text, text, text, jsonb)', 'pst.on_anonymise()',
                             'pst.on_change_of_anonymised()'] LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', f, owner);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $$;

-- The anonymisations the centre received before this migration.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT office_code, entity, entity_id, payload FROM pst.changes
              WHERE op = 'anonymise' AND entity IN ('guest', 'locker') ORDER BY office_code, change_id COLLATE "C" LOOP
        PERFORM pst.redact_history(r.office_code, r.entity, r.entity_id, r.payload);
    END LOOP;
END $$;

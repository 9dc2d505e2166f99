-- The day's counts per office and service, kept as the offices push: a report's counts read
-- one row per office-day-service instead of every ticket and visit (a province's year:
-- 3,650 rows an office instead of 150,000). Only the waits' percentiles still read the
-- tickets themselves.
--
-- Kept by statement-level triggers with transition tables: a pushed batch adds its new
-- rows' counts and takes back the replaced rows', one upsert per office-day-service, in key
-- order (two transactions never lock the same rows in opposite orders). "Within the
-- standard" counts with the office's standard when the ticket arrives.

CREATE TABLE pst.daily_counts (
    office_code text NOT NULL,
    day         text NOT NULL,
    service     text NOT NULL,
    issued      bigint NOT NULL DEFAULT 0,
    served      bigint NOT NULL DEFAULT 0,
    no_show     bigint NOT NULL DEFAULT 0,
    waiting     bigint NOT NULL DEFAULT 0,
    in_service  bigint NOT NULL DEFAULT 0,
    called      bigint NOT NULL DEFAULT 0,
    within      bigint NOT NULL DEFAULT 0,
    visits      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (office_code, day, service)
);
ALTER TABLE pst.daily_counts ENABLE ROW LEVEL SECURITY;
CREATE POLICY reader ON pst.daily_counts FOR SELECT USING (office_code LIKE (SELECT pst.reader_prefix()) || '%');

-- A batch's rows counted (sign 1: added, -1: the versions they replaced).
CREATE FUNCTION pst.on_tickets_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO pst.daily_counts AS d (office_code, day, service, issued, served, no_show, waiting, in_service,
                                       called, within)
    SELECT r.office_code, r.day, r.service,
           sum(r.sign * (r.first_ticket IS TRUE)::int), sum(r.sign * ((r.status = 'done') IS TRUE)::int),
           sum(r.sign * ((r.status = 'no_show') IS TRUE)::int), sum(r.sign * ((r.status = 'waiting') IS TRUE)::int),
           sum(r.sign * ((r.status IN ('called', 'serving')) IS TRUE)::int), sum(r.sign * (r.wait_seconds IS NOT NULL)::int),
           sum(r.sign * ((r.wait_seconds <= o.standard_minutes * 60 + 1e-6) IS TRUE)::int)
      FROM (SELECT 1 AS sign, office_code, day, service, status, first_ticket, wait_seconds FROM added) r
      JOIN pst.offices o ON o.code = r.office_code
     WHERE r.day IS NOT NULL AND r.service IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (office_code, day, service) DO UPDATE
       SET issued = d.issued + EXCLUDED.issued, served = d.served + EXCLUDED.served,
           no_show = d.no_show + EXCLUDED.no_show, waiting = d.waiting + EXCLUDED.waiting,
           in_service = d.in_service + EXCLUDED.in_service, called = d.called + EXCLUDED.called,
           within = d.within + EXCLUDED.within;
    RETURN NULL;
END $$;

CREATE FUNCTION pst.on_tickets_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO pst.daily_counts AS d (office_code, day, service, issued, served, no_show, waiting, in_service,
                                       called, within)
    SELECT r.office_code, r.day, r.service,
           sum(r.sign * (r.first_ticket IS TRUE)::int), sum(r.sign * ((r.status = 'done') IS TRUE)::int),
           sum(r.sign * ((r.status = 'no_show') IS TRUE)::int), sum(r.sign * ((r.status = 'waiting') IS TRUE)::int),
           sum(r.sign * ((r.status IN ('called', 'serving')) IS TRUE)::int), sum(r.sign * (r.wait_seconds IS NOT NULL)::int),
           sum(r.sign * ((r.wait_seconds <= o.standard_minutes * 60 + 1e-6) IS TRUE)::int)
      FROM (SELECT 1 AS sign, office_code, day, service, status, first_ticket, wait_seconds FROM added UNION ALL SELECT -1, office_code, day, service, status, first_ticket, wait_seconds FROM removed) r
      JOIN pst.offices o ON o.code = r.office_code
     WHERE r.day IS NOT NULL AND r.service IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (office_code, day, service) DO UPDATE
       SET issued = d.issued + EXCLUDED.issued, served = d.served + EXCLUDED.served,
           no_show = d.no_show + EXCLUDED.no_show, waiting = d.waiting + EXCLUDED.waiting,
           in_service = d.in_service + EXCLUDED.in_service, called = d.called + EXCLUDED.called,
           within = d.within + EXCLUDED.within;
    RETURN NULL;
END $$;

CREATE FUNCTION pst.on_visits_inserted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO pst.daily_counts AS d (office_code, day, service, visits)
    SELECT r.office_code, r.day, r.service, sum(r.sign) FROM (SELECT 1 AS sign, office_code, day, service FROM added) r
     WHERE r.day IS NOT NULL AND r.service IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (office_code, day, service) DO UPDATE SET visits = d.visits + EXCLUDED.visits;
    RETURN NULL;
END $$;

CREATE FUNCTION pst.on_visits_updated() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO pst.daily_counts AS d (office_code, day, service, visits)
    SELECT r.office_code, r.day, r.service, sum(r.sign) FROM (SELECT 1 AS sign, office_code, day, service FROM added UNION ALL SELECT -1, office_code, day, service FROM removed) r
     WHERE r.day IS NOT NULL AND r.service IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (office_code, day, service) DO UPDATE SET visits = d.visits + EXCLUDED.visits;
    RETURN NULL;
END $$;

CREATE TRIGGER daily_counts_insert AFTER INSERT ON pst.tickets REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION pst.on_tickets_inserted();
CREATE TRIGGER daily_counts_update AFTER UPDATE ON pst.tickets REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION pst.on_tickets_updated();
CREATE TRIGGER daily_counts_insert AFTER INSERT ON pst.visits REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION pst.on_visits_inserted();
CREATE TRIGGER daily_counts_update AFTER UPDATE ON pst.visits REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION pst.on_visits_updated();

-- Owned by the tables' owner (row-level security does not hold it back); nobody calls them.
DO $$
DECLARE
    owner text := (SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = 'pst.tickets'::regclass);
    f text;
BEGIN
    FOREACH f IN ARRAY ARRAY['pst.on_tickets_inserted()', 'pst.on_tickets_updated()', 'pst.on_visits_inserted()',
                             'pst.on_visits_updated()'] LOOP
        EXECUTE format('ALTER FUNCTION %s OWNER TO %I', f, owner);
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END $$;

-- What the centre holds already.
INSERT INTO pst.daily_counts (office_code, day, service, issued, served, no_show, waiting, in_service, called, within)
SELECT t.office_code, t.day, t.service, count(*) FILTER (WHERE t.first_ticket),
       count(*) FILTER (WHERE t.status = 'done'), count(*) FILTER (WHERE t.status = 'no_show'),
       count(*) FILTER (WHERE t.status = 'waiting'), count(*) FILTER (WHERE t.status IN ('called', 'serving')),
       count(t.wait_seconds), count(*) FILTER (WHERE t.wait_seconds <= o.standard_minutes * 60 + 1e-6)
  FROM pst.tickets t JOIN pst.offices o ON o.code = t.office_code
 WHERE t.day IS NOT NULL AND t.service IS NOT NULL
 GROUP BY 1, 2, 3;
INSERT INTO pst.daily_counts AS d (office_code, day, service, visits)
SELECT office_code, day, service, count(*) FROM pst.visits WHERE day IS NOT NULL AND service IS NOT NULL
 GROUP BY 1, 2, 3
ON CONFLICT (office_code, day, service) DO UPDATE SET visits = EXCLUDED.visits;

CREATE VIEW pst.r_daily WITH (security_invoker = true) AS
    SELECT office_code, day, service, issued, served, no_show, waiting, in_service, called, within, visits
      FROM pst.daily_counts;

CREATE OR REPLACE FUNCTION pst.grant_reader(reader text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA pst TO %I', reader);
    EXECUTE format('GRANT EXECUTE ON FUNCTION pst.reader_prefix(), pst.current_office() TO %I', reader);
    EXECUTE format('GRANT SELECT ON pst.r_offices, pst.r_tickets, pst.r_visits, pst.r_ratings, pst.r_sales,'
                   ' pst.r_service_records, pst.r_complaints, pst.r_sync, pst.r_daily TO %I', reader);
    EXECUTE format('GRANT SELECT ON pst.settings, pst.daily_counts TO %I', reader);
    EXECUTE format('GRANT SELECT (code, name, tz, standard_minutes) ON pst.offices TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, day, service, status, first_ticket, wait_seconds,'
                   ' service_seconds, queued_at, called) ON pst.tickets TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, day, service, segment, purpose) ON pst.visits TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, day, service, u1, u2, u3, u4, u5, u6, u7, u8, u9)'
                   ' ON pst.ratings TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, status, receipt_at, receipt_amount, method, line_products,'
                   ' line_amounts) ON pst.orders TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, day, service, outcome, subject, indicator, region_level, period)'
                   ' ON pst.service_records TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, id, kind, channel, status, received_at, due_date, answered_at)'
                   ' ON pst.complaints TO %I', reader);
    EXECUTE format('GRANT SELECT (office_code, received_at) ON pst.changes TO %I', reader);
END $$;
REVOKE ALL ON FUNCTION pst.grant_reader(text) FROM PUBLIC;

DO $$
DECLARE r text;
BEGIN
    FOR r IN SELECT role FROM pst.readers LOOP
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            PERFORM pst.grant_reader(r);
        END IF;
    END LOOP;
END $$;

-- Years on one PC (issue 14): the audit trail's indexes no query needs.
-- audit_user (user_id, at): nothing reads the trail by user id (the reader filters by
-- username, newest first by seq). audit_at (at): the reader walks seq newest first and
-- retention (kiosk/retention.py) deletes oldest first by seq; both stop early without it.
-- audit_entity: only a purged locker's entries are looked up by record
-- (kiosk/privacy.py, entity = 'locker'): a partial index on those is enough.
DROP INDEX IF EXISTS audit_user;
DROP INDEX IF EXISTS audit_at;
DROP INDEX IF EXISTS audit_entity;
CREATE INDEX audit_locker ON audit(entity_id) WHERE entity = 'locker';
-- Two more no query picks (EXPLAIN QUERY PLAN on the year's store, bench/store_year.py):
-- every query on today's calls (kiosk/queue.py last_calls, last_by_counter, active;
-- kiosk/estimate.py) filters by day and uses tickets_day or tickets_counter_day, not
-- tickets_called; visits by day use visits_report, whose first column is day.
DROP INDEX IF EXISTS tickets_called;
DROP INDEX IF EXISTS visits_day;

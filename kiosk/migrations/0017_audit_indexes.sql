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

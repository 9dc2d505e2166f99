-- The audit entries about one record (a purged locker's entries are redacted by it).
CREATE INDEX audit_entity ON audit(entity, entity_id);

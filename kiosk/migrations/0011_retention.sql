-- Years on one PC (kiosk/retention.py). The store becomes auto_vacuum = INCREMENTAL so the
-- pages that pruning frees go back to the disk: that needs one VACUUM, which cannot run in
-- this migration's transaction; Store._incremental_vacuum runs it right after.
-- The single-sync guard is a file lock now (kiosk/sync.py): the old lease row goes.
DELETE FROM meta WHERE key = 'sync.lease';

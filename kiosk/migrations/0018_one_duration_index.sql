-- Years on one PC (issue 14): the reports read the period's three durations (wait, wait
-- under the standard, service) from one covering index in day order and sort them in
-- Python (kiosk/reports.py _durations), instead of walking one index per duration in
-- duration order. Three indexes of 100k entries a year go; the one left gains a column.
DROP INDEX IF EXISTS tickets_wait;
DROP INDEX IF EXISTS tickets_service;
DROP INDEX IF EXISTS tickets_standard_wait;
DROP INDEX IF EXISTS tickets_waits;
CREATE INDEX tickets_waits ON tickets(day, wait_seconds, standard_wait_seconds, service_seconds)
    WHERE wait_seconds IS NOT NULL;

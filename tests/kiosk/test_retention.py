"""Retention (kiosk/retention.py): acknowledged changes go after their time, unacknowledged
never; printed and expired print jobs go; the space goes back to the disk; a restore after
pruning still rebuilds the office (real PostgreSQL); an older store converts to incremental
vacuum in migration 0011."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime

from kiosk import accounts, restore, retention, sync
from kiosk.clock import FixedClock
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store
from kiosk.tickets import issue_ticket, queue_for
from tests.conftest import JAKARTA
from tests.kiosk.test_restore import fresh
from tests.kiosk.test_sync import SITI, office, pg  # noqa: F401 - pg is a fixture


def _day_of_work(store, settings, n=10, actor=None):
    queue = queue_for(store, settings).as_user(actor)
    for i in range(n):
        issue_ticket(store, settings, "BC"[i % 2])
        queue.finish(queue.start(queue.call_next(1).id).id)


def _count(store, table, where="1 = 1", *params):
    return store.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}", params).fetchone()[0]


def test_unacknowledged_changes_survive_any_prune(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        _day_of_work(store, settings)
        total = _count(store, "changes")
        acked = total // 2
        store.set_meta("sync.pushed_seq", str(acked))
        # Ten years later, with the shortest retention: only what the centre confirmed goes.
        clock.advance(days=3650)
        short = settings.model_validate({**settings.model_dump(mode="json"),
                                         "retention": {"changes_days": 1, "print_jobs_days": 1}})
        pruned = retention.prune(store, short)
        assert pruned.changes == acked
        assert [r[0] for r in store.conn.execute("SELECT seq FROM changes ORDER BY seq")] == \
            list(range(acked + 1, total + 1))
        assert sync.status(store).pending == total - acked


def test_acknowledged_changes_and_done_print_jobs_go_after_their_time(settings, clock, tmp_path):
    from kiosk import printing
    from printers.document import Document

    with Store(settings.db_path, clock=clock) as store:
        _day_of_work(store, settings)
        store.set_meta("sync.pushed_seq", str(_count(store, "changes")))
        with store.write():  # the spooler printed them all but one, which expired unprinted
            store.conn.execute("UPDATE print_jobs SET status = 'printed', printed_at = created_at")
            store.conn.execute("UPDATE print_jobs SET status = 'failed', printed_at = NULL, expires_at = created_at"
                               " WHERE id = (SELECT id FROM print_jobs LIMIT 1)")
        jobs = _count(store, "print_jobs")
        clock.advance(days=13)
        with store.write():  # still to print
            waiting = printing.enqueue(store, kind="test", label="T", document=Document(title="T"))
        changes = _count(store, "changes")
        pruned = retention.prune(store, settings)
        assert (pruned.changes, pruned.print_jobs) == (0, 0)
        assert _count(store, "changes") == changes and _count(store, "print_jobs") == jobs + 1
        clock.advance(days=2)  # 15 days: past the print jobs' 14, not the changes' 30
        assert retention.prune(store, settings).print_jobs == jobs
        assert [r[0] for r in store.conn.execute("SELECT id FROM print_jobs")] == [waiting]
        assert _count(store, "changes") == changes
        clock.advance(days=16)  # 31 days
        assert retention.prune(store, settings).changes == changes
        assert _count(store, "changes") == 0 and sync.status(store).pending == 0
        # New change ids stay above every one sent, even with the outbox empty and the
        # clock stepped back an hour (the centre keeps the larger id).
        last_sent = store.meta("changes.floor")
        clock.advance(hours=-1)
        issue_ticket(store, settings, "B")
        newest = store.conn.execute("SELECT id FROM changes ORDER BY seq DESC LIMIT 1").fetchone()[0]
        assert uuid.UUID(newest).int > uuid.UUID(last_sent).int
        assert sync.status(store).pending == 1


def test_the_space_goes_back_to_the_disk(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        assert store.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
        with store.write():  # a fat outbox, all acknowledged
            for i in range(3000):
                store.record_change("ticket", f"t{i}", "take", {"pad": "x" * 2000})
        store.set_meta("sync.pushed_seq", str(_count(store, "changes")))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = retention.store_bytes(store)
        clock.advance(days=31)
        pruned = retention.prune(store, settings)
        assert pruned.changes == 3000 and pruned.size_before == before
        assert pruned.size_after < before / 4
        assert store.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_an_older_store_becomes_incremental_in_migration_0011(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        _day_of_work(store, settings, 3)
        tickets = _count(store, "tickets")
    # As main left it: auto_vacuum NONE, at migration 10, with the old lease row.
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    conn.execute("PRAGMA auto_vacuum = NONE")
    conn.execute("VACUUM")
    conn.execute("PRAGMA user_version = 10")
    conn.execute("INSERT INTO meta(key, value) VALUES ('sync.lease', '{}')")
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    conn.close()
    with Store(settings.db_path, clock=clock) as store:
        assert store.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] >= 11
        assert store.meta("sync.lease") is None
        assert _count(store, "tickets") == tickets
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_restore_after_pruning_still_rebuilds_the_office(tmp_path, pg):  # noqa: F811
    start = FixedClock(datetime(2026, 10, 5, 9, 0, tzinfo=JAKARTA))
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path, clock=start) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="9876")
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        queue = queue_for(store, settings).as_user(admin)
        queue.finish(queue.start(queue.call_next(1).id).id)
        _day_of_work(store, settings, 4, admin)
        assert sync.run(store, settings).ok
        start.advance(days=40)
        issue_ticket(store, settings, "C")  # today's, not yet sent
        sent = _count(store, "changes") - 1
        # The sync round pushes it, then prunes what the centre has had for over 30 days.
        result = sync.run(store, settings)
        assert result.ok and result.pushed == 1
        assert store.meta(retention.LAST_PRUNE) and _count(store, "changes") == 1  # today's stays
        assert sent > 0 and sync.status(store).pending == 0
        assert not retention.due(store)  # not again in the next round
        counts = {t: _count(store, t) for t in ("tickets", "guests", "visits", "users", "audit")}
        terminal = store.terminal_id
    target = fresh(tmp_path, pg)
    with Store(target.db_path) as store:
        done = restore.restore(store, target, dsn=None, office_code="1373")
        assert done.terminal == terminal
        assert {t: _count(store, t) for t in counts} == counts
        assert queue_for(store, target).take("C").number.startswith("C-")

"""Retention (kiosk/retention.py): acknowledged changes go after their time, unacknowledged
never; printed and expired print jobs go; the space goes back to the disk; a restore after
pruning still rebuilds the office (real PostgreSQL); an older store converts to incremental
vacuum in migration 0011."""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import datetime, timedelta

from kiosk import accounts, retention
from kiosk.central import restore, sync
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
            waiting = printing.enqueue(store, settings, kind="test", label="T", document=Document(title="T"))
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
        with store.write():  # a fat outbox, all acknowledged (random text: packing keeps it fat)
            for i in range(3000):
                store.record_change("ticket", f"t{i}", "take", {"pad": random.randbytes(1000).hex()})
        store.set_meta("sync.pushed_seq", str(_count(store, "changes")))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        before = retention.store_bytes(store)
        clock.advance(days=31)
        pruned = retention.prune(store, settings)
        assert pruned.changes == 3000 and pruned.size_before == before
        assert pruned.size_after < before / 4
        assert store.conn.execute("PRAGMA freelist_count").fetchone()[0] == 0


def test_an_older_store_becomes_incremental_in_migration_0011(settings, clock):
    from kiosk.store import _migration_files, _statements, schema_version

    # As main left it: auto_vacuum NONE, migrations 1..10 applied, with the old lease row.
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    for number, path in _migration_files():
        if number <= 10:
            for statement in _statements(path.read_text(encoding="utf-8")):
                conn.execute(statement)
    conn.execute("PRAGMA user_version = 10")
    conn.execute("INSERT INTO meta(key, value) VALUES ('sync.lease', '{}'), ('kept', 'yes')")
    conn.execute("INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                 " VALUES ('c1', 'ticket', 't1', 'take', '{}', 'term', '2026-01-01T00:00:00Z')")
    assert conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 10
    conn.close()
    with Store(settings.db_path, clock=clock) as store:  # every later migration applies to it
        assert store.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        assert store.meta("sync.lease") is None
        assert store.meta("kept") == "yes" and _count(store, "changes") == 1
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_restore_after_pruning_still_rebuilds_the_office(tmp_path, pg):  # noqa: F811
    start = FixedClock(datetime(2026, 10, 5, 9, 0, tzinfo=JAKARTA))
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path, clock=start) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        queue = queue_for(store, settings).as_user(admin)
        queue.finish(queue.start(queue.call_next(1).id).id)
        _day_of_work(store, settings, 4, admin)
        assert sync.run(store, settings).ok
        start.advance(days=40)
        issue_ticket(store, settings, "C")  # today's, not yet sent
        sent = _count(store, "changes") - 1
        counts = {t: _count(store, t) for t in ("tickets", "guests", "visits", "users", "audit")}
        # The sync round pushes it, then prunes what the centre has had for over 30 days:
        # the changes, and the audit trail of those days (the centre keeps it whole).
        result = sync.run(store, settings)
        assert result.ok and result.pushed == 1
        assert store.meta(retention.LAST_PRUNE) and _count(store, "changes") == 1  # today's stays
        assert sent > 0 and sync.status(store).pending == 0
        assert not retention.due(store)  # not again in the next round
        assert counts["audit"] > 0 and _count(store, "audit") == 0
        terminal = store.terminal_id
    target = fresh(tmp_path, pg)
    with Store(target.db_path) as store:
        done = restore.restore(store, target, dsn=None, office_code="1373")
        assert done.terminal == terminal
        assert {t: _count(store, t) for t in counts} == counts
        assert queue_for(store, target).take("C").number.startswith("C-")


def _officers(store):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    return admin, accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")


def _audit_change_seq(store):
    """Each audit entry's outbox change seq (None once the change is pruned)."""
    return dict(store.conn.execute(
        "SELECT a.id, c.seq FROM audit AS a LEFT JOIN changes AS c ON c.entity = 'audit' AND c.entity_id = a.id"))


def test_acknowledged_audit_entries_go_after_their_time_unacknowledged_never(settings, clock):
    # An office that keeps its trail 90 days (the default is 30, as the changes).
    settings = settings.model_validate({**settings.model_dump(mode="json"), "retention": {"audit_days": 90}})
    with Store(settings.db_path, clock=clock) as store:
        _, budi = _officers(store)
        _day_of_work(store, settings, actor=budi)
        seqs = _audit_change_seq(store)
        assert len(seqs) > 20 and all(seqs.values())
        acked = sorted(seqs.values())[len(seqs) // 2]  # the centre has the first half
        store.set_meta("sync.pushed_seq", str(acked))
        kept = {aid for aid, seq in seqs.items() if seq > acked}
        clock.advance(days=31)  # past the changes' 30 days, not the trail's 90
        pruned = retention.prune(store, settings)
        assert pruned.changes > 0 and pruned.audit == 0
        assert _count(store, "audit") == len(seqs)
        clock.advance(days=60)  # 91 days: the acknowledged entries go, their changes long gone
        pruned = retention.prune(store, settings)
        assert pruned.audit == len(seqs) - len(kept)
        assert {r[0] for r in store.conn.execute("SELECT id FROM audit")} == kept
        # Ten years on, with the shortest time: what the centre has not acknowledged stays.
        clock.advance(days=3650)
        short = settings.model_validate({**settings.model_dump(mode="json"),
                                         "retention": {"changes_days": 1, "print_jobs_days": 1, "audit_days": 30}})
        assert retention.prune(store, short).audit == 0
        assert {r[0] for r in store.conn.execute("SELECT id FROM audit")} == kept
        assert sync.status(store).pending == _count(store, "changes")
        # Once the centre acknowledges them, they go too; a fresh entry stays.
        store.set_meta("sync.pushed_seq", str(store.conn.execute("SELECT MAX(seq) FROM changes").fetchone()[0]))
        _day_of_work(store, settings, 1, actor=budi)
        fresh_ids = set(_audit_change_seq(store)) - kept
        assert retention.prune(store, short).audit == len(kept)
        assert {r[0] for r in store.conn.execute("SELECT id FROM audit")} == fresh_ids


def test_audit_days_is_configurable_within_bounds(settings):
    import pydantic
    import pytest

    data = settings.model_dump(mode="json")
    assert settings.retention.audit_days == 30
    assert settings.model_validate({**data, "retention": {"audit_days": 180}}).retention.audit_days == 180
    with pytest.raises(pydantic.ValidationError):
        settings.model_validate({**data, "retention": {"audit_days": 7}})


def test_the_audit_command_reads_what_is_local_after_maintenance(settings, tmp_path, monkeypatch, capsys):
    """A year-old acknowledged trail goes with ``pst-kiosk maintenance``; ``pst-kiosk audit``
    still works and shows today's entries (the real command line, the real clock today)."""
    import json

    from screens.main import main

    monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
    old = FixedClock(datetime.now(JAKARTA).replace(microsecond=0) - timedelta(days=365))
    with Store(settings.db_path, clock=old) as store:
        _, budi = _officers(store)
        _day_of_work(store, settings, 3, actor=budi)
        year_old = _count(store, "audit", "action LIKE 'ticket.%'")
        store.set_meta("sync.pushed_seq", str(store.conn.execute("SELECT MAX(seq) FROM changes").fetchone()[0]))
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    code = main(["--user", "admin", "audit", "--json"])
    before = json.loads(capsys.readouterr().out)
    assert code == 0 and sum(e["action"].startswith("ticket.") for e in before) == year_old
    assert main(["maintenance", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["audit"] >= year_old and done["audit_days"] == 30
    code = main(["--user", "admin", "audit", "--json"])
    after = json.loads(capsys.readouterr().out)
    assert code == 0 and not any(e["action"].startswith("ticket.") for e in after)
    assert any(e["action"] == "login" for e in after)  # today's logins (this command's) stay


def test_held_and_sent_print_jobs_go_after_their_time_queued_ones_stay(settings, clock):
    """A job held (no printer configured) or sent (a printer that cannot answer) is never
    printed by itself again: it goes after print_jobs_days like a printed one."""
    from kiosk import printing
    from printers.document import Document

    with Store(settings.db_path, clock=clock) as store:
        with store.write():
            held = printing.enqueue(store, settings, kind="test", label="H", document=Document(title="H"),
                                    printer="none")
            sent = printing.enqueue(store, settings, kind="test", label="S", document=Document(title="S"))
            queued = printing.enqueue(store, settings, kind="test", label="Q", document=Document(title="Q"))
            store.conn.execute("UPDATE print_jobs SET status = 'sent', printed_at = created_at WHERE id = ?", (sent,))
            # the test settings have no printer: this one waits for one, as at an office
            store.conn.execute("UPDATE print_jobs SET status = 'queued', last_error = NULL WHERE id = ?", (queued,))
        assert store.conn.execute("SELECT status FROM print_jobs WHERE id = ?", (held,)).fetchone()[0] == "held"
        clock.advance(days=13)
        assert retention.prune(store, settings).print_jobs == 0
        clock.advance(days=2)
        assert retention.prune(store, settings).print_jobs == 2
        assert [r[0] for r in store.conn.execute("SELECT id FROM print_jobs")] == [queued]



def test_the_outbox_keeps_payloads_packed_and_reads_them_back_whole(settings, clock):
    """Each change's payload is kept packed (a third of the JSON or less, tables' pages
    full); the push reads it back whole, and a JSON row of an older store reads the same."""
    import json

    from kiosk.store import outbox_json, payload_text

    with Store(settings.db_path, clock=clock) as store:
        _, budi = _officers(store)
        _day_of_work(store, settings, actor=budi)
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        rows = store.conn.execute("SELECT typeof(payload), payload, payload_text(payload) FROM changes").fetchall()
        assert len(rows) > 30 and {kind for kind, _, _ in rows} == {"blob"}
        texts = [text for _, _, text in rows]
        assert all(payload_text(packed) == text for (_, packed, text) in rows)
        assert all(json.loads(text) for text in texts)  # every one whole JSON again
        assert sum(len(packed) for _, packed, _ in rows) * 2 < sum(len(text) for text in texts)
        # An older store's row, kept as JSON text, reads the same way and is pushed as is.
        old = outbox_json({"id": "x", "number": "A-001"})
        with store.write():
            store.conn.execute("INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                               " VALUES ('01000000-0000-7000-8000-000000000000', 'ticket', 'x', 'take', ?, 't',"
                               " '2026-01-01T00:00:00Z')", (old,))
        assert store.conn.execute("SELECT payload_text(payload) FROM changes WHERE entity_id = 'x'").fetchone()[0] == old


def test_an_erasure_redacts_packed_payloads(settings, clock):
    """A guest erased: the packed outbox copies of their guest and visit changes are
    redacted (and stay packed); nothing of them is left to find in the outbox."""
    import json

    from kiosk import privacy
    from kiosk.store import payload_text

    with Store(settings.db_path, clock=clock) as store:
        admin, _ = _officers(store)
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        privacy.erase(store, admin, SITI["email"])
        rows = store.conn.execute("SELECT entity, typeof(payload), payload FROM changes"
                                  " WHERE entity IN ('guest', 'visit') ORDER BY seq").fetchall()
        assert {kind for _, kind, _ in rows} == {"blob"} and {e for e, _, _ in rows} == {"guest", "visit"}
        for entity, _, packed in rows:
            text = payload_text(packed)
            assert SITI["name"] not in text and SITI["email"] not in text
            if entity == "guest":
                assert json.loads(text)["name"] == privacy.ANONYMOUS

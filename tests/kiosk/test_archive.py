"""Closed days' visit detail kept packed (kiosk/archive.py): the reports read the same
figures before and after, references stay whole, the personal-data requests still find
the archived visits, and a kill mid-archive loses nothing."""

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta

from zoneinfo import ZoneInfo

import pytest

from kiosk import accounts, archive, lockers, privacy, reports, retention, sales, survey
from kiosk.clock import FixedClock
from kiosk.desk import records
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store
from kiosk.tickets import queue_for

JAKARTA = ZoneInfo("Asia/Jakarta")
G = {"id_type": "ktp", "segment": "akademisi", "gender": "p", "education": "s1"}
DAYS = [date(2026, 9, 1), date(2026, 9, 2), date(2026, 10, 5), date(2026, 10, 6)]


def _visit(store, settings, service, name, nik, **kw):
    guest = validate_guest({**G, "name": name, "id_number": nik, "email": f"{name.lower()}@example.com", **kw})
    return register_visit(store, settings, service=service, purpose=kw.pop("purpose", "tugas"), consent=True,
                          guest=guest)  # .visit_id, .guest_id, .issued.ticket


def _history(store, settings, clock):
    """Four working days over two months: served, rated and recorded visits, a transfer, a
    no-show, a visitor left waiting at the close, a ticket an order names, a locker given to
    a visit, and a returning guest (Ani, every day)."""
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    q = queue_for(store, settings).as_user(admin)
    kept = {}
    for n, day in enumerate(DAYS):
        clock.set(datetime(day.year, day.month, day.day, 8, 30 + n, tzinfo=clock.now().tzinfo))
        ani = _visit(store, settings, "A", "Ani", "3273014101900001")
        budi = _visit(store, settings, "B", "Budi", f"3273010101900{n + 2:03d}", gender="l")
        clock.advance(minutes=3 + n)
        a = q.call_next(1, ["A"])
        q.start(a.id)
        clock.advance(minutes=7)
        records.save(store, settings, admin, a.id, {"subject": None, "outcome": "answered", "note": f"hari {n}"})
        q.finish(a.id)
        survey.submit(store, q, survey.find_rateable(store, q, a.number), dict.fromkeys(survey.ELEMENTS, 3 + n % 2))
        b = q.call_next(2, ["B"])
        moved = q.transfer(b.id, "C")
        q.call(3, moved.number)
        q.start(moved.id)
        clock.advance(minutes=12)
        q.finish(moved.id)
        late = q.take("B")
        clock.advance(minutes=2)
        assert q.call_next(2, ["B"]).id == late.id
        q.no_show(late.id)
        _visit(store, settings, "C", "Cici", f"3273014201900{n + 2:03d}", purpose="skripsi")  # left waiting
        if n == 1:  # an order for Budi's ticket and a locker for Ani's visit: both stay live
            order = sales.create_order(store, settings, admin, guest_id=budi.guest_id, ticket_id=budi.issued.ticket.id)
            kept["order_ticket"] = budi.issued.ticket.id
            kept["order"] = order.id
            lockers.assign(store, settings, admin, id_type="ktp", id_number=None, holder_name=None,
                           guest_id=ani.guest_id, visit_id=ani.visit_id)
            kept["locker_visit"] = ani.visit_id
        kept.setdefault("ani", ani.guest_id)
    return admin, kept


def _all_reports(store, settings, admin):
    whole = reports.report(store, settings, admin, DAYS[0], DAYS[-1])
    months = [reports.report(store, settings, admin, *reports.month_bounds(m)) for m in ("2026-09", "2026-10")]
    days = [reports.report(store, settings, admin, d, d) for d in DAYS]
    by_hour = [(reports.arrivals_by_hour(store, settings, admin, d), reports.wait_by_hour(store, settings, admin, d))
               for d in DAYS]
    trend = reports.visits_per_day(store, admin, DAYS[0], DAYS[-1])
    return whole, months, days, by_hour, trend


def _live(store, table):
    return store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_archiving_keeps_every_figure_and_every_reference(store, settings, clock):
    admin, kept = _history(store, settings, clock)
    clock.set(datetime(2026, 10, 6, 11, 0, tzinfo=clock.now().tzinfo))  # the reports' "now"
    before = _all_reports(store, settings, admin)
    assert before[0]["visits"]["total"] == 12 and before[0]["ikm"]["respondents"] == 4
    access = privacy.subject_access(store, admin, "3273014101900001")[0].visits
    counts = {k: _live(store, k) for k in archive.KINDS}

    clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=clock.now().tzinfo))
    moved = archive.archive_before(store, date(2026, 10, 6))  # the first three days
    assert moved > 0
    assert archive.archived_days(store, "2026-01-01", "2026-12-31") == [d.isoformat() for d in DAYS[:3]]
    # Still live: the last day, the ticket the order names (with its visit), the visit the
    # locker names (with its ticket, rating and record).
    live_ids = {r[0] for r in store.conn.execute("SELECT id FROM tickets")}
    assert kept["order_ticket"] in live_ids
    assert store.row("SELECT 1 FROM visits WHERE id = ?", (kept["locker_visit"],))
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert {k: _live(store, k) + archive.count(store, k) for k in archive.KINDS} == counts
    assert _live(store, "tickets") < counts["tickets"] / 2

    clock.set(datetime(2026, 10, 6, 11, 0, tzinfo=clock.now().tzinfo))
    assert _all_reports(store, settings, admin) == before
    assert privacy.subject_access(store, admin, "3273014101900001")[0].visits == access

    # Archiving again moves nothing; a day with rows added later (a restore) merges.
    assert archive.archive_before(store, date(2026, 10, 6)) == 0
    assert _all_reports(store, settings, admin) == before


def test_reports_read_the_store_itself_when_no_day_is_archived(store, settings, clock):
    with archive.view(store, DAYS[0], DAYS[-1]) as view:
        assert view is store


def test_a_view_is_its_own_connection(store, settings, clock):
    admin, _ = _history(store, settings, clock)
    archive.archive_before(store, date(2026, 10, 1))
    live = _live(store, "tickets")
    with archive.view(store, DAYS[0], DAYS[-1]) as view:
        assert view is not store and view.conn is not store.conn
        in_view = view.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
        assert in_view > live
        # The faces' connection still sees the real table, and writes to it as ever.
        queue_for(store, settings).take("A")
        assert _live(store, "tickets") == live + 1
        assert view.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == in_view
    assert store.conn.execute("SELECT COUNT(*) FROM sqlite_temp_master").fetchone()[0] == 0


def test_erasing_a_guest_redacts_the_changes_of_archived_visits(store, settings, clock):
    admin, kept = _history(store, settings, clock)
    store.set_meta("sync.pushed_seq", str(store.conn.execute("SELECT MAX(seq) FROM changes").fetchone()[0]))
    clock.set(datetime(2026, 12, 20, 9, 0, tzinfo=clock.now().tzinfo))
    retention.pack_acknowledged(store)
    archive.archive_before(store, date(2026, 11, 1))
    ani_visits = archive.visits_of(store, [kept["ani"]])[kept["ani"]]
    assert len(ani_visits) == 3  # the fourth stays live (the locker names it)
    lockers.return_card(store, admin, store.row("SELECT id FROM lockers")["id"])
    privacy.erase(store, admin, "3273014101900001")
    # Her guest changes (name, email) are redacted wherever they are kept; her visits' are
    # found on the archived days too (they carry no personal field today).
    hers = {kept["ani"], *ani_visits}
    texts = [c["payload"] for c in retention.sent_changes(store) if c["entity_id"] in hers]
    texts += [r[0] for r in store.conn.execute(
        "SELECT payload_text(payload) FROM changes WHERE entity_id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(hers)),))]
    assert len(texts) >= 5 and not any('"Ani"' in text or "ani@example.com" in text for text in texts)


def test_purge_spares_a_guest_seen_on_an_archived_day(store, settings, clock):
    admin, kept = _history(store, settings, clock)
    clock.set(datetime(2027, 1, 20, 9, 0, tzinfo=clock.now().tzinfo))
    archive.archive_before(store, date(2026, 12, 1))
    # Budi of 2026-10-06 (archived) was seen 106 days ago: kept at 120 days, gone at 100.
    budi = store.row("SELECT id FROM guests WHERE id_number = '3273010101900005'")["id"]
    store.conn.execute("UPDATE guests SET updated_at = '2026-01-01T00:00:00+00:00'")
    assert privacy.purge(store, admin, older_than_days=120).guests < 6
    assert store.row("SELECT anonymised_at FROM guests WHERE id = ?", (budi,))["anonymised_at"] is None
    privacy.purge(store, admin, older_than_days=100)
    assert store.row("SELECT anonymised_at FROM guests WHERE id = ?", (budi,))["anonymised_at"] is not None


def test_a_damaged_day_fails_alone_and_is_named(store, settings, clock, tmp_path):
    admin, _ = _history(store, settings, clock)
    archive.archive_before(store, date(2026, 10, 1))
    store.conn.execute("UPDATE archive SET packed = X'00DEADBEEF' WHERE day = '2026-09-01' AND kind = 'visits'")
    assert archive.damaged(store.conn) == ["2026-09-01 visits"]
    with pytest.raises(ValueError):
        archive.unpack(store.row("SELECT packed FROM archive WHERE day = '2026-09-01' AND kind = 'visits'")["packed"])
    assert reports.report(store, settings, admin, DAYS[1], DAYS[1])["visits"]["total"] == 3
    # A report over the damaged day says what it could not read, in every form.
    broken = reports.report(store, settings, admin, DAYS[0], DAYS[0])
    assert broken["archive_unreadable"] == ["2026-09-01 visits"] and broken["visits"]["total"] == 0
    assert reports.report(store, settings, admin, DAYS[1], DAYS[1])["archive_unreadable"] == []
    seen = privacy.subject_access(store, admin, "3273014101900001")[0]
    assert seen.archive_unreadable == ["2026-09-01 visits"]
    from kiosk import backup, doctor

    made = backup.backup(store, settings, tmp_path / "b", keep=2)
    assert made.archive_unreadable == ["2026-09-01 visits"]
    store.conn.execute("UPDATE archive SET packed = X'00' WHERE day = '2026-09-01' AND kind = 'tickets'")
    check = doctor._archive_check(store, "id", settings.db_path)
    assert not check.ok and check.data["unreadable"] == ["2026-09-01 tickets", "2026-09-01 visits"]
    assert "1 hari" in check.action  # one day, two of its tables


def test_prune_archives_past_detail_days_and_maintenance_says_so(store, settings, clock):
    admin, _ = _history(store, settings, clock)
    assert settings.retention.detail_days == 45
    done = retention.prune(store, settings, now=datetime(2026, 10, 20, 9, 0, tzinfo=clock.now().tzinfo))
    # 2026-10-20 less 45 days is 2026-09-05: the two September days go.
    assert done.archived > 0
    assert archive.archived_days(store, "2026-01-01", "2026-12-31") == ["2026-09-01", "2026-09-02"]


KILLER = textwrap.dedent("""
    import os, sys
    from datetime import date
    from kiosk import archive
    from kiosk.store import Store
    store = Store(sys.argv[1])
    def trace(sql):  # inside the second day's write: its rows packed in, not yet deleted
        if sql.startswith("DELETE FROM visits") and archive.archived_days(store, "2026-09-02", "2026-09-02"):
            os.kill(os.getpid(), 9)
    store.conn.set_trace_callback(trace)
    archive.archive_before(store, date(2026, 11, 1))
""")


def test_a_kill_mid_archive_loses_and_doubles_nothing(store, settings, clock, tmp_path):
    admin, _ = _history(store, settings, clock)
    clock.set(datetime(2026, 10, 6, 11, 0, tzinfo=clock.now().tzinfo))
    before = _all_reports(store, settings, admin)
    counts = {k: _live(store, k) for k in archive.KINDS}
    script = tmp_path / "kill.py"
    script.write_text(KILLER)
    done = subprocess.run([sys.executable, str(script), str(settings.db_path)], cwd=os.getcwd(), timeout=60)
    assert done.returncode == -signal.SIGKILL
    with Store(settings.db_path, clock=clock) as again:
        assert archive.archived_days(again, "2026-01-01", "2026-12-31") == ["2026-09-01"]
        assert {k: _live(again, k) + archive.count(again, k) for k in archive.KINDS} == counts
        assert again.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        archive.archive_before(again, date(2026, 11, 1))
        assert {k: _live(again, k) + archive.count(again, k) for k in archive.KINDS} == counts
        assert _all_reports(again, settings, admin) == before


def test_the_day_lists_read_an_archived_day(store, settings, clock, tmp_path, capsys, monkeypatch):
    from screens.main import main

    admin, _ = _history(store, settings, clock)
    day = DAYS[0].isoformat()
    listed = [t.number for t in queue_for(store, settings).list(day=DAYS[0])]
    visits = records.visits(store, settings, admin, DAYS[0])
    archive.archive_before(store, date(2026, 10, 1))
    assert len(queue_for(store, settings).list(day=DAYS[0])) < len(listed)  # the live table alone
    assert [v.model_dump() for v in records.visits(store, settings, admin, DAYS[0])] == [v.model_dump() for v in visits]
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    assert main(["--config", str(tmp_path / "config.toml"), "--user", "admin", "ticket", "list", "--date", day,
                 "--json"]) == 0
    assert sorted(t["number"] for t in json.loads(capsys.readouterr().out)) == sorted(listed)
    assert main(["--config", str(tmp_path / "config.toml"), "--user", "admin", "record", "list", "--date", day,
                 "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(visits) > 0


def test_a_ticket_taken_on_an_archived_day_gets_a_number_of_its_own(store, settings, clock):
    """A PC whose clock was set back by months takes tickets on a day already archived: their
    numbers follow the archived ones, and the day's reports still read (found by a trial:
    A-001 again, and a report that stopped on a UNIQUE constraint)."""
    admin, _ = _history(store, settings, clock)
    archive.archive_before(store, date(2026, 10, 1))
    archived = [t["number"] for t in archive.rows(store, "tickets", start=DAYS[0].isoformat(), end=DAYS[0].isoformat())
                if t["letter"] == "A"]
    clock.set(datetime(2026, 9, 1, 15, 0, tzinfo=clock.now().tzinfo))
    taken = queue_for(store, settings).take("A")
    assert taken.number not in archived and taken.number == f"A-{len(archived) + 1:03d}"
    before = reports.report(store, settings, admin, DAYS[0], DAYS[0])
    assert archive.archive_before(store, date(2026, 10, 1)) == 1  # merged into the archived day
    assert reports.report(store, settings, admin, DAYS[0], DAYS[0]) == before
    assert before["tickets"]["issued"] == 5  # A-001, B-001, B-002 (the no-show), C-001 and the new A-002


def test_a_day_whose_archive_is_damaged_is_not_merged_into_and_the_others_go_on(store, settings, clock):
    admin, _ = _history(store, settings, clock)
    archive.archive_before(store, date(2026, 9, 2))  # the first day
    store.conn.execute("UPDATE archive SET packed = X'00' WHERE day = '2026-09-01' AND kind = 'tickets'")
    clock.set(datetime(2026, 9, 1, 16, 0, tzinfo=clock.now().tzinfo))
    late = queue_for(store, settings).take("B")  # a clock set back: a row on the archived day
    done = retention.prune(store, settings, now=datetime(2026, 12, 1, 9, 0, tzinfo=clock.now().tzinfo))
    assert done.archive_refused == ["2026-09-01 unreadable_day"]
    assert store.row("SELECT 1 FROM tickets WHERE id = ?", (late.id,))  # still a row, not lost
    assert archive.archived_days(store, "2026-01-01", "2026-12-31") == [d.isoformat() for d in DAYS]
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_day_changed_between_packing_and_the_move_is_packed_again(store, settings, clock, monkeypatch):
    """The day is packed from a read, outside the write; a ticket another process takes on
    that day meanwhile (a clock set back) is not lost: the write sees the change and packs
    the day again."""
    admin, _ = _history(store, settings, clock)
    real = archive._plan
    taken = []

    def plan_then_another_process_writes(st, day, links):
        plan = real(st, day, links)
        if not taken:
            with Store(settings.db_path, clock=FixedClock(datetime(2026, 9, 1, 16, 0, tzinfo=JAKARTA))) as other:
                taken.append(queue_for(other, settings).take("B").id)
        return plan

    monkeypatch.setattr(archive, "_plan", plan_then_another_process_writes)
    archive.archive_day(store, DAYS[0].isoformat())
    assert not store.row("SELECT 1 FROM tickets WHERE id = ?", (taken[0],))
    assert [t["id"] for t in archive.rows(store, "tickets", lambda t: t["id"] == taken[0])] == taken


def _order_made_meanwhile(monkeypatch, settings, admin):
    """Patch the planner so that, once the day is planned (before the write), another
    process makes an order for one of the day's leaving tickets; returns that ticket's id."""
    real = archive._plan
    made = []

    def plan_then_an_order_is_made(st, day, links):
        plan = real(st, day, links)
        if not made:
            with Store(settings.db_path) as other:
                ticket_id, guest_id = other.conn.execute(
                    "SELECT t.id, v.guest_id FROM tickets t JOIN visits v ON v.ticket_id = t.id"
                    " WHERE t.day = ? ORDER BY t.id LIMIT 1", (day,)).fetchone()
                assert ticket_id in plan.leaving["tickets"]
                sales.create_order(other, settings, admin, guest_id=guest_id, ticket_id=ticket_id)
                made.append(ticket_id)
        return plan

    monkeypatch.setattr(archive, "_plan", plan_then_an_order_is_made)
    return made


def test_an_order_made_between_packing_and_the_move_keeps_its_ticket_live(store, settings, clock, monkeypatch):
    """The write checks again that nothing outside the day names what it moves: an order
    made meanwhile for one of the day's tickets pins that ticket (and its bundle)."""
    admin, _ = _history(store, settings, clock)
    made = _order_made_meanwhile(monkeypatch, settings, admin)
    assert archive.archive_day(store, DAYS[0].isoformat()) > 0
    assert store.row("SELECT 1 FROM tickets WHERE id = ?", made)
    assert store.row("SELECT 1 FROM visits WHERE ticket_id = ?", made)
    assert not list(archive.rows(store, "tickets", lambda t: t["id"] == made[0]))
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_move_that_would_leave_a_reference_dangling_is_refused_and_rolled_back(store, settings, clock,
                                                                                 monkeypatch):
    """The last guard, for a planner that missed a reference (here: its re-check switched
    off while an order is made meanwhile): the write finds the order naming a moved ticket,
    rolls back whole, the day is reported refused, and the store is as before."""
    admin, _ = _history(store, settings, clock)
    made = _order_made_meanwhile(monkeypatch, settings, admin)
    monkeypatch.setattr(archive, "_plan_pins_hold", lambda *a: True)
    live = {k: _live(store, k) for k in archive.KINDS}
    refused: list[str] = []
    assert archive.archive_before(store, DAYS[1], refused) == 0
    assert refused == [f"{DAYS[0].isoformat()} dangling"]
    assert {k: _live(store, k) for k in archive.KINDS} == live
    assert archive.archived_days(store, "2026-01-01", "2026-12-31") == []
    assert store.row("SELECT 1 FROM tickets WHERE id = ?", made)
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def test_damage_is_found_by_the_digest_and_a_day_packed_before_digests_by_unpacking(store, settings, clock):
    """The doctor's and the backup's check: a day's bytes against the digest made when it was
    packed (a flipped byte in the middle, where xz's own check would need the whole day
    unpacked to see it); a day packed before migration 0020 (no digest) is unpacked instead."""
    _history(store, settings, clock)
    archive.archive_before(store, DAYS[2])  # the two September days
    assert archive.damaged(store.conn) == []
    rows = store.conn.execute("SELECT day, kind, CAST(packed AS BLOB), digest FROM archive").fetchall()
    assert rows and all(known == archive.digest(packed) for _, _, packed, known in rows)

    day, kind, packed, _ = next(r for r in rows if r[1] == "tickets")
    flipped = bytearray(packed)
    flipped[len(flipped) // 2] ^= 0x01
    store.conn.execute("UPDATE archive SET packed = ? WHERE day = ? AND kind = ?", (bytes(flipped), day, kind))
    assert archive.damaged(store.conn) == [f"{day} tickets"]

    store.conn.execute("UPDATE archive SET digest = NULL")  # as packed before digests
    assert archive.damaged(store.conn) == [f"{day} tickets"]
    store.conn.execute("UPDATE archive SET packed = ? WHERE day = ? AND kind = ?", (packed, day, kind))
    assert archive.damaged(store.conn) == []


def test_the_view_builds_every_index_a_reader_forces():
    """A reader naming an index with INDEXED BY fails on an archived period unless the view
    builds that index on its copy (archive.FORCED): the names in the code are the set."""
    import re
    from pathlib import Path

    import kiosk

    named = set()
    for path in Path(kiosk.__file__).parent.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        named |= set(re.findall(r"INDEXED BY (\w+)", text))
        named |= set(re.findall(r'_percentiles\(conn, "\w+", "(\w+)"', text))
    assert named - {"index"} == archive.FORCED


def test_a_damaged_day_is_left_out_whole_and_every_listing_says_so(store, settings, clock, tmp_path, capsys,
                                                                      monkeypatch):
    """Found by a trial: a day whose tickets were damaged still counted its visits and
    records (figures that contradict each other); a value the disk left as text stopped
    doctor, backup and reports; the day's lists said "no tickets" without a word."""
    from screens.main import main

    admin, _ = _history(store, settings, clock)
    archive.archive_before(store, date(2026, 10, 1))
    # Stored as text, not bytes (a flipped type byte): still only a damaged day.
    store.conn.execute("UPDATE archive SET packed = 'rusak' WHERE day = '2026-09-01' AND kind = 'tickets'")
    day = reports.report(store, settings, admin, DAYS[0], DAYS[0])
    assert day["archive_unreadable"] == ["2026-09-01 tickets"]
    assert (day["tickets"]["issued"], day["visits"]["total"], day["ikm"]["respondents"],
            day["records"]["total"] if "total" in day["records"] else 0) == (0, 0, 0, 0)
    assert archive.damaged(store.conn) == ["2026-09-01 tickets"]
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    config = str(tmp_path / "config.toml")
    for argv in (["ticket", "list", "--date", "2026-09-01"], ["record", "list", "--date", "2026-09-01"]):
        assert main(["--config", config, "--user", "admin", *argv]) == 0
        assert "arsip 2026-09-01 tidak terbaca" in capsys.readouterr().err
    assert main(["--config", config, "--user", "admin", "maintenance"]) == 0


def test_a_full_disk_is_told_as_such_and_changes_nothing(store, settings, clock, tmp_path, capsys, monkeypatch):
    """Found by a trial on a nearly full disk: maintenance said "cannot rollback - no
    transaction is active" (Store.write rolled back what SQLite already had)."""
    import sqlite3

    from screens.main import main

    _history(store, settings, clock)
    counts = {k: _live(store, k) for k in archive.KINDS}

    def full(*_a, **_k):
        exc = sqlite3.OperationalError("database or disk is full")
        exc.sqlite_errorcode = sqlite3.SQLITE_FULL  # as SQLite raises it
        raise exc

    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        with store.write():
            store.conn.execute("DELETE FROM tickets WHERE 0")
            full()
    assert not store.conn.in_transaction
    monkeypatch.setattr(archive, "archive_before", full)
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    code = main(["--config", str(tmp_path / "config.toml"), "--user", "admin", "maintenance"])
    assert code == 7 and "Disk basis data penuh" in capsys.readouterr().err
    assert {k: _live(store, k) for k in archive.KINDS} == counts


def test_maintenance_waits_for_a_sync_or_another_maintenance_then_refuses(store, settings, clock, tmp_path, capsys,
                                                                            monkeypatch):
    from kiosk.central.sync import SyncLock
    from kiosk.commands import maintenance
    from screens.main import main

    _history(store, settings, clock)
    held = SyncLock(store)
    assert held.acquire()
    monkeypatch.setattr(maintenance, "MAINTENANCE_WAIT_SECONDS", 0.5)
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    argv = ["--config", str(tmp_path / "config.toml"), "--user", "admin", "maintenance"]
    code = main(argv)
    err = capsys.readouterr().err
    assert code != 0 and "sedang menyinkronkan atau memelihara" in err
    # It said at once why it waited, and who holds the lock (found by a trial: a silent minute).
    assert f"Menunggu proses lain (pid {os.getpid()})" in err
    assert archive.count(store, "tickets") == 0
    held.release()
    assert main(argv) == 0


def test_a_day_once_archived_is_not_planned_again_unless_a_row_is_added_to_it(store, settings, clock):
    """The rows an order or a locker names stay live for ever: their days are not planned
    again at every run (that grew with the years), only when a row comes to them."""
    _history(store, settings, clock)
    archive.archive_before(store, date(2026, 10, 1))
    assert store.conn.execute("SELECT COUNT(*) FROM tickets WHERE day < '2026-10-01'").fetchone()[0] > 0  # pinned
    assert archive.days_due(store, date(2026, 10, 1)) == []
    assert archive.days_due(store, date(2026, 10, 6)) == ["2026-10-05"]  # the window moves on
    clock.set(datetime(2026, 9, 2, 16, 0, tzinfo=JAKARTA))  # a clock set back: a row on an archived day
    queue_for(store, settings).take("B")
    assert archive.days_due(store, date(2026, 10, 1)) == ["2026-09-02"]
    assert archive.archive_before(store, date(2026, 10, 1)) == 1
    assert archive.days_due(store, date(2026, 10, 1)) == []


def test_a_disk_filling_midway_says_what_stays_done_and_the_next_run_goes_on(store, settings, clock, tmp_path,
                                                                             capsys, monkeypatch):
    """Found by a trial on a nearly full disk (tmpfs): every run said "tidak ada yang diubah"
    (nothing was changed) while each had pruned the print jobs and archived some days, and
    the next went on from there. It now says it stopped midway and what stays done."""
    import sqlite3

    from screens.main import main

    admin, _ = _history(store, settings, clock)
    clock.set(datetime(2026, 10, 6, 11, 0, tzinfo=JAKARTA))
    before = _all_reports(store, settings, admin)
    counts = {k: _live(store, k) for k in archive.KINDS}
    real = archive.archive_day
    calls = []

    def full_on_the_second_day(st, day):
        calls.append(day)
        if len(calls) == 2:  # as SQLite raises it when the write-ahead log cannot grow
            exc = sqlite3.OperationalError("database or disk is full")
            exc.sqlite_errorcode = sqlite3.SQLITE_FULL
            raise exc
        return real(st, day)

    monkeypatch.setattr(archive, "archive_day", full_on_the_second_day)
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    argv = ["--config", str(tmp_path / "config.toml"), "--user", "admin", "maintenance"]
    assert main(argv) == 7
    err = capsys.readouterr().err
    assert "Disk basis data penuh" in err and "berhenti sebelum selesai" in err and "1 hari diarsipkan" in err
    assert "tidak ada yang diubah" not in err
    assert archive.archived_days(store, "2026-01-01", "2026-12-31") == [DAYS[0].isoformat()]
    assert {k: _live(store, k) + archive.count(store, k) for k in archive.KINDS} == counts

    monkeypatch.setattr(archive, "archive_day", real)
    assert main(argv) == 0
    assert archive.archived_days(store, "2026-01-01", "2026-12-31") == [d.isoformat() for d in DAYS]
    assert {k: _live(store, k) + archive.count(store, k) for k in archive.KINDS} == counts
    assert _all_reports(store, settings, admin) == before


def test_a_full_temporary_folder_is_named_not_the_store_s_disk(store, settings, clock, tmp_path, capsys,
                                                                monkeypatch):
    """Found by a trial (SQLITE_TMPDIR on a 256 kB tmpfs, the store's disk half empty): a
    report over archived days said "the store's disk is full: nothing was changed ...
    maintenance needs room". The view's copies fill the temporary folder: it is named."""
    import sqlite3

    from screens.main import main

    _history(store, settings, clock)
    archive.archive_before(store, date(2026, 10, 1))

    def full(*_a, **_k):  # as SQLite raises it when the temporary file cannot grow
        exc = sqlite3.OperationalError("database or disk is full")
        exc.sqlite_errorcode = sqlite3.SQLITE_FULL
        raise exc

    monkeypatch.setattr(archive, "_index_like_main", full)
    monkeypatch.setenv("SQLITE_TMPDIR", str(tmp_path))
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    config = str(tmp_path / "config.toml")
    for argv in (["report", "month", "--month", "2026-09"], ["ticket", "list", "--date", "2026-09-01"],
                 ["record", "list", "--date", "2026-09-01"]):
        assert main(["--config", config, "--user", "admin", *argv]) == 7
        err = capsys.readouterr().err
        assert f"Ruang sementara untuk membaca hari yang diarsipkan penuh ({tmp_path})" in err
        assert "Disk basis data penuh" not in err
    assert main(["--config", config, "--user", "admin", "report", "month", "--month", "2026-10"]) == 0  # no archived day
    assert archive.temp_dir() == str(tmp_path)


def test_a_ticket_taken_on_a_damaged_archived_day_gets_a_number_none_of_its_tickets_had(store, settings, clock):
    """Found by a trial: with the day's archived tickets unreadable, a ticket taken on that
    day (a clock set back) was A-001 again. It now counts past the day's archived rows."""
    _history(store, settings, clock)
    archive.archive_before(store, date(2026, 10, 1))
    numbers = {t["number"] for t in archive.rows(store, "tickets", start="2026-09-01", end="2026-09-01")}
    store.conn.execute("UPDATE archive SET packed = X'00' WHERE day = '2026-09-01' AND kind = 'tickets'")
    clock.set(datetime(2026, 9, 1, 16, 0, tzinfo=JAKARTA))
    taken = queue_for(store, settings).take("A")
    assert "A-001" in numbers and taken.number not in numbers


def test_a_refused_day_is_told_at_every_run_until_it_can_be_archived(store, settings, clock):
    """Found by a trial: a day refused (its archive unreadable, a row added to it) was told
    by the first maintenance only; the next runs said nothing ("archive_refused": []) and
    never tried it again, even once the archive read back (a good copy put back)."""
    _history(store, settings, clock)
    archive.archive_before(store, date(2026, 9, 2))  # the first day
    good = store.row("SELECT CAST(packed AS BLOB) AS p FROM archive WHERE day = '2026-09-01' AND kind = 'tickets'")["p"]
    store.conn.execute("UPDATE archive SET packed = X'00' WHERE day = '2026-09-01' AND kind = 'tickets'")
    clock.set(datetime(2026, 9, 1, 16, 0, tzinfo=JAKARTA))
    late = queue_for(store, settings).take("B")  # a clock set back: a row on the archived day
    now = datetime(2026, 12, 1, 9, 0, tzinfo=JAKARTA)
    for _ in range(2):
        assert retention.prune(store, settings, now=now).archive_refused == ["2026-09-01 unreadable_day"]
    store.conn.execute("UPDATE archive SET packed = ? WHERE day = '2026-09-01' AND kind = 'tickets'", (good,))
    done = retention.prune(store, settings, now=now)
    assert done.archive_refused == [] and done.archived == 1
    assert not store.row("SELECT 1 FROM tickets WHERE id = ?", (late.id,))
    assert [t["id"] for t in archive.rows(store, "tickets", lambda t: t["id"] == late.id)] == [late.id]
    assert archive.days_due(store, date(2026, 11, 1)) == []

"""Acknowledged outbox changes kept packed (kiosk/retention.py pack_acknowledged, migration
0018): moved whole and in order, unacknowledged ones never; pruned after their time; new
change ids stay above them; an erased person's data leaves the packed ones too; the centre
(real PostgreSQL) still receives every change exactly once."""

from __future__ import annotations

import json
import subprocess
import sys

import psycopg
import pytest

from kiosk import accounts, lockers, privacy, retention
from kiosk.central import sync
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store, payload_text, unpack_text
from kiosk.tickets import issue_ticket, queue_for
from tests.kiosk.test_sync import SITI, office, pg  # noqa: F401 - pg is a fixture

COLUMNS = "seq, id, entity, entity_id, op, terminal_id, created_at, payload"


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    monkeypatch.setattr(retention, "BATCH", 5)


def _outbox(store):
    return [{**dict(zip(COLUMNS.split(", "), r[:7])), "payload": json.loads(payload_text(r[7]))}
            for r in store.conn.execute(f"SELECT {COLUMNS} FROM changes ORDER BY seq")]


def _sent(store):
    return [{**r, "payload": json.loads(r["payload"])} for r in retention.sent_changes(store)]


def _work(store, settings, admin, n=6):
    queue = queue_for(store, settings).as_user(admin)
    for i in range(n):
        issue_ticket(store, settings, "BC"[i % 2])
        queue.finish(queue.start(queue.call_next(1).id).id)


def _all_packed_text(store) -> str:
    return "".join(unpack_text(p) for (p,) in store.conn.execute("SELECT packed FROM changes_sent"))


def test_acknowledged_changes_move_whole_and_in_order_unacknowledged_stay(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        _work(store, settings, admin)
        before = _outbox(store)
        assert len(before) > 30
        acked = before[22]["seq"]  # the centre has 23 of them: 4 batches of 5 go, 3 wait
        store.set_meta("sync.pushed_seq", str(acked))
        pruned = retention.prune(store, settings)  # nothing is old enough to go
        assert (pruned.packed, pruned.changes) == (20, 0)
        assert _sent(store) == before[:20]
        assert _outbox(store) == before[20:]
        assert sync.status(store).pending == len(before) - 23
        assert store.conn.execute("SELECT COUNT(*), SUM(count) FROM changes_sent").fetchone() == (4, 20)
        # Again: nothing more to move until a whole batch is acknowledged.
        assert retention.pack_acknowledged(store) == 0
        # New change ids stay above every one moved, with the outbox emptied.
        store.set_meta("sync.pushed_seq", str(before[-1]["seq"]))
        retention.pack_acknowledged(store)
        clock.advance(hours=-2)
        issue_ticket(store, settings, "B")
        newest = _outbox(store)[-1]
        assert newest["seq"] > before[-1]["seq"]
        assert newest["id"] > max(c["id"] for c in _sent(store))


def test_packed_changes_go_after_their_time(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        _work(store, settings, admin, 3)
        first = len(_outbox(store))
        clock.advance(days=20)
        _work(store, settings, admin, 3)
        total = len(_outbox(store))
        store.set_meta("sync.pushed_seq", str(total))
        assert retention.prune(store, settings).changes == 0
        clock.advance(days=11)  # the first day's are 31 days old, the second's 11
        pruned = retention.prune(store, settings)
        # Whole batches go once their newest change is past the time; the one that holds
        # changes of both days waits for the later ones.
        assert 0 < first - 5 < pruned.changes <= first
        left = _sent(store) + _outbox(store)
        assert len(left) == total - pruned.changes
        assert [c["seq"] for c in left] == list(range(pruned.changes + 1, total + 1))
        clock.advance(days=30)
        assert retention.prune(store, settings).changes == len(left)
        assert store.conn.execute("SELECT COUNT(*) FROM changes_sent").fetchone()[0] == 0


def test_an_erased_guest_and_their_locker_leave_the_packed_changes(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        visit = register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        card = lockers.assign(store, settings, admin, id_type="ktp", id_number=SITI["id_number"],
                              holder_name=SITI["name"])
        lockers.return_card(store, admin, card.locker.id)
        _work(store, settings, admin, 4)
        store.set_meta("sync.pushed_seq", str(len(_outbox(store))))
        retention.pack_acknowledged(store)
        packed = _all_packed_text(store)
        assert "Siti Aminah" in packed and "siti@example.com" in packed and "3273********0001" in packed
        before = _sent(store)

        privacy.erase(store, admin, SITI["id_number"])

        packed = _all_packed_text(store)
        for personal in ("Siti", "siti@example.com", "3273********0001", "0001\""):
            assert personal not in packed
        after = _sent(store)
        assert [c["seq"] for c in after] == [c["seq"] for c in before]  # kept, redacted in place
        guest = next(c for c in after if c["entity"] == "guest")
        assert guest["entity_id"] == visit.guest_id and guest["payload"]["name"] == privacy.ANONYMOUS
        assert "phone" not in before[after.index(guest)]["payload"] or guest["payload"]["phone"] is None
        locker = next(c for c in after if c["entity"] == "locker")
        assert locker["payload"]["holder_name"] == privacy.ANONYMOUS
        audits = [c for c in after if c["entity"] == "audit" and c["payload"].get("entity") == "locker"]
        assert audits and all(c["payload"]["detail"].get("id_masked", "****") == "****" for c in audits)
        # Nothing else changed: the tickets' changes read as before.
        assert [c for c in after if c["entity"] == "ticket"] == [c for c in before if c["entity"] == "ticket"]


def test_a_damaged_batch_goes_at_the_next_erasure_and_the_others_stay(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        _work(store, settings, admin, 4)
        store.set_meta("sync.pushed_seq", str(len(_outbox(store))))
        retention.pack_acknowledged(store)
        batches = store.conn.execute("SELECT first_seq, packed FROM changes_sent ORDER BY first_seq").fetchall()
        assert len(batches) >= 3
        damaged = bytearray(batches[1][1])
        damaged[len(damaged) // 2] ^= 0xFF
        with store.write():
            store.conn.execute("UPDATE changes_sent SET packed = ? WHERE first_seq = ?", (bytes(damaged), batches[1][0]))
        with pytest.raises(ValueError):
            list(retention.sent_changes(store))
        privacy.erase(store, admin, SITI["id_number"])  # not stopped by it
        left = [r[0] for r in store.conn.execute("SELECT first_seq FROM changes_sent ORDER BY first_seq")]
        assert left == [b[0] for b in batches if b[0] != batches[1][0]]
        assert "Siti" not in _all_packed_text(store)


def test_the_centre_gets_every_change_once_across_packing_and_a_killed_packing(tmp_path, pg, clock):  # noqa: F811
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        _work(store, settings, admin, 4)
        assert sync.run(store, settings).ok
        retention.pack_acknowledged(store)
        assert store.conn.execute("SELECT COUNT(*) FROM changes_sent").fetchone()[0] > 0
        _work(store, settings, admin, 3)
        assert sync.run(store, settings).ok and sync.status(store).pending == 0
        sent_before = store.conn.execute("SELECT COUNT(*) FROM changes_sent").fetchone()[0]
        local = {c["id"] for c in _sent(store) + _outbox(store)}
        assert len(_outbox(store)) >= 10
    # A packing killed (SIGKILL) inside its second batch's transaction, the first committed.
    script = (
        "import os, signal, sys\n"
        "from kiosk import retention\n"
        "from kiosk.store import Store\n"
        "retention.BATCH = 5\n"
        "real, calls = retention._pack_sent, []\n"
        "def dying(batch):\n"
        "    calls.append(1)\n"
        "    if len(calls) == 2:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(batch)\n"
        "retention._pack_sent = dying\n"
        "with Store(sys.argv[1]) as store:\n"
        "    retention.pack_acknowledged(store)\n")
    done = subprocess.run([sys.executable, "-c", script, str(settings.db_path)], check=False)
    assert done.returncode == -9
    with Store(settings.db_path, clock=clock) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.conn.execute("SELECT COUNT(*) FROM changes_sent").fetchone()[0] == sent_before + 1
        assert {c["id"] for c in _sent(store) + _outbox(store)} == local  # nothing lost, nothing twice
        _work(store, settings, admin, 2)
        new = {c["id"] for c in _outbox(store)} - local
        result = sync.run(store, settings)
        assert result.ok and result.pushed == len(new) > 0
        retention.pack_acknowledged(store)
        assert sync.run(store, settings).pushed == 0
        everything = {c["id"] for c in _sent(store) + _outbox(store)}
    assert everything == local | new
    with psycopg.connect(pg["dsn"]) as conn:
        ids = [r[0] for r in conn.execute("SELECT change_id::text FROM pst.changes WHERE office_code = '1373'")]
    assert len(ids) == len(set(ids)) == len(everything)
    assert set(ids) == everything


def test_maintenance_says_what_it_packed(settings, clock, monkeypatch, capsys):
    from kiosk.cli import main

    monkeypatch.setattr(retention, "BATCH", 1000)  # as shipped
    monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
    with Store(settings.db_path, clock=clock) as store:
        with store.write():
            for i in range(2100):
                store.record_change("ticket", f"t{i}", "take", {"number": f"B-{i:03}", "status": "waiting"})
        store.set_meta("sync.pushed_seq", "2050")
    assert main(["maintenance", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert (done["packed"], done["changes"]) == (2000, 0)
    assert main(["maintenance"]) == 0
    out = capsys.readouterr().out
    assert "Dikemas" not in out  # nothing more to pack: 50 acknowledged wait for a batch
    with Store(settings.db_path, clock=clock) as store:
        store.set_meta("sync.pushed_seq", "2100")
        with store.write():
            for i in range(950):
                store.record_change("ticket", f"u{i}", "take", {"number": f"C-{i:03}"})
        store.set_meta("sync.pushed_seq", "3050")
    assert main(["maintenance"]) == 0
    out = capsys.readouterr().out
    assert "Dikemas: 1000 perubahan yang sudah diterima pusat" in out
    with Store(settings.db_path, clock=clock) as store:
        assert [c["seq"] for c in retention.sent_changes(store)] == list(range(1, 3001))
        assert store.conn.execute("SELECT MIN(seq), MAX(seq) FROM changes").fetchone() == (3001, 3050)

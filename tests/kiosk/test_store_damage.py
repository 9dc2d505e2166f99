"""A store damaged inside (issue 14): a page of a table, a packed outbox payload. Told as the
store's damage with the way back (a backup), never as an unexpected failure; doctor finds it."""

import json
import random

from kiosk.store import Store, unreadable_changes
from screens.main import main
from tests.kiosk.test_cli import env, run  # noqa: F401 - env is a fixture
from tests.kiosk.test_sync import pg  # noqa: F401 - a fixture


def _take(capsys, n):
    for _ in range(n):
        assert run(capsys, "ticket", "take", "B", "--no-print")[0] == 0


def test_a_damaged_table_page_is_told_as_a_damaged_store_with_the_way_back(env, capsys):  # noqa: F811
    _take(capsys, 30)
    db = env / "pst.db"
    with Store(db) as store:
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        root = store.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'tickets'").fetchone()[0]
        size = store.conn.execute("PRAGMA page_size").fetchone()[0]
    with open(db, "r+b") as fh:  # the table's first page: random bytes, as a failing disk leaves it
        fh.seek((root - 1) * size)
        fh.write(random.Random(14).randbytes(size))
    code, out, err = run(capsys, "ticket", "list")
    assert code == 7 and out == ""
    assert err.startswith(f"pst-kiosk: Basis data {db} rusak") and "restore --from-backup" in err
    assert "Terjadi kesalahan" not in err and "Traceback" not in err
    code, _, err = run(capsys, "--lang", "en", "ticket", "list")
    assert code == 7 and "is damaged" in err and "pst-kiosk backup" in err


def test_a_damaged_outbox_payload_stops_sync_with_its_number_and_doctor_finds_it(env, capsys, pg, monkeypatch):  # noqa: F811
    from tests.kiosk.test_sync import office

    settings = office(env, pg, "1373")  # the office's role at the centre, its config file
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(env / "1373-t.toml"))
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", settings.central_dsn)
    _take(capsys, 5)
    db = env / "pst.db"
    with Store(db) as store:
        seq, packed = store.conn.execute("SELECT seq, payload FROM changes ORDER BY seq LIMIT 1 OFFSET 2").fetchone()
        assert isinstance(packed, bytes)
        broken = packed[:5] + bytes([packed[5] ^ 0xFF]) + packed[6:]  # one byte flipped on disk
        with store.write():
            store.conn.execute("UPDATE changes SET payload = ? WHERE seq = ?", (broken, seq))
        assert unreadable_changes(store.conn, 0) == [seq]
    code, _, err = run(capsys, "sync")
    assert code == 11 and f"Perubahan #{seq} di outbox tidak terbaca" in err and "Terjadi kesalahan" not in err
    code, out, _ = run(capsys, "doctor", "--json")
    report = json.loads(out)
    outbox = next(c for c in report["checks"] if c["name"] == "outbox")
    assert code == 7 and not outbox["ok"] and outbox["data"]["unreadable"] == [seq]
    assert f"#{seq}" in outbox["action"]
    # The centre got nothing past the damaged change (its batch stops whole: sent again once mended).
    with Store(db) as store:
        assert int(store.meta("sync.pushed_seq") or 0) < seq


def test_printer_jobs_refuses_a_limit_below_one_and_names_kinds_in_the_readers_language(env, capsys):  # noqa: F811
    _take(capsys, 1)
    assert run(capsys, "printer", "jobs", "--limit", "0")[0] == 9
    code, _, err = run(capsys, "printer", "jobs", "--limit", "-5")
    assert code == 9 and "--limit harus 1 atau lebih" in err
    code, out, _ = run(capsys, "printer", "jobs")
    assert code == 0 and out.splitlines()[1].split()[3] == "tiket"
    code, out, _ = run(capsys, "--lang", "en", "printer", "jobs")
    assert code == 0 and out.splitlines()[1].split()[3] == "ticket"


def test_doctor_tells_a_central_role_of_another_office(env, capsys, pg, monkeypatch):  # noqa: F811
    """Reachable is not enough: the centre refuses every row of a store whose office is not
    the role's. Doctor says so (exit 11) and shows the last sync error beside the sync line."""
    from tests.kiosk.test_sync import office, office_dsn

    office(env, pg, "1374")  # the role of another office exists at the centre
    office(env, pg, "1373")
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(env / "1373-t.toml"))
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", office_dsn(pg, "1374"))
    _take(capsys, 1)
    assert run(capsys, "sync")[0] == 11
    code, out, _ = run(capsys, "doctor", "--json")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 11 and not checks["central"]["ok"]
    assert "1374" in checks["central"]["value"] and "1373" in checks["central"]["value"]
    assert "last error" not in checks["sync"]["value"] and "kesalahan terakhir" in checks["sync"]["value"]

"""A store damaged inside (issue 14): a page of a table, a packed outbox payload. Told as the
store's damage with the way back (a backup), never as an unexpected failure; doctor finds it."""

import json
import os
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
        # Whatever the payload (ids and times differ each run), the flip never reads back.
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


def test_any_one_byte_flipped_in_a_packed_payload_is_found():
    """The packed form carries zlib's check: a flipped byte anywhere is an unreadable
    payload, never other text sent to the centre as if it were the change."""
    from kiosk.store import outbox_json, pack_payload, payload_text

    text = outbox_json({"id": "019e96ac-d21d-7f64-b5af-2d142064e9e3", "number": "B-125", "status": "done",
                        "called_at": "2026-06-05T07:43:25.119362Z", "wait_seconds": 936.3})
    packed = pack_payload(text)
    assert payload_text(packed) == text
    found = 0
    for i in range(1, len(packed)):  # byte 0 names the dictionary
        for flip in (0x01, 0x80, 0xFF):
            broken = packed[:i] + bytes([packed[i] ^ flip]) + packed[i + 1:]
            try:
                assert payload_text(broken) == text  # a bit deflate never reads (the last byte's padding)
            except ValueError:
                found += 1
    assert found >= 3 * (len(packed) - 2) - 3


def test_a_store_that_cannot_be_written_is_said_so(env, capsys, tmp_path):  # noqa: F811
    """SQLite's own refusal of a read-only file becomes words with what to check; a file
    made immutable (what the trial did, as root) is refused with them by any command."""
    import shutil
    import sqlite3
    import subprocess

    from kiosk.i18n import t
    from kiosk.store import open_error

    db = tmp_path / "ro.db"
    sqlite3.connect(db).execute("CREATE TABLE x (y)").connection.close()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        conn.execute("INSERT INTO x VALUES (1)")
    except sqlite3.OperationalError as exc:
        refusal = open_error(db, exc)
    conn.close()
    assert refusal.key == "storefile.readonly" and str(db) in refusal.message("id")
    assert "tidak bisa ditulis" in refusal.message("id") and "cannot be written" in refusal.message("en")
    assert open_error(db, sqlite3.OperationalError("unable to open database file")).key == "error.store_open"
    _take(capsys, 1)
    store = env / "pst.db"
    chattr = shutil.which("chattr")
    if os.geteuid() != 0 or not chattr or subprocess.run([chattr, "+i", str(store)], capture_output=True).returncode:
        return  # no immutable files here: SQLite's own refusal above is what a command meets
    try:
        code, _, err = run(capsys, "ticket", "take", "B", "--no-print")
        assert code == 7 and t("storefile.readonly", "id", path=str(store)) in err
    finally:
        subprocess.run([chattr, "-i", str(store)], check=True)

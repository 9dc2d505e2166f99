"""`pst-kiosk backup` and `restore --from-backup`: a consistent, checked, private, rotated
copy made while another process writes; a PC rebuilt from it, whose sync then sends what the
centre lacks exactly once (real PostgreSQL); a damaged store refused with the way back."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from kiosk import backup, guestbook
from kiosk.central import sync
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store
from kiosk.tickets import issue_ticket
from tests.conftest import write_config
from tests.kiosk.test_sync import SITI, activity, central_rows, office, office_dsn, pg  # noqa: F401


def cli(monkeypatch, capsys, settings, *args, config=None):
    from screens.main import main

    path = config or settings.db_path.with_suffix(".toml")
    path.touch()  # an explicit config file must exist (empty: a PC that names no office yet)
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(path))
    monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
    capsys.readouterr()
    status = main(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_a_backup_taken_while_another_process_writes_is_whole_and_holds_what_came_before(settings, tmp_path):
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
    writer = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        from kiosk import config
        from kiosk.store import Store
        from kiosk.tickets import issue_ticket
        s = config.load({str(tmp_path / "config.toml")!r})
        with Store(s.db_path) as store:
            while True:
                issue_ticket(store, s, "BC"[store.conn.total_changes % 2])
    """)], env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stderr=subprocess.PIPE)
    try:
        with Store(settings.db_path) as store:
            deadline = time.time() + 60
            while store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] < 100:
                assert writer.poll() is None and time.time() < deadline, writer.stderr.read()
                time.sleep(0.05)
            before = {r[0] for r in store.conn.execute("SELECT id FROM tickets")}  # committed before it began
            made = backup.backup(store, settings, tmp_path / "bk")
            assert writer.poll() is None  # it wrote on all along
            after = store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0]
    finally:
        writer.kill()
        writer.wait()
    copy = sqlite3.connect(made.path)
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    held = {r[0] for r in copy.execute("SELECT id FROM tickets")}
    assert before <= held and made.tickets == len(held)
    # Each ticket whole with its outbox change (one transaction: both or neither).
    assert copy.execute("SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM changes c"
                        " WHERE c.entity = 'ticket' AND c.entity_id = t.id)").fetchone()[0] == 0
    assert after >= len(held)


def test_a_backup_is_private_says_what_it_holds_carries_the_id_key_and_rotates(settings, clock, monkeypatch,
                                                                                  capsys, tmp_path):
    with Store(settings.db_path, clock=clock) as store:
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        key = guestbook.id_key(store)
        made = []
        for _ in range(4):
            made.append(backup.backup(store, settings, keep=3))
            clock.advance(seconds=1)
    folder = settings.db_path.parent / "backups"  # beside the store by default
    assert [Path(m.path).parent for m in made] == [folder] * 4
    assert backup.backups_in(folder) == [Path(m.path) for m in made[1:]]  # the oldest rotated out
    assert made[-1].removed == [made[0].path]
    path = Path(made[-1].path)
    assert "DATA-PRIBADI" in path.name
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    meta = dict(sqlite3.connect(path).execute("SELECT key, value FROM meta").fetchall())
    assert meta[guestbook.ID_KEY] == key and "personal data" in meta["backup.notice"]
    assert "central_dsn" not in meta["backup.settings"]
    status, out, err = cli(monkeypatch, capsys, settings, "--lang", "en", "backup", str(tmp_path / "mine"),
                           "--keep", "2")
    assert status == 0, err
    assert "personal data" in out and str(tmp_path / "mine") in out
    status, _out, err = cli(monkeypatch, capsys, settings, "backup", "--keep", "0")
    assert status == 9 and "--keep" in err  # invalid input


def test_a_damaged_store_is_refused_with_the_way_back(settings, monkeypatch, capsys):
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
        made = backup.backup(store, settings)
    for extra in ("-wal", "-shm"):
        settings.db_path.with_name(settings.db_path.name + extra).unlink(missing_ok=True)
    settings.db_path.write_bytes(b"not a store at all " * 500)
    status, _out, err = cli(monkeypatch, capsys, settings, "--lang", "en", "ticket", "list")
    assert status == 7 and "pst-kiosk backup" in err and "restore --from-backup" in err
    assert "Traceback" not in err
    status, _out, err = cli(monkeypatch, capsys, settings, "ticket", "list")
    assert status == 7 and "rusak" in err and "restore --from-backup" in err
    # The way back: the damaged file is refused without --force, kept aside with it.
    status, _out, err = cli(monkeypatch, capsys, settings, "restore", "--from-backup", made.path)
    assert status == 5 and "--force" in err
    status, out, err = cli(monkeypatch, capsys, settings, "restore", "--from-backup", made.path, "--force")
    assert status == 0, err
    aside = [p for p in settings.db_path.parent.iterdir() if ".replaced-" in p.name]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"not a store")
    status, out, err = cli(monkeypatch, capsys, settings, "ticket", "list", "--json")
    assert status == 0 and [t["number"] for t in json.loads(out)] == ["B-001"]


def test_a_pc_rebuilt_from_a_backup_syncs_what_the_centre_lacks_exactly_once(tmp_path, pg, monkeypatch,  # noqa: F811
                                                                            capsys):
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        activity(store, settings, 3)  # 21 changes, sent
        assert sync.run(store, settings).ok
        activity(store, settings, 2)  # 14 more, not sent (the link was down)
        made = backup.backup(store, settings)
        activity(store, settings, 1)  # made after the backup: lost with the disk
        old_terminal = store.terminal_id
    # The disk dies. A new PC with a configuration that names no office yet.
    new = write_config(tmp_path / "new.toml", tmp_path / "new.db", code="0000")
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", office_dsn(pg, "1373"))
    status, _out, err = cli(monkeypatch, capsys, new, "restore", "--from-backup", made.path)
    assert status == 0, err
    status, out, err = cli(monkeypatch, capsys, new, "--lang", "en", "restore", "--from-backup", made.path)
    assert status == 5 and "--force" in err  # not over a store that holds data
    from kiosk import config

    restored = config.load(tmp_path / "new.toml")  # the office came from the backup
    assert restored.office.code == "1373" and restored.office.name == settings.office.name
    restored = restored.model_validate({**restored.model_dump(mode="json"), "central_dsn": office_dsn(pg, "1373")})
    with Store(restored.db_path) as store:
        assert store.terminal_id != old_terminal
        assert sync.status(store).pending == 15  # 14 unsent + the terminal's restore
        result = sync.run(store, restored)
        assert result.ok and result.pushed == 15
        issue_ticket(store, restored, "B")
        assert sync.run(store, restored).pushed == 1
    # Every change once: the 35 of the backup, the restore, the new ticket; never the 21 again.
    assert central_rows(pg, "SELECT COUNT(*), COUNT(DISTINCT change_id) FROM pst.changes") == [(37, 37)]
    assert central_rows(pg, "SELECT COUNT(*) FROM pst.tickets") == [(6,)]

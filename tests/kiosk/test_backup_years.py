"""Issue 14, "Years on one PC": what a fresh-eyes trial of `pst-kiosk backup` and
`restore --from-backup` found. Rotation that only ever touches this office's backups and
never the one just made; a restore refused while a face (another process) has the store
open, allowed once it is gone, even by `kill -9`; erasures made after a backup survive a
restore from it (real PostgreSQL for the centre's side); messages that say what they mean.
Real files, real processes, no mocks."""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk import accounts, backup, lockers
from kiosk.central import sync
from kiosk.errors import Refused
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store, payload_text
from kiosk.tickets import issue_ticket
from tests.kiosk.test_backup import cli
from tests.kiosk.test_sync import SITI, central_rows, office, pg  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PIN = "975318"


def run(monkeypatch, capsys, settings, *args):
    return cli(monkeypatch, capsys, settings, *args, config=settings.db_path.parent / "config.toml")


# -- 1. rotation --------------------------------------------------------------------------------


def test_rotation_keeps_the_new_backup_and_never_touches_a_copy_or_another_offices_file(
        settings, clock, monkeypatch, capsys, tmp_path):
    folder = tmp_path / "usb"
    with Store(settings.db_path, clock=clock) as store:
        issue_ticket(store, settings, "B")
        first = backup.backup(store, settings, folder, keep=3)
        clock.advance(seconds=1)
        second = backup.backup(store, settings, folder, keep=3)
        clock.advance(seconds=1)
        copy = folder / "pst-kiosk-1373-copy-usb.DATA-PRIBADI.db"  # a person's copy, same folder
        other = folder / "pst-kiosk-9999-20200101-000000.DATA-PRIBADI.db"  # a shared stick
        later_other = folder / "pst-kiosk-9999-29991231-235959.DATA-PRIBADI.db"
        notes = folder / "pst-kiosk-1373-notes.txt"
        for path in (copy, other, later_other):
            shutil.copyfile(first.path, path)
        notes.write_text("not a backup")
        third = backup.backup(store, settings, folder, keep=1)
    assert Path(third.path).exists() and third.size == Path(third.path).stat().st_size
    assert third.removed == [first.path, second.path]  # oldest first, by the time in the name
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [Path(third.path).name, copy.name, other.name, later_other.name, notes.name])
    assert backup.backups_in(folder, "1373") == [Path(third.path)]
    assert backup.newest(folder, "1373") == Path(third.path)
    # The command as an office runs it: exit 0, the new backup there, the others untouched.
    status, out, err = run(monkeypatch, capsys, settings, "--lang", "en", "backup", str(folder), "--keep", "1")
    assert status == 0, err
    mine = backup.backups_in(folder, "1373")
    assert len(mine) == 1 and str(mine[0]) in out and Path(third.path).name in out  # rotated out, told
    assert copy.exists() and other.exists() and later_other.exists() and notes.exists()
    assert "integrity check passed" in out and "whole" not in out


def test_backups_rotating_one_folder_at_once_all_succeed(settings, clock, tmp_path):
    """Four real processes back up into one folder with --keep 1 at the same time: each
    finds files another has just deleted; none of them fails for it."""
    folder = tmp_path / "bk"
    with Store(settings.db_path, clock=clock) as store:
        issue_ticket(store, settings, "B")
        for _ in range(40):
            backup.backup(store, settings, folder, keep=100)
            clock.advance(hours=1)
    env = {**os.environ, "PST_KIOSK_CONFIG": str(tmp_path / "config.toml"), "PST_KIOSK_DB": str(settings.db_path),
           "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-m", "screens.main", "--lang", "en", "backup", str(folder),
                               "--keep", "1"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(4)]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert [status for status, _out, _err in results] == [0] * 4, results
    assert all("Traceback" not in err and "FileNotFoundError" not in err for _s, _o, err in results)
    assert 1 <= len(backup.backups_in(folder, "1373")) <= 4  # the same second shares one name


# -- 2. the store's lock --------------------------------------------------------------------------


HOLD = textwrap.dedent("""
    import sys
    from kiosk.store import Store
    from kiosk.tickets import issue_ticket
    from kiosk import config
    s = config.load(sys.argv[1])
    with Store(s.db_path) as store:
        print("open", flush=True)
        sys.stdin.readline()          # the test says when to write
        issue_ticket(store, s, "C")   # the face goes on working
        print("wrote", flush=True)
        sys.stdin.readline()
""")


def _holder(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "config.toml")], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stdout.readline().strip() == "open", proc.stderr.read()
    return proc


def test_restore_is_refused_while_another_process_has_the_store_open_and_runs_once_it_is_killed(
        settings, monkeypatch, capsys, tmp_path):
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
        made = backup.backup(store, settings, tmp_path / "bk")
        issue_ticket(store, settings, "B")
    face = _holder(tmp_path)
    try:
        lock = settings.db_path.with_name(settings.db_path.name + ".lock")  # beside the store
        assert lock.exists() and stat.S_IMODE(lock.stat().st_mode) == 0o600
        status, out, err = run(monkeypatch, capsys, settings, "--lang", "en", "restore", "--from-backup",
                               made.path, "--force")
        assert status == 5, (out, err)  # not allowed in the current state, as README's codes say
        assert f"pid {face.pid}" in err and "systemctl stop" in err and "F10" in err
        status, _out, err = run(monkeypatch, capsys, settings, "restore", "--from-backup", made.path, "--force")
        assert status == 5 and "sedang dibuka oleh" in err and f"pid {face.pid}" in err
        # Nothing was replaced: what the face writes now stays in the store everyone reads.
        face.stdin.write("\n")
        face.stdin.flush()
        assert face.stdout.readline().strip() == "wrote"
        assert not [p for p in settings.db_path.parent.iterdir() if ".replaced-" in p.name]
        with Store(settings.db_path) as store:
            assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 3
    finally:
        face.kill()  # SIGKILL: no close, no cleanup; the kernel drops its lock
        face.wait()
    status, out, err = run(monkeypatch, capsys, settings, "--lang", "en", "restore", "--from-backup", made.path,
                           "--force")
    assert status == 0, err
    assert "The old store is kept as" in out
    with Store(settings.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 1


def test_a_store_open_in_the_restoring_process_itself_is_refused_too(settings, tmp_path):
    """flock locks belong to the open file: a Store this process still holds is a holder."""
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
        made = backup.backup(store, settings, tmp_path / "bk")
        with pytest.raises(Refused) as refused:
            backup.restore_backup(settings, made.path, force=True)
        assert refused.value.key == "backup.restore.open_elsewhere"
        assert f"pid {os.getpid()}" in refused.value.message("en")
    done = backup.restore_backup(settings, made.path, force=True)  # closed: it runs
    assert done.tickets == 1 and done.replaced
    # Two stores open at once in one process share the lock (faces' worker threads do).
    with Store(settings.db_path) as one, Store(settings.db_path) as two:
        assert one.terminal_id == two.terminal_id == done.terminal


# -- 3. erasures made after a backup ---------------------------------------------------------------


def _no_trace_of_siti(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.create_function("payload_text", 1, payload_text)  # reads packed print documents too
    try:
        for table, column in (("guests", "name || ' ' || id_number || ' ' || coalesce(email, '')"),
                              ("lockers", "holder_name || ' ' || id_number || ' ' || id_masked"),
                              ("changes", "payload_text(payload)"), ("print_jobs", "payload_text(document)")):
            text = " ".join(str(r[0]) for r in conn.execute(f"SELECT {column} FROM {table}"))
            for trace in ("Siti", "siti@", "3273014101900001", "3273********0001"):
                assert trace not in text, (table, trace)
    finally:
        conn.close()


def test_an_erasure_made_after_the_backup_survives_a_restore_and_the_centre_stays_anonymised(
        tmp_path, pg, monkeypatch, capsys, clock):  # noqa: F811
    settings = office(tmp_path, pg, "1373", clock=clock)
    monkeypatch.setenv("PST_KIOSK_PIN", PIN)
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin=PIN)
        visit = register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        guest_id = visit.guest_id
        held = lockers.assign(store, settings, admin, id_type="ktp", id_number=SITI["id_number"],
                              holder_name=None, guest_id=guest_id, visit_id=visit.visit_id).locker
        assert sync.run(store, settings).ok
        made = backup.backup(store, settings, tmp_path / "bk")  # Siti in it, her card held
        clock.advance(minutes=30)
        lockers.return_card(store, admin, held.id)
    config = settings.db_path.with_suffix(".toml")
    status, out, err = cli(monkeypatch, capsys, settings, "--user", "admin", "guest", "erase", SITI["id_number"],
                           config=config)
    assert status == 0, err
    assert "Cadangan yang dibuat sebelum ini masih memuat orang ini" in out and "--keep" in out
    status, out, err = cli(monkeypatch, capsys, settings, "--lang", "en", "--user", "admin", "guest", "erase",
                           SITI["email"], config=config)
    assert status == 3  # already anonymised: unknown now
    with Store(settings.db_path) as store:
        assert sync.run(store, settings).ok
    # The disk is fine, but someone restores the morning's backup over it.
    status, out, err = cli(monkeypatch, capsys, settings, "--lang", "en", "restore", "--from-backup", made.path,
                           "--force", config=config)
    assert status == 0, err
    assert "applied again: 1 guests, 1 lockers" in out
    status, _out, _err = cli(monkeypatch, capsys, settings, "--user", "admin", "guest", "show", SITI["id_number"],
                             config=config)
    assert status == 3  # she does not come back
    _no_trace_of_siti(settings.db_path)
    with Store(settings.db_path) as store:
        row = store.row("SELECT name, anonymised_at FROM guests WHERE id = ?", (guest_id,))
        assert row["name"] == "(anonim)" and row["anonymised_at"]
        locker = lockers.get(store, held.id)
        assert locker.returned_at is not None and locker.holder_name == "(anonim)"  # her card did come back
        pending = store.rows("SELECT entity, op, terminal_id FROM changes WHERE seq > ?",
                             (int(store.meta("sync.pushed_seq") or 0),))
        assert {("guest", "anonymise"), ("locker", "anonymise")} <= {(r["entity"], r["op"]) for r in pending}
        assert {r["terminal_id"] for r in pending} == {store.terminal_id}  # the new terminal's
        assert sync.run(store, settings).ok
    # The centre got the same again: still anonymised, the locker still returned.
    guest = central_rows(pg, "SELECT data FROM pst.guests WHERE id = %s", guest_id)[0][0]
    assert guest["name"] == "(anonim)" and guest["anonymised_at"]
    data = central_rows(pg, "SELECT data FROM pst.lockers WHERE id = %s", held.id)[0][0]
    assert data["holder_name"] == "(anonim)" and data["returned_at"]


def test_a_restore_over_an_unreadable_store_says_erasures_cannot_be_carried_over(settings, monkeypatch, capsys,
                                                                                   tmp_path):
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
        made = backup.backup(store, settings, tmp_path / "bk")
    for extra in ("-wal", "-shm"):
        settings.db_path.with_name(settings.db_path.name + extra).unlink(missing_ok=True)
    settings.db_path.write_bytes(b"not a store at all " * 500)
    status, out, err = run(monkeypatch, capsys, settings, "--lang", "en", "restore", "--from-backup", made.path,
                           "--force")
    assert status == 0, err
    assert "cannot be applied again" in err and "guest erase" in err and made.path in out


# -- 4. what the messages say ---------------------------------------------------------------------


def test_restore_messages_say_what_is_wrong_in_the_readers_language(settings, monkeypatch, capsys, tmp_path):
    folder = tmp_path / "bk"
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
        made = backup.backup(store, settings, folder)
    # A folder is a folder, not a missing file; this office's newest backup in it is named.
    shutil.copyfile(made.path, folder / "pst-kiosk-9999-29991231-235959.DATA-PRIBADI.db")
    status, _out, err = run(monkeypatch, capsys, settings, "restore", "--from-backup", str(folder))
    assert status == 5 and "adalah folder" in err and made.path in err and "tidak ada" not in err
    assert "9999" not in err
    status, _out, err = run(monkeypatch, capsys, settings, "--lang", "en", "restore", "--from-backup", str(tmp_path))
    assert status == 5 and "is a folder" in err and "holds no PST Kiosk backup of this office" in err
    # The live store itself: told so, in one language.
    status, _out, err = run(monkeypatch, capsys, settings, "restore", "--from-backup", str(settings.db_path),
                            "--force")
    assert status == 5 and "basis data PC ini sendiri" in err and "not a" not in err
    # Another SQLite file: Indonesian through and through.
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE meta(key, value)").connection.close()
    status, _out, err = run(monkeypatch, capsys, settings, "restore", "--from-backup", str(other))
    assert status == 7 and "bukan cadangan PST Kiosk" in err and "not a" not in err
    status, _out, err = run(monkeypatch, capsys, settings, "--lang", "en", "restore", "--from-backup", str(other))
    assert status == 7 and "is not a PST Kiosk backup" in err
    # `restore --help` says both sources, in both languages.
    for lang, words in (("en", ("central store", "backup file")), ("id", ("pusat", "berkas cadangan"))):
        with pytest.raises(SystemExit) as done:
            run(monkeypatch, capsys, settings, "--lang", lang, "restore", "--help")
        assert done.value.code == 0
        out = capsys.readouterr().out
        head = " ".join(out.split("\n\n")[1].split())  # the description under the usage
        assert all(w in head for w in words), head


def test_a_file_that_is_no_database_or_is_missing_is_told_in_words_not_sqlites(settings, monkeypatch, capsys,
                                                                               tmp_path):
    """A trial: a text file gave SQLite's English "(file is not a database)" inside the
    Indonesian message; a missing file exited 5 (not allowed now) instead of 9 (invalid input,
    as a missing --id-key-file). Nothing is made or replaced either way."""
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
        made = backup.backup(store, settings, tmp_path / "bk")
    before = settings.db_path.read_bytes()
    junk = tmp_path / "notes.db"
    junk.write_text("catatan rapat, bukan cadangan\n" * 50)
    empty = tmp_path / "empty.db"
    empty.touch()
    for path in (junk, empty):
        status, _out, err = run(monkeypatch, capsys, settings, "restore", "--from-backup", str(path), "--force")
        assert status == 7 and "bukan cadangan PST Kiosk" in err and "bukan basis data" in err, err
        assert "file is not a database" not in err and "not a" not in err and str(path) in err
    status, _out, err = run(monkeypatch, capsys, settings, "--lang", "en", "restore", "--from-backup", str(junk))
    assert status == 7 and "is not a PST Kiosk backup: it is not a database at all" in err
    # A backup whose pages are damaged: damaged, in words, never the integrity check's text.
    damaged = tmp_path / "damaged.db"
    data = bytearray(Path(made.path).read_bytes())
    data[4096 * 2:4096 * 6] = b"\xff" * (4096 * 4)
    damaged.write_bytes(bytes(data))
    status, _out, err = run(monkeypatch, capsys, settings, "restore", "--from-backup", str(damaged), "--force")
    assert status == 7 and "rusak" in err and str(damaged) in err and "Page" not in err and "malformed" not in err, err
    # A missing file: invalid input (9), the path named, in either language.
    missing = tmp_path / "pst-kiosk-1373-typo.DATA-PRIBADI.db"
    status, _out, err = run(monkeypatch, capsys, settings, "restore", "--from-backup", str(missing))
    assert status == 9 and f"Berkas cadangan {missing} tidak ada" in err
    status, _out, err = run(monkeypatch, capsys, settings, "--lang", "en", "restore", "--from-backup", str(missing))
    assert status == 9 and f"The backup file {missing} does not exist" in err
    assert settings.db_path.read_bytes() == before
    assert not list(settings.db_path.parent.glob("*replaced*"))

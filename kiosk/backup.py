"""Backups of the store: ``pst-kiosk backup`` and ``pst-kiosk restore --from-backup``.

A backup is one SQLite file made with SQLite's online backup API while the faces go on
writing: the copy is one read snapshot of the store (WAL: writers are not held up), so it
holds every transaction committed before it began and none half. It is checked with
``PRAGMA integrity_check`` before it takes its final name, is readable by its owner only
(0600), and says it holds personal data: its name (``...DATA-PRIBADI...``), a ``meta`` row
in it (``backup.notice``) and the command's output. The ID hash key (``meta``) goes with
it, so restored guests are still recognised by their ID number; the sync cursor goes too,
so after a restore sync sends only what the centre has not acknowledged. The office's
configuration (without the central password) is kept in ``backup.settings``.

Rotation: the newest ``keep`` of this office's backups in the folder stay (by the time in
the name; the one just made always), older ones go; no other file is ever touched.

Restore builds the store from a backup under a NEW terminal id (recorded in the outbox as
a ``terminal restore`` change, as a restore from the centre does): the old PC may have sent
changes after the backup was taken, and a second terminal of the same id would reuse their
outbox numbers, which the centre refuses as duplicates. It runs only while no other process
has the store open (every ``Store`` holds a shared lock on ``<store>.lock``; the restore
takes it alone until the new file is in place), and carries over the anonymisations the
store it replaces made after the backup (``privacy.reapply``).
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel

from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.errors import ConfigError, FieldInvalid, Invalid, Refused, StoreError, os_reason
from kiosk.ids import new_id
from kiosk import archive, privacy
from kiosk.privacy import ANONYMOUS, Reapplied
from kiosk.store import Store, lock_path, open_lock

FORMAT = "pst-kiosk-backup"
# The tickets a store holds: live, and kept packed on archived days (kiosk/archive.py).
TICKETS = ("SELECT (SELECT COUNT(*) FROM tickets)"
           " + (SELECT COALESCE(SUM(count), 0) FROM archive WHERE kind = 'tickets')")
SUFFIX = ".DATA-PRIBADI.db"  # the name says what it holds (personal data, UU 27/2022)
NOTICE = ("Berisi data pribadi pengunjung (UU 27/2022): simpan di tempat terkunci, jangan dibagikan. / "
          "Holds visitors' personal data: keep it locked away, never share it.")
KEEP = 7
_SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database


class BackupMade(BaseModel):
    path: str
    size: int
    seconds: float
    tickets: int
    pending: int  # outbox changes the centre had not acknowledged at the time
    removed: list[str] = []  # older backups rotated out
    archive_unreadable: list[str] = []  # archived days (``day table``) the copy holds damaged


class BackupRestored(BaseModel):
    path: str
    office_code: str
    made_at: str
    terminal: str  # the new terminal id of this PC
    restored_from: str  # the terminal the backup was taken on
    tickets: int
    pending: int
    settings: dict | None = None  # the office's configuration kept in the backup
    replaced: str | None = None  # where the store it replaced was kept
    # The replaced store's anonymisations made again (None: it could not be read).
    reapplied: Reapplied | None = Reapplied(guests=0, lockers=0)


def default_dir(settings: Settings) -> Path:
    """``backups/`` beside the store (under the user data dir by default)."""
    return settings.db_path.parent / "backups"


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


_NAME = re.compile(r"pst-kiosk-(?P<office>[0-9]{4})-(?P<stamp>[0-9]{8}-[0-9]{6})" + re.escape(SUFFIX))


def backup_name(office_code: str, now: datetime) -> str:
    return f"pst-kiosk-{office_code}-{_stamp(now)}{SUFFIX}"


def backups_in(folder: Path, office_code: str | None = None) -> list[Path]:
    """The backups in ``folder`` that this command wrote (the exact timestamped name), of
    ``office_code`` (any office when None), oldest first by the time in the name. A copy
    renamed by hand, another office's backup on a shared stick, anything else: not ours."""
    try:
        names = [(m["stamp"], p) for p in folder.iterdir()
                 if (m := _NAME.fullmatch(p.name)) and office_code in (None, m["office"])]
    except OSError:
        return []
    return [p for _stamp_, p in sorted(names, key=lambda pair: (pair[0], pair[1].name))]


def newest(folder: Path, office_code: str | None = None) -> Path | None:
    found = backups_in(folder, office_code)
    return found[-1] if found else None


def rotate(folder: Path, office_code: str, made: Path, keep: int) -> list[str]:
    """Keep the newest ``keep`` of this office's backups in ``folder``, ``made`` (the one
    just written) always among them; delete the rest. Only names ``backups_in`` finds are
    ever touched; one already gone (another rotation, a person) is no error."""
    others = [p for p in backups_in(folder, office_code) if p.name != made.name]
    removed = []
    for old in others[:max(len(others) - (keep - 1), 0)]:
        try:
            old.unlink()
        except FileNotFoundError:
            continue
        removed.append(str(old))
    return removed


def backup(store: Store, settings: Settings, folder: str | os.PathLike[str] | None = None, *,
           keep: int = KEEP) -> BackupMade:
    """Copy the store into ``folder`` (created 0700), check it, rotate to ``keep``."""
    if keep < 1:  # invalid input (exit 9), like every other bad value
        raise Invalid({"keep": FieldInvalid("backup.keep_positive")})
    target_dir = Path(folder) if folder else default_dir(settings)
    if folder and not target_dir.is_dir() and not target_dir.parent.is_dir():
        # A given folder is made, but not a whole path: '/media/usb/pst' with the stick not
        # mounted, or a typo, would otherwise fill a folder nobody looks at (the --db rule).
        raise Invalid({"path": FieldInvalid("backup.folder_parent_missing", path=str(target_dir),
                                            parent=str(target_dir.parent))})
    started = time.monotonic()
    now = store.clock.now()
    name = backup_name(settings.office.code, now)
    final = target_dir / name
    tmp = target_dir / f".{name}.{new_id()}.tmp"
    try:
        target_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
    except OSError as exc:
        raise Refused("backup.unwritable", path=str(target_dir), **os_reason(exc)) from None
    try:
        copy = sqlite3.connect(tmp, isolation_level=None)
        try:
            # One step (pages=-1): one read snapshot of the store, whatever the faces commit
            # meanwhile; a stepped copy would start over at every write of another process.
            store.conn.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            kept = settings.model_dump(mode="json", exclude={"central_dsn", "db"}, exclude_none=True)
            copy.executemany("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key)"
                             " DO UPDATE SET value = excluded.value",
                             [("backup.format", FORMAT), ("backup.made_at", iso(now)),
                              ("backup.office_code", settings.office.code), ("backup.notice", NOTICE),
                              ("backup.settings", json.dumps(kept, ensure_ascii=False))])
            check = copy.execute("PRAGMA integrity_check").fetchone()[0]
            tickets = copy.execute(TICKETS).fetchone()[0]
            unreadable = archive.damaged(copy)
            pushed = copy.execute("SELECT value FROM meta WHERE key = 'sync.pushed_seq'").fetchone()
            pending = copy.execute("SELECT COUNT(*) FROM changes WHERE seq > ?",
                                   (int(pushed[0]) if pushed and pushed[0] else 0,)).fetchone()[0]
        finally:
            copy.close()
        if check != "ok":
            raise StoreError("backup.check_failed", path=str(final), detail=check)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except sqlite3.Error as exc:
        raise StoreError("backup.failed", path=str(final), detail=str(exc)) from exc
    except OSError as exc:
        raise Refused("backup.unwritable", path=str(target_dir), **os_reason(exc)) from None
    finally:
        tmp.unlink(missing_ok=True)
    size = final.stat().st_size
    removed = rotate(target_dir, settings.office.code, final, keep)
    return BackupMade(path=str(final), size=size, seconds=time.monotonic() - started,
                      tickets=tickets, pending=pending, removed=removed, archive_unreadable=unreadable)


def _read_backup(path: Path, office_code: str | None = None) -> dict[str, str]:
    """The backup's meta, after checking it is a whole backup of ours. A folder is told
    apart, with the newest backup in it (of ``office_code``, any office when None)."""
    if path.is_dir():
        found = newest(path, office_code)
        if found:
            raise Refused("backup.restore.is_folder", path=str(path), newest=str(found))
        raise Refused("backup.restore.is_folder_empty", path=str(path))
    if not path.is_file():  # a mistyped argument, as a missing --id-key-file: invalid input
        raise Invalid({"from_backup": FieldInvalid("backup.not_found", path=str(path))})
    # Told in the reader's words, not SQLite's ("file is not a database", the integrity
    # check's page numbers): not a database at all, a damaged one, or not one of ours.
    try:
        with open(path, "rb") as fh:
            header = fh.read(len(_SQLITE_HEADER))
    except OSError as exc:
        raise StoreError("edges.backup_unreadable", path=str(path), **os_reason(exc)) from None
    if header != _SQLITE_HEADER:
        raise StoreError("edges.backup_not_database", path=str(path))
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall()) if check == "ok" and "meta" in tables \
                else {}
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:  # neither damage nor ours to say better
        raise StoreError("backup.unreadable", path=str(path), detail=str(exc)) from exc
    except sqlite3.DatabaseError as exc:  # SQLite's header over damaged pages
        raise StoreError("edges.backup_damaged", path=str(path)) from exc
    if check != "ok":
        raise StoreError("edges.backup_damaged", path=str(path))
    if meta.get("backup.format") != FORMAT:
        raise StoreError("backup.restore.not_a_backup", path=str(path))
    return meta


def _store_used(path: Path) -> bool:
    if not path.exists() or path.stat().st_size == 0:
        return False
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return any(conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()
                       for t in ("tickets", "guests", "orders", "users", "changes"))
        finally:
            conn.close()
    except sqlite3.Error:
        return True  # unreadable (corrupt): only replaced with --force


def _anonymised(path: Path) -> tuple[list[str], dict[str, str | None]] | None:
    """The guests and lockers the store at ``path`` holds anonymised (erased, purged), or
    None when it cannot be read (damaged: then nobody can tell)."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            guests = [r[0] for r in conn.execute("SELECT id FROM guests WHERE anonymised_at IS NOT NULL")]
            lockers = dict(conn.execute("SELECT id, returned_at FROM lockers WHERE holder_name = ?",
                                        (ANONYMOUS,)).fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return guests, lockers


def holders(path: Path) -> list[str]:
    """Who holds the store at ``path`` open, for people: ``pst-kiosk kiosk (pid 812)``. Read
    from the kernel's table of file locks (Linux ``/proc/locks``: the store's lock file's
    inode); empty when it cannot be told."""
    try:
        inode = lock_path(path).stat().st_ino
        with open("/proc/locks", encoding="ascii", errors="replace") as fh:
            table = fh.read().splitlines()
    except OSError:
        return []
    pids: list[int] = []
    for line in table:
        fields = line.split()
        if len(fields) < 6 or fields[1] == "->" or fields[1] != "FLOCK":  # "->": waiting, not holding
            continue
        if fields[5].rsplit(":", 1)[-1] == str(inode) and fields[4].isdigit() and int(fields[4]) not in pids:
            pids.append(int(fields[4]))
    return [f"{_program(pid)} (pid {pid})" for pid in pids]


def _program(pid: int) -> str:
    """The command line of ``pid``, from ``pst-kiosk`` on when it is one of ours."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = [a.decode(errors="replace") for a in fh.read().split(b"\0") if a]
    except OSError:
        return "?"
    names = [os.path.basename(a) for a in argv]
    if "pst-kiosk" in names:
        at = names.index("pst-kiosk")
        argv = ["pst-kiosk", *argv[at + 1:]]
    elif argv:
        argv = [names[0], *argv[1:]]
    text = " ".join(" ".join(argv).split())
    return text if len(text) <= 60 else text[:59] + "…"


def _hold_alone(target: Path) -> int:
    """The store's lock, exclusively, now or never: every open ``Store`` (a face, a
    command, this process's own) holds it shared. Refused (exit 5), naming the holders."""
    import fcntl

    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = open_lock(target)
    except OSError as exc:
        raise Refused("backup.unwritable", path=str(target.parent), **os_reason(exc)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        held = holders(target)
        if held:
            raise Refused("backup.restore.open_elsewhere", path=str(target), holders=", ".join(held)) from None
        raise Refused("backup.restore.open_elsewhere_unknown", path=str(target)) from None
    return fd


def restore_backup(settings: Settings, source: str | os.PathLike[str], *, force: bool = False,
                   configured: bool = True) -> BackupRestored:
    """Make the store at ``settings.db_path`` from the backup ``source``. A store in use is
    refused unless ``force``; then it is kept beside, renamed ``...replaced-<time>``, never
    deleted, and the anonymisations it made after the backup (erasures, purges) are made
    again in the restored one. Refused while any process has the store open (its lock).
    ``configured``: whether this PC has a configuration naming an office (if not, the
    caller writes the backup's)."""
    path = Path(source)
    target = settings.db_path
    if path.exists() and target.exists() and path.samefile(target):
        raise Refused("backup.restore.is_the_store", path=str(path), folder=str(default_dir(settings)))
    meta = _read_backup(path, settings.office.code if configured else None)
    code = meta.get("backup.office_code", "")
    if configured and settings.office.code not in ("0000", code):
        raise ConfigError("restore.other_office", configured=settings.office.code, office=code)
    lock = _hold_alone(target)  # held until the new store is in place: no face opens either
    tmp = target.with_name(f".{target.name}.{new_id()}.tmp")
    try:
        used = _store_used(target)
        if used and not force:
            raise Refused("backup.store_in_use", path=str(target))
        erased = _anonymised(target) if used else ([], {})
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        src = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        dst = sqlite3.connect(tmp, isolation_level=None)
        try:
            src.backup(dst)
            dst.execute("DELETE FROM meta WHERE key LIKE 'backup.%' AND key != 'backup.made_at'")
            dst.execute("UPDATE meta SET key = 'restored_from_backup_at' WHERE key = 'backup.made_at'")
        finally:
            src.close()
            dst.close()
        # Made whole under its temporary name (its own lock file), then put in place.
        with Store(tmp) as store:  # migrations of a backup made by an older program run here
            old_terminal = store.terminal_id
            fresh = new_id()
            with store.write():
                store.conn.execute("UPDATE meta SET value = ? WHERE key = 'terminal_id'", (fresh,))
                store.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('restored_from', ?)",
                                   (old_terminal,))
                store.conn.execute("DELETE FROM meta WHERE key LIKE 'sync.last_%'")
            store.terminal_id = fresh
            with store.write():
                store.record_change("terminal", fresh, "restore",
                                    {"restored_from": old_terminal, "office_code": code,
                                     "from_backup": meta.get("backup.made_at")})
            again = None
            if erased is not None:
                with store.write():
                    again = privacy.reapply(store, *erased)
            tickets = store.conn.execute(TICKETS).fetchone()[0]
            pushed = int(store.meta("sync.pushed_seq") or 0)
            pending = store.conn.execute("SELECT COUNT(*) FROM changes WHERE seq > ?", (pushed,)).fetchone()[0]
        aside = None
        if used:
            aside = target.with_name(f"{target.name}.replaced-{_stamp(datetime.now())}")
            while aside.exists():  # a second restore within the second keeps the first's too
                aside = aside.with_name(aside.name + "-2")
            for extra in ("-wal", ""):  # the log too: it may hold the last commits
                old = target.with_name(target.name + extra)
                if old.exists():
                    os.replace(old, aside.with_name(aside.name + extra))
            target.with_name(target.name + "-shm").unlink(missing_ok=True)
        else:
            for extra in ("-wal", "-shm"):
                target.with_name(target.name + extra).unlink(missing_ok=True)
        os.replace(tmp, target)
    finally:
        for extra in ("", "-wal", "-shm", ".lock"):
            tmp.with_name(tmp.name + extra).unlink(missing_ok=True)
        os.close(lock)
    raw = meta.get("backup.settings")
    return BackupRestored(path=str(path), office_code=code, made_at=meta.get("backup.made_at", ""),
                          terminal=fresh, restored_from=old_terminal, tickets=tickets, pending=pending,
                          settings=json.loads(raw) if raw else None, replaced=str(aside) if aside else None,
                          reapplied=again)

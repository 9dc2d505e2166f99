"""The local store: one SQLite file in WAL mode, numbered migrations, the outbox.

Every use case that changes something runs inside ``store.write()``, which opens a
``BEGIN IMMEDIATE`` transaction, and records its change with ``store.record_change``
so the change and the mutation commit or roll back together.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from kiosk.clock import Clock, SystemClock, iso
from kiosk.errors import StoreError
from kiosk.ids import new_id

BUSY_TIMEOUT_MS = 30_000
INCREMENTAL_VACUUM = 11  # the migration from which the store is auto_vacuum = INCREMENTAL


_MIGRATIONS = Path(__file__).with_name("migrations")


def _migration_files() -> list[tuple[int, Path]]:
    """(number, file) of every shipped migration, in order; nothing read yet (a face opens
    the store at start-up and needs only the last number when nothing is pending)."""
    return sorted((int(p.name[:4]), p) for p in _MIGRATIONS.iterdir()
                  if p.name.endswith(".sql") and p.name[:4].isdigit())


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, sql) of every shipped migration, in order."""
    return [(number, p.name, p.read_text(encoding="utf-8")) for number, p in _migration_files()]


def schema_version() -> int:
    return _migration_files()[-1][0]


def _create_private(path: Path) -> None:
    """Create the store file readable by its owner only (it holds personal data)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another face started at the same moment made it
        return
    os.close(fd)


def _use_wal(conn: sqlite3.Connection, path: Path) -> None:
    """WAL is a property of the file: set once, by whoever comes first. Switching needs a
    moment alone with the file and SQLite does not wait for it (busy_timeout does not
    apply), so faces started together retry briefly instead of failing."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise open_error(path, exc) from exc
            time.sleep(0.01)


def open_error(path: Path | str, exc: BaseException) -> StoreError:
    """Why the store cannot be opened, in words: a store (or its folder, or its disk) that
    can only be read is said as such, with what to check; anything else with its detail."""
    return write_refused(path, exc) or StoreError("error.store_open", path=str(path), detail=str(exc))


def disk_full(exc: BaseException) -> bool:
    """SQLite said the disk it writes to is full (SQLITE_FULL)."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == 13 or "disk is full" in str(exc)


def write_refused(path: Path | str, exc: BaseException) -> StoreError | None:
    """A write the file or its disk refused, in words: read-only (the file, its folder, its
    disk) or a full disk (SQLITE_FULL); None for anything else."""
    text = str(exc)
    if "readonly" in text.replace("-", "").replace(" ", "") or isinstance(exc, PermissionError):
        return StoreError("storefile.readonly", path=str(path))
    if disk_full(exc):
        return StoreError("archive.store_full", path=str(path))
    return None


def lock_path(path: Path) -> Path:
    """``<store>.lock``: every open ``Store`` holds a shared ``flock`` on it; a restore takes
    it exclusively, so it never replaces the file under a face that has it open."""
    return path.with_name(path.name + ".lock")


def open_lock(path: Path) -> int:
    """The store's lock file, opened (created 0600; given to the store's owner when root
    makes it, as SQLite does with ``-wal``/``-shm``, so a root command never locks the
    faces out). Not inherited by the programs a face starts."""
    lock = lock_path(path)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except PermissionError:  # someone else's file we may read: a lock works on that too
        fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
    if os.geteuid() == 0:
        with suppress(OSError):
            owner = path.stat()
            if os.fstat(fd).st_uid != owner.st_uid:
                os.fchown(fd, owner.st_uid, owner.st_gid)
    return fd


def _hold_shared(path: Path) -> int:
    """A shared ``flock`` on the store's lock file, held until ``Store.close`` (or the
    process's end, ``kill -9`` included: the kernel drops it). Faces and commands share it;
    only a restore, replacing the file, takes it alone, for a moment: wait for it then."""
    import fcntl

    fd = open_lock(path)
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise StoreError("backup.restore.restoring", path=str(path)) from None
            time.sleep(0.05)
        except OSError:
            os.close(fd)
            raise


class Store:
    """An open store. Not shared between threads: each thread opens its own."""

    def __init__(self, path: str | os.PathLike[str], *, clock: Clock | None = None) -> None:
        self.path = Path(path)
        self.clock: Clock = clock or SystemClock()
        self._lock: int | None = None
        try:
            if not self.path.exists():
                _create_private(self.path)
            self._lock = _hold_shared(self.path)  # before the file is opened: a restore may be replacing it
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                check_same_thread=False,
            )
        except (OSError, sqlite3.Error) as exc:
            self._release()
            raise open_error(self.path, exc) from exc
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if not conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone():
                # A new store frees pages as it goes (retention.give_back_space): set before
                # the first table, it costs nothing; an older store converts in migration 0011.
                conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
            _use_wal(conn, self.path)
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            # Readers and redactors of the outbox and the print spool see every payload and
            # document as JSON text, packed or not.
            conn.create_function("payload_text", 1, payload_text, deterministic=True)
            conn.create_function("unpack_text", 1, unpack_text, deterministic=True)
            conn.create_function("packed_like", 2, packed_like, deterministic=True)
            self.conn = conn
            self._db = None
            self._migrate()
        except sqlite3.DatabaseError as exc:
            # "file is not a database", "database disk image is malformed": say how to
            # come back from it (a backup) rather than fail later, half-way through a use case.
            conn.close()
            self._release()
            if isinstance(exc, sqlite3.OperationalError) and "malformed" not in str(exc):
                raise open_error(self.path, exc) from exc
            raise StoreError("backup.store_corrupt", path=str(self.path), detail=str(exc)) from exc
        self.terminal_id = self._ensure_terminal_id()

    @property
    def db(self):  # noqa: ANN201 - sqlite_utils.Database
        """sqlite-utils over the same connection (imported on first use: it is slow to load)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    def insert(self, table: str, row: dict[str, Any]) -> None:
        """One row, plain SQL: what ``db[table].insert(row)`` does for flat rows, without
        loading sqlite-utils (a fifth of ``ticket take``'s start-up)."""
        cols = ", ".join(f'"{name}"' for name in row)
        marks = ", ".join("?" for _ in row)
        self.conn.execute(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', tuple(row.values()))

    # -- lifecycle -----------------------------------------------------------------

    def close(self) -> None:
        self.conn.close()
        self._release()

    def _release(self) -> None:
        if self._lock is not None:
            os.close(self._lock)  # the shared lock goes with its descriptor
            self._lock = None

    def __del__(self) -> None:  # a store dropped unclosed lets go of the lock as its connection does
        with suppress(Exception):
            self._release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        current = self.conn.execute("PRAGMA user_version").fetchone()[0]
        latest = schema_version()
        if current > latest:
            raise StoreError("error.store_newer", path=str(self.path), found=current, known=latest)
        pending = [(number, p) for number, p in _migration_files() if number > current]
        for number, migration in pending:
            sql = migration.read_text(encoding="utf-8")
            with self.write():
                # Faces started together race here: whoever holds the write lock applies
                # the migration, the others find it done once they get the lock.
                if self.conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                    continue
                # executescript would commit our transaction; run statement by statement.
                for statement in _statements(sql):
                    self.conn.execute(statement)
                self.conn.execute(f"PRAGMA user_version = {number}")
        if latest >= INCREMENTAL_VACUUM:
            self._incremental_vacuum()

    def _incremental_vacuum(self) -> None:
        """Migration 0011's second half: ``auto_vacuum = INCREMENTAL`` takes effect on an
        existing file only through one VACUUM, which cannot run inside a transaction (so
        not in the migration's). Once per store (a pragma read at every open says whether
        it is done); whoever opens it first after 0011 does it. A VACUUM that cannot get the
        file (another face writing past the busy timeout) is tried again at the next start:
        the store works either way, it only does not shrink until then."""
        if self.conn.execute("PRAGMA auto_vacuum").fetchone()[0] == 2:
            return
        self.conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        with suppress(sqlite3.OperationalError):
            self.conn.execute("VACUUM")

    def _ensure_terminal_id(self) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'terminal_id'").fetchone()
        if row:
            return row[0]
        with self.write():
            self.conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('terminal_id', ?)", (new_id(),)
            )
        return self.conn.execute("SELECT value FROM meta WHERE key = 'terminal_id'").fetchone()[0]

    # -- transactions and the outbox ---------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[Store]:
        """One write transaction, taken immediately so writers queue instead of failing."""
        if self.conn.in_transaction:
            raise RuntimeError("nested write transaction")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            # SQLite may have rolled back already (a full disk, SQLITE_FULL): a second
            # ROLLBACK would hide the real error behind "no transaction is active".
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def record_change(self, entity: str, entity_id: str, op: str, payload: dict[str, Any]) -> str:
        """Append to the outbox; must run inside ``write()``."""
        if not self.conn.in_transaction:
            raise RuntimeError("record_change outside a write transaction")
        change_id = self._next_change_id()
        self.conn.execute(
            "INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (change_id, entity, entity_id, op, pack_payload(outbox_json(payload)), self.terminal_id,
             iso(self.clock.now())),
        )
        return change_id

    def _next_change_id(self) -> str:
        """A UUIDv7 above every change id this store has made (or restored: ``changes.floor``).

        The clock alone orders ids only within one process: the kiosk, counter and display
        share this outbox, and a clock can step back (NTP). The centre keeps the change with
        the larger id, so ids must grow in outbox order; writes are serialised by BEGIN
        IMMEDIATE, so reading the last one here is safe."""
        candidate = uuid.UUID(new_id())
        last = [r[0] for r in self.conn.execute(
            "SELECT id FROM changes WHERE seq = (SELECT MAX(seq) FROM changes)"
            " UNION ALL SELECT value FROM meta WHERE key = 'changes.floor'")]
        highest = max((uuid.UUID(v).int for v in last), default=-1)
        if candidate.int <= highest:
            candidate = uuid.UUID(int=highest + 1)
        return str(candidate)

    # -- reading ------------------------------------------------------------------------

    def rows(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def row(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def data_version(self) -> int:
        """Changes whenever another connection commits: the faces poll this."""
        return self.conn.execute("PRAGMA data_version").fetchone()[0]

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.write():
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def outbox_json(payload: dict[str, Any]) -> str:
    """A change's payload as the outbox keeps it: compact JSON without the top-level fields
    that are null (a ticket just taken has a dozen: called_at, counter, finished_at...).
    The centre reads a missing field as null (``data->>'x'``) and keeps each record's
    latest payload whole, so nothing is lost; the outbox is about a fifth smaller."""
    return json.dumps({k: v for k, v in payload.items() if v is not None}, separators=(",", ":"))


# The outbox keeps each payload packed: deflated (zlib, with its check) with a preset dictionary of the payloads'
# shapes (data/outbox-1.zdict, made by bench/outbox_zdict.py), the dictionary's number first;
# a third of the JSON or less, and the table's pages stay full (packing a row later, in
# place, would leave them half empty). Readers go through ``payload_text`` (also an SQL
# function): the push, the redactions. A store from before keeps its JSON rows until
# retention prunes them; both forms read the same. The print spool keeps its documents the
# same way with a dictionary of its own (``kiosk.printing.pack_document``); one reader,
# ``unpack_text``, reads both: the first byte names the dictionary.
DICTIONARIES = {0: "", 1: "outbox-1.zdict", 2: "print-2.zdict"}  # a shipped one never changes; 0: none
ZDICT = 1  # the dictionary new outbox payloads are packed with


@functools.cache
def _zdict(number: int) -> bytes:
    from data import path

    return path(DICTIONARIES[number]).read_bytes() if DICTIONARIES[number] else b""


def pack_text(text: str, dictionary: int) -> bytes:
    """``text`` packed with dictionary ``dictionary`` (a number of ``DICTIONARIES``)."""
    # zlib's format (not raw deflate): its Adler-32 check makes a damaged row fail to
    # unpack rather than unpack to other text (6 bytes a row).
    zdict = _zdict(dictionary)
    packer = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, *([zdict] if zdict else []))
    return bytes([dictionary]) + packer.compress(text.encode()) + packer.flush()


def pack_payload(text: str) -> bytes:
    """A payload as the outbox keeps it."""
    return pack_text(text, ZDICT)


def unpack_text(value: str | bytes) -> str:
    """Packed text (an outbox payload, a print job's document) as text, packed or not: also
    the SQL functions ``unpack_text`` and ``payload_text``. Raises ValueError for bytes that
    are not packed text (a damaged row)."""
    if isinstance(value, str):
        return value
    try:
        zdict = _zdict(value[0])
        unpacker = zlib.decompressobj(15, *([zdict] if zdict else []))
        text = (unpacker.decompress(value[1:]) + unpacker.flush()).decode()
        if not unpacker.eof:
            raise ValueError("packed text cut short")
        return text
    except (zlib.error, UnicodeDecodeError, IndexError, KeyError, OSError) as exc:
        raise ValueError(f"damaged packed text: {exc}") from exc


payload_text = unpack_text  # the outbox's name for it: a payload as JSON text


def unreadable_changes(conn: sqlite3.Connection, after: int, limit: int = 100_000) -> list[int]:
    """The seq of the outbox changes above ``after`` whose payload does not read back as JSON
    (a damaged disk or a hand edit): sync cannot send them (doctor, the push)."""
    bad = []
    for seq, payload in conn.execute("SELECT seq, payload FROM changes WHERE seq > ? ORDER BY seq LIMIT ?",
                                     (after, limit)):
        try:
            json.loads(payload_text(payload))
        except ValueError:
            bad.append(seq)
    return bad


def packed_like(text: str, old: str | bytes) -> str | bytes:
    """``text`` kept as ``old`` was: packed, with the same dictionary, if it was (the SQL
    function ``packed_like``, for an update that rewrites a payload, e.g. a redaction)."""
    return pack_text(text, old[0]) if isinstance(old, bytes) else text


def _statements(sql: str) -> list[str]:
    """Split a migration into complete statements (sqlite3.complete_statement decides)."""
    out, buf = [], ""
    for line in sql.splitlines(keepends=True):
        if not buf and line.strip().startswith("--"):
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out

"""Sync with the central store: push the outbox, pull the centre's reference data.

Push: the outbox in order, in batches; one central transaction per batch copies the
batch into a temporary table, inserts it into ``pst.changes`` (idempotent by change id)
and upserts the latest state of each record (a record only moves forward: an older
change never overwrites a newer one). The local cursor moves only after the central
commit, so a batch sent twice changes nothing and a crash loses nothing.

Pull: reference rows by (transaction id, id), reading only below the oldest running
central transaction, so a row committed late is never skipped.

"Newer" is the larger change id: ``Store.record_change`` makes them grow strictly in
outbox order whatever the clocks of the processes sharing the store do. Only the process
holding the store's sync lock (``SyncLock``, a file lock that dies with its process) runs
a round.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kiosk.clock import iso
from kiosk.errors import StoreError
from kiosk.store import Store, unreadable_changes

if TYPE_CHECKING:  # psycopg loads when syncing, not when a face asks for the status line
    import psycopg

    from kiosk.config import Settings

BATCH = 500
ENTITY_TABLES = {"ticket": "tickets", "visit": "visits", "guest": "guests", "locker": "lockers",
                 "order": "orders", "audit": "audit", "user": "users", "rating": "ratings",
                 "service_record": "service_records", "complaint": "complaints"}


@dataclass(kw_only=True)
class SyncStatus:
    """The outbox's state (a plain class: every face's status line reads it before its first
    paint, without pydantic); its JSON is pydantic's, as when it was a model."""

    pending: int
    pushed_seq: int
    last_success: datetime | None
    last_attempt: datetime | None
    last_error: str | None
    online: bool

    def model_dump(self, *, mode: str = "python") -> dict[str, Any]:
        from pydantic import TypeAdapter

        return TypeAdapter(SyncStatus).dump_python(self, mode=mode)

    def model_dump_json(self) -> str:
        from pydantic import TypeAdapter

        return TypeAdapter(SyncStatus).dump_json(self).decode()


@dataclass(kw_only=True)
class SyncResult:
    pushed: int = 0
    pulled: int = 0
    refused: list[str] = field(default_factory=list)
    error: str | None = None
    skipped: bool = False  # another process of this store holds the sync lock
    _problem: Any = field(default=None, repr=False, compare=False)  # the CentralError behind ``error``

    @property
    def ok(self) -> bool:
        return self.error is None

    def message(self, lang: str) -> str | None:
        """The error in the reader's language (``error`` is the English one kept in the store)."""
        return self._problem.message(lang) if self._problem is not None else self.error


def _meta_int(store: Store, key: str) -> int:
    value = store.meta(key)
    return int(value) if value else 0


def status(store: Store) -> SyncStatus:
    pushed = _meta_int(store, "sync.pushed_seq")
    # Outbox numbers are consecutive (AUTOINCREMENT; retention deletes only rows at or below
    # the cursor, and never reuses a number): no need to count rows.
    newest = store.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]
    pending = max(0, newest - pushed)
    last_success = store.meta("sync.last_success")
    last_attempt = store.meta("sync.last_attempt")
    error = store.meta("sync.last_error") or None
    return SyncStatus(pending=pending, pushed_seq=pushed,
                      last_success=datetime.fromisoformat(last_success) if last_success else None,
                      last_attempt=datetime.fromisoformat(last_attempt) if last_attempt else None,
                      # Online means the last finished round reached the centre: a round
                      # still in flight (attempt recorded, no outcome yet) shows the one before.
                      last_error=error, online=bool(last_success) and not error)


# -- push --------------------------------------------------------------------------------

_UPSERT = """
INSERT INTO pst.{table} (office_code, id, data, change_id, changed_at)
SELECT DISTINCT ON (entity_id) office_code, entity_id, payload, change_id, created_at
  FROM incoming WHERE entity = %(entity)s ORDER BY entity_id, change_id COLLATE "C" DESC
ON CONFLICT (office_code, id) DO UPDATE
   SET data = EXCLUDED.data, change_id = EXCLUDED.change_id, changed_at = EXCLUDED.changed_at
 WHERE pst.{table}.change_id < EXCLUDED.change_id COLLATE "C"
"""

# Orders carry their invoices, payments and receipt; the centre keeps them as rows too.
_NESTED = """
INSERT INTO pst.{table} (office_code, id, data, change_id, changed_at)
SELECT DISTINCT ON (item->>'id') office_code, item->>'id', item, change_id, created_at
  FROM incoming, {items} AS item
 WHERE entity = 'order' AND item IS NOT NULL AND jsonb_typeof(item) = 'object'
 ORDER BY item->>'id', change_id COLLATE "C" DESC
ON CONFLICT (office_code, id) DO UPDATE
   SET data = EXCLUDED.data, change_id = EXCLUDED.change_id, changed_at = EXCLUDED.changed_at
 WHERE pst.{table}.change_id < EXCLUDED.change_id COLLATE "C"
"""


def _push_batch(conn: psycopg.Connection, office: str, rows: list[tuple]) -> None:
    entities = {row[2] for row in rows}
    with conn.transaction():
        conn.execute("CREATE TEMP TABLE incoming (office_code text, change_id text, terminal_id text,"
                     " seq bigint, entity text, entity_id text, op text, payload jsonb,"
                     " created_at timestamptz) ON COMMIT DROP")
        with conn.cursor().copy("COPY incoming FROM STDIN") as copy:
            for seq, change_id, entity, entity_id, op, payload, terminal_id, created_at in rows:
                copy.write_row((office, change_id, terminal_id, seq, entity, entity_id, op, payload,
                                created_at))
        # A change the centre already has is skipped here, and the upserts below only ever
        # move a record forward, so a batch sent twice changes nothing.
        with conn.pipeline():
            conn.execute("INSERT INTO pst.changes (office_code, change_id, terminal_id, seq, entity,"
                         " entity_id, op, payload, created_at) SELECT * FROM incoming ON CONFLICT DO NOTHING")
            for entity, table in ENTITY_TABLES.items():
                if entity in entities:
                    conn.execute(_UPSERT.format(table=table), {"entity": entity})
            if "order" in entities:
                conn.execute(_NESTED.format(table="invoices", items="jsonb_array_elements(payload->'invoices')"))
                conn.execute(_NESTED.format(table="payments", items="jsonb_array_elements(payload->'payments')"))
                conn.execute(_NESTED.format(table="receipts",
                                            items="jsonb_array_elements(jsonb_build_array(payload->'receipt'))"))


# An account travels with its argon2id PIN hash (never the PIN), so a restored desk keeps its
# logins; the outbox row carries the public fields, the hash is added on the way out.
_OUTBOX = """
SELECT c.seq, c.id, c.entity, c.entity_id, c.op,
       CASE WHEN c.entity = 'user' THEN COALESCE(
            (SELECT json_set(payload_text(c.payload), '$.pin_hash', u.pin_hash) FROM users u WHERE u.id = c.entity_id),
            payload_text(c.payload)) ELSE payload_text(c.payload) END,
       c.terminal_id, c.created_at
  FROM changes c WHERE c.seq > ? ORDER BY c.seq LIMIT ?
"""


def push(store: Store, settings: Settings, conn: psycopg.Connection, *, batch: int = BATCH,
         limit: int | None = None, on_batch: Callable[[], None] | None = None) -> int:
    """Send pending changes in order; returns how many. Stops at the first failure."""
    sent = 0
    while limit is None or sent < limit:
        pushed = _meta_int(store, "sync.pushed_seq")
        size = batch if limit is None else min(batch, limit - sent)
        try:
            rows = store.conn.execute(_OUTBOX, (pushed, size)).fetchall()
        except sqlite3.OperationalError as exc:  # payload_text refused a damaged payload
            bad = unreadable_changes(store.conn, pushed, size)
            if not bad:
                raise
            raise StoreError("outbox.damaged", seq=bad[0], count=len(bad), path=str(store.path)) from exc
        if not rows:
            break
        _push_batch(conn, settings.office.code, rows)
        # The centre has it: only now does the local cursor move.
        store.set_meta("sync.pushed_seq", str(rows[-1][0]))
        sent += len(rows)
        if on_batch is not None:
            on_batch()
    return sent


# -- pull ----------------------------------------------------------------------------------


def pull(store: Store, conn: psycopg.Connection, office_code: str) -> tuple[int, list[str]]:
    """Apply the reference data published since the cursor for this office or for every
    office. Returns (applied, refused). The office filter is here as well as in row-level
    security: a DSN that bypasses RLS (the table owner) must not bring another office's data."""
    from kiosk import reference

    cursor_tx = store.meta("sync.pull_tx") or "0"
    cursor_id = _meta_int(store, "sync.pull_id")
    rows = conn.execute(
        "SELECT id, tx::text, kind, payload, office_code FROM pst.reference"
        " WHERE (tx, id) > (%s::xid8, %s) AND tx < pg_snapshot_xmin(pg_current_snapshot())"
        " AND (office_code IS NULL OR office_code = %s)"
        " ORDER BY tx, id", (cursor_tx, cursor_id, office_code)).fetchall()
    conn.commit()
    applied, refused = 0, []
    for ref_id, tx, kind, payload, for_office in rows:
        try:
            reference.apply(store, kind, payload, office_code=for_office)
            applied += 1
        except (ValueError, KeyError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            refused.append(f"{kind} #{ref_id}: {str(exc).splitlines()[0][:160]}")
        with store.write():
            for key, value in (("sync.pull_tx", tx), ("sync.pull_id", str(ref_id))):
                store.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key)"
                                   " DO UPDATE SET value = excluded.value", (key, value))
    return applied, refused


class Watchdog:
    """Breaks the connection's socket when no progress was made for ``seconds``: a link
    that stalls without closing (a hung router) would otherwise block a read forever.
    The open central transaction then rolls back and the round ends with an error."""

    def __init__(self, conn: psycopg.Connection, seconds: float) -> None:
        self.conn = conn
        self.seconds = seconds
        self.fired = False
        self._timer: threading.Timer | None = None
        self.kick()

    def kick(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(self.seconds, self._fire)
        self._timer.daemon = True
        self._timer.start()

    def _fire(self) -> None:
        self.fired = True
        with suppress(OSError, ValueError):
            sock = socket.socket(fileno=os.dup(self.conn.fileno()))
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


# -- one round ---------------------------------------------------------------------------------


class SyncLock:
    """The store's single-sync guard: an exclusive ``flock`` on a file beside the store
    (``<store>.sync.lock``). The kernel holds it for the process and drops it the moment
    the process ends, however it ends (``kill -9`` included), so a successor never waits
    for a lease to lapse. Nothing is pushed twice whatever the moment of death: the central
    transaction of an unfinished batch rolls back with its connection, and a batch the
    centre committed before the cursor moved is sent again and skipped there by change id.
    ``flock`` locks are per open file: two threads or two stores of one process exclude
    each other too. The file holds the holder's pid, for people (``doctor``)."""

    def __init__(self, store: Store) -> None:
        self.path = lock_path(store)
        self._fd: int | None = None

    def acquire(self, wait: float = 0.0) -> bool:
        """Take the lock, trying again for up to ``wait`` seconds; False if another holds it."""
        deadline = time.monotonic() + wait
        while not self._try():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.1)
        return True

    def _try(self) -> bool:
        import fcntl

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the lock
            self._fd = None


def lock_path(store: Store):  # noqa: ANN201 - Path
    return store.path.with_name(store.path.name + ".sync.lock")


def holder(store: Store) -> int | None:
    """The pid of the process syncing this store now, or None when none is."""
    import fcntl

    try:
        fd = os.open(lock_path(store), os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        return None  # we got it: nobody holds it (closing the descriptor lets it go)
    finally:
        os.close(fd)


def run(store: Store, settings: Settings, *, dsn: str | None = None, timeout: float = 5.0,
        stall_seconds: float = 30.0, wait: float = 0.0) -> SyncResult:
    """One sync round: push then pull, then (after a successful round, now and then) the
    retention prune. Never raises for a central failure: it is recorded.
    ``timeout`` bounds connecting; ``stall_seconds`` bounds any wait without progress.

    The kiosk, counter and display share one store: only the process holding the store's
    sync lock runs a round; the others return ``skipped`` at once (or after waiting up to
    ``wait`` seconds for the lock) and show the status the holder records."""
    lock = SyncLock(store)
    if not lock.acquire(wait=wait):
        return SyncResult(skipped=True)
    try:
        result = _round(store, settings, dsn=dsn, timeout=timeout, stall_seconds=stall_seconds)
        if result.ok:
            _prune_now_and_then(store, settings)
        return result
    finally:
        lock.release()


def _prune_now_and_then(store: Store, settings: Settings) -> None:
    """Acknowledged changes and old print jobs go after a successful push (retention.py);
    at most every few hours, so a face's round stays cheap."""
    from kiosk import retention

    if retention.due(store):
        retention.prune(store, settings)


def check_office(conn: psycopg.Connection, office: str, role: str) -> None:
    """Refuse (CentralError) a store whose office code is not the role's: row-level security
    would refuse every row with a raw PostgreSQL error. A role of no office (the owner's,
    which bypasses it) passes; the push and pull filter by the store's office themselves."""
    from kiosk.central import admin

    found = admin.role_office(conn)
    conn.commit()  # the batches run in transactions of their own
    if found is not None and found != office:
        raise admin.CentralError("sync.wrong_office", office=office, role=role, found=found)


def _round(store: Store, settings: Settings, *, dsn: str | None, timeout: float,
           stall_seconds: float) -> SyncResult:
    import psycopg

    from kiosk.central import admin

    result = SyncResult()
    now = iso(store.clock.now())
    store.set_meta("sync.last_attempt", now)
    office = settings.office.code
    role = "?"
    try:
        with admin.connect(dsn or settings.central_dsn, timeout=timeout) as conn:
            role = conn.info.user
            check_office(conn, office, role)
            watchdog = Watchdog(conn, stall_seconds)
            try:
                result.pushed = push(store, settings, conn, on_batch=watchdog.kick)
                watchdog.kick()
                result.pulled, result.refused = pull(store, conn, settings.office.code)
            finally:
                watchdog.stop()
    except (admin.CentralError, StoreError) as exc:
        result.error = exc.message("en")
        result._problem = exc
    except psycopg.errors.InsufficientPrivilege as exc:
        if "row-level security" in str(exc):  # this office's rows refused: say which codes disagree
            result._problem = admin.CentralError("sync.wrong_office", office=office, role=role, found="?")
            result.error = result._problem.message("en")
        else:
            result.error = admin.short_error(exc)
    except psycopg.Error as exc:
        result.error = admin.short_error(exc)
        if "watchdog" in locals() and watchdog.fired:
            result.error = f"no progress for {stall_seconds:g} s: {result.error}"
    if result.error:
        store.set_meta("sync.last_error", result.error[:300])
    else:
        store.set_meta("sync.last_error", "")
        store.set_meta("sync.last_success", now)
    return result

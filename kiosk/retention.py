"""Retention: keep the store small for years on one office PC.

What goes, and when (``[retention]`` in the configuration):

- outbox changes the centre has acknowledged (``seq <= sync.pushed_seq``: the cursor moves
  only after the central commit) and older than ``changes_days`` (30). A change not yet
  acknowledged is never pruned, however old: it is the only copy. Until then the
  acknowledged ones are kept packed, ``BATCH`` to a row of ``changes_sent`` (a change costs
  ~65 bytes there, ~460 as an outbox row with its indexes): ``pack_acknowledged``.
- print jobs that printed (or were sent), that were held (no printer: only an officer's
  reprint would use them), or that expired unprinted (the spooler stopped retrying them),
  older than ``print_jobs_days`` (14). Their documents can be made again from the records.
- audit entries the centre has acknowledged (their outbox change, entity ``audit``, is at or
  below ``sync.pushed_seq``, or already pruned as acknowledged) and older than
  ``audit_days`` (30). The centre keeps the whole trail; ``pst-kiosk audit`` reads what is
  local. An entry whose change is not yet acknowledged stays, however old.

Rows go in small transactions, so the faces writing the same store wait milliseconds, not
seconds. The pages freed go back to the disk with ``PRAGMA incremental_vacuum`` (the store
is ``auto_vacuum = INCREMENTAL`` since migration 0011) and a WAL checkpoint.

Runs in the sync round after a successful push (at most once per ``PRUNE_EVERY``) and as
``pst-kiosk maintenance`` (the deploy kit's daily timer).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import suppress
from datetime import datetime, timedelta

from pydantic import BaseModel

from kiosk import archive
from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.store import BUSY_TIMEOUT_MS, ZDICT, Store, pack_text, unpack_text

BATCH = 1000  # acknowledged changes packed to a row of changes_sent
CHUNK = 2000  # rows per transaction: a face waiting for the write lock waits a few ms
VACUUM_PAGES = 1024  # pages per incremental_vacuum step (4 MB at 4 KiB pages)
CHECKPOINT_WAIT_MS = 1000
PRUNE_EVERY = timedelta(hours=6)
LAST_PRUNE = "retention.last_prune"
AUDIT_PRUNED = "retention.audit_pruned"  # when audit entries were last pruned from this PC


class Pruned(BaseModel):
    packed: int = 0  # acknowledged changes moved into changes_sent
    changes: int = 0
    print_jobs: int = 0
    audit: int = 0
    archived: int = 0  # rows of closed days packed (kiosk/archive.py)
    archive_refused: list[str] = []  # days left as rows: "day: why"
    size_before: int = 0  # bytes of the store file (+ WAL) before
    size_after: int = 0


def store_bytes(store: Store) -> int:
    """The store's size on disk: the file and its write-ahead log."""
    total = 0
    for path in (store.path, store.path.with_name(store.path.name + "-wal")):
        with suppress(OSError):  # no write-ahead log right now
            total += path.stat().st_size
    return total


def _raise_floor(store: Store, change_id: str) -> None:
    """Keep ``changes.floor`` at or above the newest pruned change id: new change ids must
    stay above every id sent (Store._next_change_id reads the outbox and this floor)."""
    floor = store.meta("changes.floor")
    if floor is None or uuid.UUID(change_id).int > uuid.UUID(floor).int:
        store.conn.execute("INSERT INTO meta(key, value) VALUES ('changes.floor', ?)"
                           " ON CONFLICT(key) DO UPDATE SET value = excluded.value", (change_id,))


def _acknowledged(store: Store) -> int:
    """The newest change the centre has (``sync.pushed_seq``); read inside the transaction
    that acts on it, so a sync round moving it cannot race the prune."""
    return int(store.meta("sync.pushed_seq") or 0)


# A batch is a JSON array of changes, each [seq, id, entity, entity_id, op, terminal_id,
# created_at, payload], the payload as JSON (not text: it packs smaller and redacts as data),
# packed as the outbox packs a payload (kiosk.store.pack_text: its check makes a damaged
# batch fail, never read as other changes).
_SENT_COLUMNS = ("seq", "id", "entity", "entity_id", "op", "terminal_id", "created_at", "payload")


def _pack_sent(changes: list[list]) -> bytes:
    return pack_text(json.dumps(changes, ensure_ascii=False, separators=(",", ":")), ZDICT)


def _unpack_sent(packed: bytes) -> list[list]:
    try:
        return json.loads(unpack_text(packed))
    except json.JSONDecodeError as exc:
        raise ValueError(f"damaged acknowledged changes: {exc}") from exc


def pack_acknowledged(store: Store) -> int:
    """Move the changes the centre has acknowledged from the outbox into ``changes_sent``,
    ``BATCH`` to a row, oldest first; a tail short of a batch waits for more. Each batch is
    its own short write. Returns how many changes moved."""
    moved = 0
    while True:
        with store.write():
            pushed = _acknowledged(store)
            rows = store.conn.execute(
                "SELECT seq, id, entity, entity_id, op, terminal_id, created_at, payload FROM changes"
                " WHERE seq <= ? ORDER BY seq LIMIT ?", (pushed, BATCH)).fetchall()
            if len(rows) < BATCH:
                return moved
            batch = [[*row[:7], json.loads(unpack_text(row[7]))] for row in rows]
            store.conn.execute(
                "INSERT INTO changes_sent(first_seq, last_seq, newest_at, count, packed) VALUES (?, ?, ?, ?, ?)",
                (rows[0][0], rows[-1][0], max(r[6] for r in rows), len(rows), _pack_sent(batch)))
            _raise_floor(store, max((r[1] for r in rows), key=lambda i: uuid.UUID(i).int))
            store.conn.execute("DELETE FROM changes WHERE seq BETWEEN ? AND ?", (rows[0][0], rows[-1][0]))
        moved += len(rows)


def sent_changes(store: Store) -> Iterator[dict]:
    """The acknowledged changes kept packed, oldest first, each as the outbox row it was
    (the payload as JSON text). Raises ValueError on a damaged batch."""
    for (packed,) in store.conn.execute("SELECT packed FROM changes_sent ORDER BY first_seq"):
        for change in _unpack_sent(packed):
            row = dict(zip(_SENT_COLUMNS, change))
            row["payload"] = json.dumps(row["payload"], ensure_ascii=False, separators=(",", ":"))
            yield row


def redact_sent(store: Store, redactions: dict[tuple[str, str], dict[tuple[str, ...], object]]) -> int:
    """Redact the kept acknowledged changes as the outbox's are (kiosk/privacy.py):
    ``{(entity, entity_id): {path: value}}``, a path a tuple of keys; a key a payload does
    not hold is never added. Each batch is read once, written back only if it changed; a
    damaged batch, which no one can read or redact, goes (the centre has its changes).
    Returns how many values changed. Runs inside the caller's write."""
    if not redactions:
        return 0
    changed = 0
    for first_seq, packed in store.conn.execute("SELECT first_seq, packed FROM changes_sent").fetchall():
        try:
            batch = _unpack_sent(packed)
        except ValueError:  # damaged: it cannot be redacted, nor read; the centre has it
            store.conn.execute("DELETE FROM changes_sent WHERE first_seq = ?", (first_seq,))
            continue
        touched = 0
        for change in batch:
            for path, value in redactions.get((change[2], change[3]), {}).items():
                node = change[7]
                for key in path[:-1]:
                    node = node.get(key) if isinstance(node, dict) else None
                if isinstance(node, dict) and path[-1] in node and node[path[-1]] != value:
                    node[path[-1]] = value
                    touched += 1
        if touched:
            changed += touched
            store.conn.execute("UPDATE changes_sent SET packed = ? WHERE first_seq = ?",
                               (_pack_sent(batch), first_seq))
    return changed


def prune_changes(store: Store, before: datetime) -> int:
    """Delete acknowledged changes created before ``before``: packed batches whose newest
    change is older, and acknowledged rows still in the outbox; returns how many changes."""
    cutoff = iso(before)
    with store.write():
        removed = store.conn.execute(
            "SELECT COALESCE(SUM(count), 0) FROM changes_sent WHERE newest_at < ?", (cutoff,)).fetchone()[0]
        store.conn.execute("DELETE FROM changes_sent WHERE newest_at < ?", (cutoff,))
    while True:
        with store.write():
            pushed = _acknowledged(store)
            last = store.conn.execute(
                "SELECT seq, id FROM changes WHERE seq <= ? AND created_at < ?"
                " ORDER BY seq LIMIT 1 OFFSET ?", (pushed, cutoff, CHUNK - 1)).fetchone()
            if last is None:  # fewer than a chunk left: the newest of them bounds the delete
                last = store.conn.execute(
                    "SELECT seq, id FROM changes WHERE seq <= ? AND created_at < ?"
                    " ORDER BY seq DESC LIMIT 1", (pushed, cutoff)).fetchone()
                if last is None:
                    return removed
            _raise_floor(store, last[1])
            removed += store.conn.execute(
                "DELETE FROM changes WHERE seq <= ? AND created_at < ?", (last[0], cutoff)).rowcount
            if last[0] >= pushed:
                return removed


def prune_print_jobs(store: Store, before: datetime) -> int:
    """Delete jobs printed (or sent, where nothing confirms) before ``before``, jobs held
    since then (made where no printer was: they never print by themselves), and jobs that
    expired unprinted before it."""
    removed = 0
    cutoff = iso(before)
    while True:
        with store.write():
            count = store.conn.execute(
                "DELETE FROM print_jobs WHERE id IN (SELECT id FROM print_jobs WHERE"
                " (status IN ('printed', 'sent', 'held') AND COALESCE(printed_at, created_at) < :cut)"
                " OR (status IN ('queued', 'failed') AND expires_at IS NOT NULL AND expires_at < :cut)"
                " LIMIT :chunk)", {"cut": cutoff, "chunk": CHUNK}).rowcount
        removed += count
        if count < CHUNK:
            return removed


def prune_audit(store: Store, before: datetime) -> int:
    """Delete audit entries made before ``before`` whose change the centre acknowledged; returns
    how many. An entry's change still in the outbox above the cursor keeps it (the outbox
    keeps every unacknowledged change, so an entry without one there was acknowledged, or
    came from the centre in a restore)."""
    removed = 0
    cutoff = iso(before)
    while True:
        with store.write():
            pushed = _acknowledged(store)
            count = store.conn.execute(
                "DELETE FROM audit WHERE seq IN (SELECT a.seq FROM audit AS a WHERE a.at < :cut"
                " AND NOT EXISTS (SELECT 1 FROM changes AS c WHERE c.entity = 'audit'"
                " AND c.entity_id = a.id AND c.seq > :pushed) ORDER BY a.seq LIMIT :chunk)",
                {"cut": cutoff, "pushed": pushed, "chunk": CHUNK}).rowcount
        removed += count
        if count < CHUNK:
            return removed


def give_back_space(store: Store) -> None:
    """Return free pages to the disk (incremental vacuum in small steps, each its own short
    write), then checkpoint the WAL so the file really shrinks. A TRUNCATE checkpoint holds
    new writers back while it waits for readers: it may wait one second, no more (a face
    taking a ticket must not notice); if readers are still busy, a passive checkpoint does
    what it can and the next prune finishes."""
    while store.conn.execute("PRAGMA freelist_count").fetchone()[0] > 0:
        store.conn.execute(f"PRAGMA incremental_vacuum({VACUUM_PAGES})").fetchall()
    store.conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_WAIT_MS}")
    try:
        busy = store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    finally:
        store.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if busy:
        store.conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()


def prune(store: Store, settings: Settings, *, now: datetime | None = None,
          result: Pruned | None = None) -> Pruned:
    """Prune what the retention settings allow and give the space back. Each step is a
    write of its own: ``result`` (when given) holds what the steps done so far did, for a
    caller that stops on a full disk midway (``pst-kiosk maintenance`` says what stays done)."""
    now = now or store.clock.now()
    keep = settings.retention
    result = result if result is not None else Pruned()
    result.size_before = store_bytes(store)
    result.changes = prune_changes(store, now - timedelta(days=keep.changes_days))
    result.packed = pack_acknowledged(store)  # what is left of them (not packed only to go)
    result.print_jobs = prune_print_jobs(store, now - timedelta(days=keep.print_jobs_days))
    result.audit = prune_audit(store, now - timedelta(days=keep.audit_days))
    if result.audit:  # ``pst-kiosk audit`` then says that older entries are at the centre
        store.set_meta(AUDIT_PRUNED, iso(now))
    result.archived = archive.archive_before(
        store, now.astimezone(settings.office.tz).date() - timedelta(days=keep.detail_days),
        result.archive_refused)
    give_back_space(store)
    store.set_meta(LAST_PRUNE, iso(now))
    result.size_after = store_bytes(store)
    return result


def due(store: Store, now: datetime | None = None) -> bool:
    """Whether the sync round should prune now (not more often than ``PRUNE_EVERY``)."""
    last = store.meta(LAST_PRUNE)
    if not last:
        return True
    try:
        return (now or store.clock.now()) - datetime.fromisoformat(last) >= PRUNE_EVERY
    except ValueError:
        return True

"""Closed days' visit detail, kept packed (issue 14: a year of an office under 100 MB).

A day's tickets, visits, survey ratings and service records are read row by row while the
day is open and for weeks after (the counter's lists, transfers, the desk record editable
until the day ends, the wait estimate's last ``estimate.HISTORY_DAYS``, a month's report).
Past ``[retention] detail_days`` (45: last month's report, made and corrected in the first
two weeks of this one, still reads live rows) nothing changes them any more, and only
reports over a period and the personal-data requests still read them. They are then kept
packed, one row of ``archive`` per day and table, instead of a row each with its indexes (a ticket
costs ~800 bytes as a row with its eleven indexes; packed, ~60). Nothing is lost: every
column of every row is kept, and the readers see them again through ``view``.

- ``archive_day`` moves one day, in one short write: the rows that live rows still point
  at (a ticket an order, a notice or a locker names, with its visit, its transfers and the
  rest of its bundle) stay live, so every reference in the store stays whole; a check after
  the move proves it, or the day is left as it was.
- ``view(store, start, end)``: a store whose ``tickets``, ``visits``, ``ratings`` and
  ``service_records`` hold the period's rows, live and archived together, with the indexes
  readers force (``FORCED``): a report reads it with the same SQL as ever, so its figures are the same
  before and after archiving (tests compare them). A period with no archived day reads
  the store itself. The view is a connection of its own with temporary tables (they
  shadow the real ones for it alone), so nothing the faces do on theirs can reach them.
- ``rows`` reads archived rows for the personal-data requests and the guests' retention
  (a guest seen on an archived day was seen).

A day is packed column by column (the values of one column side by side pack far better
than row by row) as JSON with the column names, so a column added later reads as null
from older days, then xz-compressed (``FILTERS``; its check makes a damaged day fail to
read, never read as other rows).
"""

from __future__ import annotations

import hashlib
import json
import lzma
import os
import re
import sqlite3
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from typing import Any

from kiosk.store import Store, disk_full

KINDS = ("tickets", "visits", "ratings", "service_records")  # every one has a ``day`` column
# xz (LZMA2) packs a day in 60% of what deflate does (5.9 MB a year against 9.6, measured on
# bench/store_year.py's year); preset 6 packs as small as 9 with --extreme here, ~25% faster;
# a 1 MiB window is larger than any day (~400 kB of JSON), and keeps the packer's memory
# small. CRC32: a damaged day fails to unpack, never reads as other rows.
FILTERS = [{"id": lzma.FILTER_LZMA2, "preset": 6, "dict_size": 1 << 20}]


def _links(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """Every reference in the store: (child table, column, parent table, parent column)."""
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                         " AND name NOT LIKE 'sqlite_%'")]
    return [(table, fk[3], fk[2], fk[4] or "id")
            for table in tables for fk in conn.execute(f"PRAGMA foreign_key_list('{table}')")]


def pack(columns: list[str], rows: list[tuple]) -> bytes:
    values = [list(col) for col in zip(*rows)] if rows else [[] for _ in columns]
    text = json.dumps({"columns": columns, "values": values}, ensure_ascii=False, separators=(",", ":"))
    return lzma.compress(text.encode(), format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32, filters=FILTERS)


def digest(packed: bytes) -> bytes:
    """What a packed day is checked against: BLAKE2b-128 of its bytes as written."""
    return hashlib.blake2b(packed, digest_size=16).digest()


def _raw(packed: bytes) -> bytes | None:
    """A packed day's JSON, or None if it is damaged (xz's check failed, or not xz)."""
    try:
        return lzma.decompress(packed, format=lzma.FORMAT_XZ)
    except (lzma.LZMAError, TypeError):
        return None


def _columns(raw: bytes | None) -> dict[str, list[Any]]:
    """A day's JSON as {column: values}; raises ValueError if it is damaged."""
    try:
        if raw is None:
            raise ValueError("not packed as xz, or its check failed")
        data = json.loads(raw)
        columns = dict(zip(data["columns"], data["values"], strict=True))
        if len({len(v) for v in columns.values()}) > 1:
            raise ValueError("columns of different lengths")
        return columns
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ValueError(f"damaged archived day: {exc}") from exc


def unpack_columns(packed: bytes) -> dict[str, list[Any]]:
    """A packed day as {column: values}; raises ValueError if it is damaged."""
    return _columns(_raw(packed))


def unpack(packed: bytes) -> list[dict[str, Any]]:
    """A packed day as rows; raises ValueError if it is damaged."""
    columns = unpack_columns(packed)
    return [dict(zip(columns, row)) for row in zip(*columns.values())]


def _tuples(found: dict[str, list[Any]] | None, columns: list[str]) -> Iterator[tuple]:
    """A day's rows (as ``_columns`` read them) as tuples of ``columns`` (null where an
    older day lacks one); raises ValueError for a damaged day (None)."""
    if found is None:
        raise ValueError("damaged archived day")
    n = len(next(iter(found.values()), []))
    return zip(*(found.get(c) or [None] * n for c in columns))


def _read(packed: bytes) -> dict[str, list[Any]] | None:
    try:
        return unpack_columns(packed)
    except ValueError:
        return None


def _unpacked(blobs: list[tuple[str, str, bytes]], ahead: int = 3,
              ) -> Iterator[tuple[str, str, dict[str, list[Any]] | None]]:
    """(kind, day, columns or None if damaged) of each blob in order, unpacked a few ahead
    on a second thread: xz lets go of the interpreter while it works, and SQLite while it
    inserts, so the caller inserts one day while the next unpacks and parses."""
    from concurrent.futures import ThreadPoolExecutor  # (not at import: ``ticket take`` imports this module)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending: deque = deque()
        for kind, day, packed in blobs:
            pending.append((kind, day, pool.submit(_read, packed)))
            if len(pending) > ahead:
                kind0, day0, raw = pending.popleft()
                yield kind0, day0, raw.result()
        while pending:
            kind0, day0, raw = pending.popleft()
            yield kind0, day0, raw.result()


def _bundles(rows: dict[str, list[dict[str, Any]]], links: list[tuple[str, str, str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """The day's rows grouped by the references among them (a ticket, its transfers, its
    visit, rating and record): each (kind, id) mapped to its group's root."""
    parent: dict[tuple[str, str], tuple[str, str]] = {(k, r["id"]): (k, r["id"]) for k in rows for r in rows[k]}

    def root(node: tuple[str, str]) -> tuple[str, str]:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for child, column, to, _ in links:
        if child in rows and to in rows:
            for r in rows[child]:
                other = (to, r[column])
                if r[column] is not None and other in parent:
                    parent[root((child, r["id"]))] = root(other)
    return {node: root(node) for node in parent}


class ArchiveError(RuntimeError):
    """Archiving a day would have left a reference pointing at nothing (a bug: rolled back)."""


class _Plan:
    """What archiving a day moves: its rows as read, and per table the rows leaving (not
    pinned by a live row elsewhere) with their packed form, merged with what the day has
    in the archive already. (A plain class: ``ticket take`` imports this module.)"""

    def __init__(self, rows: dict[str, list[dict[str, Any]]], archived: dict[str, int]) -> None:
        self.rows = rows
        self.archived = archived  # table -> rows of the day already archived
        self.leaving: dict[str, list[str]] = {}  # table -> ids
        self.packed: dict[str, tuple[int, bytes]] = {}  # table -> (count, packed)


def _day_rows(store: Store, day: str) -> dict[str, list[dict[str, Any]]]:
    return {k: store.rows(f"SELECT * FROM {k} WHERE day = ? ORDER BY id", (day,)) for k in KINDS}


def _archived_counts(store: Store, day: str) -> dict[str, int]:
    return dict(store.conn.execute("SELECT kind, count FROM archive WHERE day = ?", (day,)).fetchall())


def _naming(conn: sqlite3.Connection, child: str, column: str, ids: list[str], day: str | None = None,
            limit: str = "") -> list[str]:
    """The values of ``child.column`` among ``ids``: the rows that name them. A child of
    ``KINDS`` counts only from other days than ``day`` (the day's own rows move with them)."""
    elsewhere = " AND day != :day" if day is not None and child in KINDS else ""
    return [r[0] for r in conn.execute(
        f"SELECT DISTINCT {column} FROM {child} WHERE {column} IN (SELECT value FROM json_each(:ids)){elsewhere}"
        f"{limit}", {"ids": json.dumps(ids), "day": day})]


def _plan(store: Store, day: str, links: list[tuple[str, str, str, str]]) -> _Plan:
    conn = store.conn
    plan = _Plan(_day_rows(store, day), _archived_counts(store, day))
    if not any(plan.rows.values()):
        return plan
    group = _bundles(plan.rows, links)
    ids = {k: [r["id"] for r in plan.rows[k]] for k in KINDS}
    pinned: set[tuple[str, str]] = set()
    for child, column, to, _ in links:
        if to in KINDS and ids[to]:
            pinned.update(group[(to, value)] for value in _naming(conn, child, column, ids[to], day))
    for kind in KINDS:
        leaving = [r for r in plan.rows[kind] if group[(kind, r["id"])] not in pinned]
        if not leaving:
            continue
        old = conn.execute("SELECT CAST(packed AS BLOB) FROM archive WHERE day = ? AND kind = ?", (day, kind)).fetchone()
        kept = unpack(old[0]) if old else []  # a day archived before (a clock set back added to it)
        have = {r["id"] for r in leaving}
        merged = [r for r in kept if r["id"] not in have] + leaving
        columns = list(dict.fromkeys([*leaving[0], *(c for r in kept for c in r)]))
        plan.leaving[kind] = sorted(have)
        plan.packed[kind] = (len(merged), pack(columns, [tuple(r.get(c) for c in columns) for r in merged]))
    return plan


def archive_day(store: Store, day: str) -> int:
    """Pack ``day``'s rows that nothing live points at; returns how many rows moved. The
    packing (the slow part: ~0.1 s a day) is done before the write, from a read; the write
    reads the day again and packs anew only if anything changed meanwhile, so the faces
    wait for the move alone. References are checked after the move (any dangling one
    rolls it back)."""
    conn = store.conn
    links = _links(conn)
    conn.execute("BEGIN")  # one snapshot for the rows and the rows that may pin them
    try:
        ready = _plan(store, day, links)
    finally:
        conn.execute("ROLLBACK")
    if not any(ready.rows.values()):
        return 0
    conn.execute("PRAGMA foreign_keys = OFF")  # checked below, for the moved ids only
    try:
        with store.write():
            same = _day_rows(store, day) == ready.rows and _plan_pins_hold(store, day, links, ready)
            plan = ready if same else _plan(store, day, links)
            for kind, (count, packed) in plan.packed.items():
                conn.execute(
                    "INSERT INTO archive(day, kind, count, packed, digest) VALUES (?, ?, ?, ?, ?)"
                    " ON CONFLICT(day, kind) DO UPDATE SET count = excluded.count, packed = excluded.packed,"
                    " digest = excluded.digest", (day, kind, count, packed, digest(packed)))
            for kind in reversed(KINDS):
                if plan.leaving.get(kind):
                    conn.execute(f"DELETE FROM {kind} WHERE id IN (SELECT value FROM json_each(?))",
                                 (json.dumps(plan.leaving[kind]),))
            for child, column, to, _ in links:
                if plan.leaving.get(to) and _naming(conn, child, column, plan.leaving[to], limit=" LIMIT 1"):
                    raise ArchiveError(f"{child}.{column} still points at an archived {to} row of {day}")
            return sum(len(v) for v in plan.leaving.values())
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _plan_pins_hold(store: Store, day: str, links: list[tuple[str, str, str, str]], plan: _Plan) -> bool:
    """Whether what the plan moves is still free to move: no row outside the day names it
    (an order made meanwhile for an old ticket would), and the day's archive is as read."""
    if any(plan.leaving.get(to) and _naming(store.conn, child, column, plan.leaving[to], day, " LIMIT 1")
           for child, column, to, _ in links):
        return False
    return _archived_counts(store, day) == plan.archived


def next_seq(store: Store, day: str, letter: str) -> int:
    """The number after the archived tickets of ``day`` with ``letter`` (1 if none): a
    ticket taken on a day already archived (a clock set back by months) gets a number of
    its own. One key lookup when the day is not archived, which is every real day."""
    row = store.conn.execute("SELECT CAST(packed AS BLOB), count FROM archive WHERE day = ? AND kind = 'tickets'",
                             (day,)).fetchone()
    if row is None:
        return 1
    try:
        columns = unpack_columns(row[0])
    except ValueError:  # a damaged day: past every number it can hold (one per row), never one of them
        return max(row[1], 0) + 1
    seqs = [seq for seq, lt, moved in zip(columns["seq"], columns["letter"], columns["transferred_from"])
            if lt == letter and moved is None]
    return max(seqs, default=0) + 1


SEEN = "archive.seen"  # meta: {"before": day, "rowids": {table: newest rowid}} of the last run


def days_due(store: Store, before: date) -> list[str]:
    """The days before ``before`` with live rows to archive, oldest first. A day a run has
    been through already comes again only if a row was added to it since (a rowid above
    the run's: a clock set back, not the clock's word): the rows an order or a locker still
    names stay live for ever, and planning those days again at every run would grow with
    the years (2 s a run after one year of an office whose orders name their tickets). A day
    the last run refused (``archive_before``) comes again at every run, and is told again,
    until it can be archived."""
    b = before.isoformat()
    seen = json.loads(store.meta(SEEN) or "{}")
    through = min(seen.get("before", ""), b)
    found: set[str] = {day for day in seen.get("refused", []) if day < b}
    for kind in KINDS:
        found.update(r[0] for r in store.conn.execute(
            f"SELECT DISTINCT day FROM {kind} WHERE day >= ? AND day < ?", (through, b)))
        if through:
            found.update(r[0] for r in store.conn.execute(
                f"SELECT DISTINCT day FROM {kind} WHERE day < ? AND rowid > ?",
                (through, seen.get("rowids", {}).get(kind, 0))))
    return sorted(found)


def _newest_rowids(store: Store) -> dict[str, int]:
    return {kind: store.conn.execute(f"SELECT COALESCE(MAX(rowid), 0) FROM {kind}").fetchone()[0] for kind in KINDS}


def archive_before(store: Store, before: date, refused: list[str] | None = None) -> int:
    """Archive every day before ``before`` (a day a write); returns how many rows moved. A
    day that cannot be archived (its earlier archive no longer reads back, so merging into
    it would lose it; or a reference the check caught) stays as it is, added to ``refused``
    as ``day why`` (``why``: ``unreadable_day`` or ``dangling``, keys of [archive]), and the
    days after it go on."""
    moved = 0
    newest = _newest_rowids(store)  # before the run: a row added meanwhile is seen next time
    left: list[str] = []  # refused days: planned again next run (a trial saw one told once, then never)
    for day in days_due(store, before):
        try:
            moved += archive_day(store, day)
        except (ArchiveError, ValueError) as exc:
            left.append(day)
            if refused is not None:  # the day and why: a catalogue key's last part (archive.<why>)
                refused.append(f"{day} {'dangling' if isinstance(exc, ArchiveError) else 'unreadable_day'}")
    seen = json.loads(store.meta(SEEN) or "{}")
    store.set_meta(SEEN, json.dumps({"before": max(seen.get("before", ""), before.isoformat()), "rowids": newest,
                                     "refused": left}))
    return moved


def archived_days(store: Store, start: str, end: str) -> list[str]:
    return [r[0] for r in store.conn.execute(
        "SELECT DISTINCT day FROM archive WHERE day BETWEEN ? AND ? ORDER BY day", (start, end))]


def day_count(store: Store) -> int:
    """How many days the archive holds."""
    return store.conn.execute("SELECT COUNT(DISTINCT day) FROM archive").fetchone()[0]


def count(store: Store, kind: str) -> int:
    """How many rows of ``kind`` are kept packed."""
    return store.conn.execute("SELECT COALESCE(SUM(count), 0) FROM archive WHERE kind = ?", (kind,)).fetchone()[0]


def rows(store: Store, kind: str, keep: Callable[[dict[str, Any]], bool] = lambda r: True,
         start: str = "", end: str = "9999", skipped: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """The archived rows of ``kind`` (between days ``start`` and ``end``) that ``keep``
    accepts; a damaged day is skipped (added to ``skipped`` as ``day table``; doctor names it)."""
    for day, packed in store.conn.execute(
            "SELECT day, CAST(packed AS BLOB) FROM archive WHERE kind = ? AND day BETWEEN ? AND ? ORDER BY day", (kind, start, end)):
        try:
            found = unpack(packed)
        except ValueError:
            if skipped is not None:
                skipped.append(f"{day} {kind}")
            continue
        yield from (r for r in found if keep(r))


def visits_of(store: Store, guest_ids: list[str]) -> dict[str, list[str]]:
    """The archived visits of these guests: {guest id: [visit id]} (one pass over the archive)."""
    wanted = set(guest_ids)
    found: dict[str, list[str]] = {}
    if wanted:
        for r in rows(store, "visits", lambda r: r["guest_id"] in wanted):
            found.setdefault(r["guest_id"], []).append(r["id"])
    return found


def guest_visits(store: Store, guest_id: str, columns: tuple[str, ...],
                 skipped: list[str] | None = None) -> list[dict[str, Any]]:
    """A guest's archived visits, ``columns`` of each and its ticket's number (``ticket``),
    as the access request lists them; damaged days are added to ``skipped``."""
    visits = list(rows(store, "visits", lambda r: r["guest_id"] == guest_id, skipped=skipped))
    if not visits:
        return []
    days = sorted({v["day"] for v in visits})
    wanted = {v["ticket_id"] for v in visits}
    numbers = {t["id"]: t["number"] for day in days
               for t in rows(store, "tickets", lambda t: t["id"] in wanted, start=day, end=day)}
    numbers.update(store.conn.execute(  # a ticket an order still names stays live
        "SELECT id, number FROM tickets WHERE id IN (SELECT value FROM json_each(?))",
        (json.dumps(sorted(wanted - set(numbers) - {None})),)).fetchall())
    return [{**{k: v.get(k) for k in columns}, "ticket": numbers.get(v["ticket_id"])}
            for v in sorted(visits, key=lambda v: v["created_at"])]


def damaged(conn: sqlite3.Connection) -> list[str]:
    """The archived days that cannot be read (a damaged disk): ``day kind`` each. A day
    whose bytes are as packed reads back; one packed before digests is unpacked to tell."""
    return [f"{day} {kind}" for day, kind, packed, known in conn.execute(
                "SELECT day, kind, CAST(packed AS BLOB), digest FROM archive ORDER BY day")
            if (digest(packed) != known if known is not None else not _readable(packed))]


def _as(day: date | str) -> str:
    return day if isinstance(day, str) else day.isoformat()


def unreadable_on(store: Store, day: date | str, kinds: tuple[str, ...] = KINDS) -> list[str]:
    """The archived tables of ``day`` that cannot be read (``day table``): a day listed from
    the archive lacks them."""
    d = _as(day)
    marks = ", ".join("?" for _ in kinds)
    return [f"{d} {kind}" for kind, packed in store.conn.execute(
        f"SELECT kind, CAST(packed AS BLOB) FROM archive WHERE day = ? AND kind IN ({marks})", (d, *kinds))
        if not _readable(packed)]


def _readable(packed: bytes) -> bool:
    try:
        unpack_columns(packed)
    except ValueError:
        return False
    return True


def unreadable(view: Store) -> list[str]:
    """The archived days (``day table``) a view had to leave out, damaged: the figures read
    through it lack them (the report and the access request say so)."""
    return list(getattr(view, "unreadable", []))


# The indexes readers name with INDEXED BY (a test holds this to the code): the view's
# copies must have them. The others are left out: a month is ~20k rows, read whole faster
# than indexed again (a tenth of an archived month's report went to building them).
FORCED = {"tickets_wait", "tickets_standard_wait", "tickets_service", "tickets_waits", "tickets_done",
          "service_records_day"}


def _index_like_main(conn: sqlite3.Connection, kind: str) -> None:
    """On a table's temporary copy: the indexes readers force (``FORCED``), never unique
    (a day archived again after a clock set back may hold a number twice, and a report
    must still read it), and one for each UNIQUE column but the key (a ticket's record, a
    visit's rating: what a reader looks up row by row)."""
    for name, sql in conn.execute("SELECT name, sql FROM main.sqlite_master WHERE type = 'index'"
                                  " AND tbl_name = ? AND sql IS NOT NULL", (kind,)).fetchall():
        if name in FORCED:
            conn.execute(re.sub(r"^CREATE (UNIQUE )?INDEX ", "CREATE INDEX temp.", sql))
    for _, name, _, origin, _ in conn.execute(f"PRAGMA main.index_list('{kind}')").fetchall():
        if origin == "u":
            columns = ", ".join(r[2] for r in conn.execute(f"PRAGMA main.index_info('{name}')"))
            conn.execute(f"CREATE INDEX temp.view_{name} ON {kind}({columns})")


def temp_dir() -> str:
    """The folder SQLite keeps a view's temporary copies in, picked as its unix VFS does:
    ``SQLITE_TMPDIR``, ``TMPDIR``, /var/tmp, /usr/tmp, /tmp, the first that is a folder it
    may write in."""
    for folder in (os.environ.get("SQLITE_TMPDIR"), os.environ.get("TMPDIR"), "/var/tmp", "/usr/tmp", "/tmp"):
        if folder and os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    return "."


@contextmanager
def view(store: Store, start: date | str, end: date | str, kinds: tuple[str, ...] = KINDS) -> Iterator[Store]:
    """A store reading the period's rows of ``kinds``, live and archived, with the real
    tables' indexes; the store itself when no day of the period is archived."""
    s, e = _as(start), _as(end)
    days = archived_days(store, s, e)
    if not days:
        yield store
        return
    reader = Store(store.path, clock=store.clock)
    reader.unreadable = []  # type: ignore[attr-defined] - what ``unreadable`` reads back
    conn = reader.conn
    try:
        conn.execute("PRAGMA foreign_keys = OFF")  # the copies point at tables they do not shadow
        # The copies go to a temporary file SQLite deletes itself, not memory: a year is ~100 MB
        # of copies, ten years ten times that, and a small PC must not run out of memory for
        # a report. Measured on the bench's year: no slower for a month (0.25 s), faster for
        # the year (2.7 s against 4.5 in memory), peak RSS 59 MB against ~220.
        conn.execute("PRAGMA temp_store = FILE")
        # One read snapshot for the live rows, the archive and the report's own queries: an
        # archive_day committed meanwhile on another connection is not half seen.
        conn.execute("BEGIN")
        inserts, live, at = {}, {}, {}
        for kind in kinds:
            # The columns without the constraints: a row is live or archived, never both
            # (archive_day moves it in one write), so no key needs checking row by row.
            conn.execute(f"CREATE TEMP TABLE {kind} AS SELECT * FROM main.{kind} WHERE day BETWEEN ? AND ?", (s, e))
            # The live rows' ids by day: only a day with live rows (added after it was archived,
            # a clock set back) needs its archived rows checked one by one.
            for row_id, row_day in conn.execute(f"SELECT id, day FROM temp.{kind}"):
                live.setdefault((kind, row_day), set()).add(row_id)
            columns = [r[1] for r in conn.execute(f"PRAGMA main.table_info('{kind}')")]
            at[kind] = columns.index("id")
            inserts[kind] = (columns, f"INSERT INTO temp.{kind} ({', '.join(columns)})"
                                      f" VALUES ({', '.join('?' for _ in columns)})")
        blobs = conn.execute(
            f"SELECT kind, day, CAST(packed AS BLOB) FROM archive WHERE day BETWEEN ? AND ? AND kind IN ({', '.join('?' for _ in kinds)})"
            " ORDER BY kind, day", (s, e, *kinds)).fetchall()
        for kind, day, raw in _unpacked(blobs):
            columns, insert = inserts[kind]
            try:
                found = _tuples(raw, columns)
            except ValueError:  # a damaged day is left out: ``unreadable`` says so, doctor too
                reader.unreadable.append(f"{day} {kind}")  # type: ignore[attr-defined]
                continue
            here = live.get((kind, day))
            conn.executemany(insert, (r for r in found if r[at[kind]] not in here) if here else found)
        # A day with one damaged table is left out whole: its tickets gone but its visits
        # counted would make figures that contradict each other.
        broken = json.dumps(sorted({entry.split()[0] for entry in reader.unreadable}))  # type: ignore[attr-defined]
        for kind in kinds:
            if reader.unreadable:  # type: ignore[attr-defined]
                conn.execute(f"DELETE FROM temp.{kind} WHERE day IN (SELECT value FROM json_each(?))", (broken,))
            _index_like_main(conn, kind)
        yield reader
    except sqlite3.OperationalError as exc:
        # Only the temporary copies are written through a view: a full disk is the temporary
        # folder's, not the store's (a trial saw a report told "the store's disk is full:
        # nothing was changed ... maintenance needs room" with the store's disk half empty).
        if not disk_full(exc):
            raise
        from kiosk.errors import StoreError

        raise StoreError("archive_temp.full", folder=temp_dir()) from exc
    finally:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        reader.close()

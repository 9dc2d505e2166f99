"""Shared helpers for the benchmarks in this folder (not a benchmark itself).

Everything here works in a temporary directory: the environment is scrubbed of
``PST_KIOSK_*`` overrides and the XDG dirs point into the temp dir, so a benchmark can
never read or write the user's real configuration or store.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # use this checkout's code, whatever the venv points at
    sys.path.insert(0, str(ROOT))

ENV_OVERRIDES = ("PST_KIOSK_DB", "PST_KIOSK_CONFIG", "PST_KIOSK_PRINTER", "PST_KIOSK_CENTRAL_DSN")

OFFICE = {
    "code": "1373",
    "name": "PST BPS Kota Sawahlunto",
    "address": "Jl. Bagindo Aziz Chan, Sawahlunto",
    "complaint_channels": ["s.bps.go.id/pengaduan-1373", "bps1373@bps.go.id"],
    "counters": 3,
    "timezone": "Asia/Jakarta",
}


def isolate_env(tmp: Path) -> dict[str, str]:
    """Scrub overrides, point the platform and temp dirs into ``tmp``; the env for children."""
    import tempfile

    for name in ENV_OVERRIDES:
        os.environ.pop(name, None)
    # python-escpos makes a fresh mkdtemp() on every import (its capabilities pickle
    # cache); keep that litter inside our temp dir, in this process and in children.
    (tmp / "tmp").mkdir(exist_ok=True)
    os.environ["TMPDIR"] = str(tmp / "tmp")
    tempfile.tempdir = str(tmp / "tmp")
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "xdg-config")
    os.environ["XDG_DATA_HOME"] = str(tmp / "xdg-data")
    os.environ["XDG_CACHE_HOME"] = str(tmp / "xdg-cache")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def write_settings(tmp: Path, *, printer: str = "none", paper_mm: int = 80, qr: str = "raster",
                   name: str = "config.toml", db: str = "pst.db"):  # noqa: ANN201 - Settings
    """Write a config TOML into ``tmp`` and load it the way the program does."""
    from kiosk import config

    config_path = tmp / name
    db_path = tmp / db
    raw = {
        "db": str(db_path),
        "office": dict(OFFICE),
        "printer": {"url": printer, "paper_mm": paper_mm, "qr": qr, "timeout": 0.5},
        "kiosk": {"staff_exit_code": "246810"},
    }
    config.save_file(config_path, raw)
    settings = config.load(config_path, db=db_path)
    assert str(settings.db_path).startswith(str(tmp)), settings.db_path  # never the real store
    assert settings.printer.url == printer
    return config_path, db_path, settings


# -- statistics ---------------------------------------------------------------------------


def ms_stats(seconds: Sequence[float]) -> dict[str, float]:
    """median / p90 / p99 / max / mean / min in milliseconds."""
    xs = sorted(s * 1000 for s in seconds)
    n = len(xs)

    def pct(p: float) -> float:
        if n == 1:
            return xs[0]
        k = (n - 1) * p
        lo = int(k)
        hi = min(lo + 1, n - 1)
        return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)

    return {"n": n, "min": xs[0], "median": statistics.median(xs), "p90": pct(0.90),
            "p99": pct(0.99), "max": xs[-1], "mean": statistics.fmean(xs)}


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain monospace table."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    out = []
    for i, r in enumerate(cells):
        out.append("  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths))))
        if i == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def timed(fn, *args, **kwargs) -> float:  # noqa: ANN001
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t0


# -- realistic history -----------------------------------------------------------------------


def uuid7_at(when: datetime, rnd: random.Random) -> str:
    """A UUIDv7 string whose timestamp is ``when`` (so past rows sort as they would have)."""
    ms = int(when.timestamp() * 1000) & ((1 << 48) - 1)
    rand_a = rnd.getrandbits(12)
    rand_b = rnd.getrandbits(62)
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _iso(when: datetime) -> str:  # the store's format (kiosk.clock.iso)
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _json_time(when: datetime | None) -> str | None:  # pydantic's JSON format in payloads
    if when is None:
        return None
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


# Share of visitors per service letter (a PST desk: consultation and sales dominate).
SERVICE_WEIGHTS = {"A": 0.15, "B": 0.35, "C": 0.40, "D": 0.10}


def seed_history(store, settings, *, tickets: int, days: int, today: date,  # noqa: ANN001, C901
                 changes: bool = True, print_jobs: bool = True, seed: int = 1373) -> dict[str, int]:
    """Insert ``tickets`` finished tickets over the ``days`` calendar days before ``today``.

    Working days only (Mon-Fri), 08:00-15:30 local; statuses done (~92 %) and no_show
    (~8 %); ~5 % priority; counters 1..N. With ``changes`` the outbox gets the rows the
    use cases would have written (take, call, [start, finish] | no_show); with
    ``print_jobs`` each ticket gets its printed ticket job (its document as issued, packed
    as ``printing.enqueue`` keeps it).
    One transaction, direct SQL on the store's own connection.
    """
    from kiosk.printing import PRINT_ZDICT
    from kiosk.queue import Ticket, format_number
    from kiosk.services import all_services
    from kiosk.store import pack_text
    from kiosk.tickets import ticket_slip_document

    rnd = random.Random(seed)
    tz = settings.office.tz
    counters = settings.office.counters
    services = {s.letter: s for s in all_services()}
    letters = [letter for letter in SERVICE_WEIGHTS if letter in services]
    weights = [SERVICE_WEIGHTS[letter] for letter in letters]
    work_days = [today - timedelta(days=d) for d in range(days, 0, -1)
                 if (today - timedelta(days=d)).weekday() < 5]
    per_day = [tickets // len(work_days)] * len(work_days)
    for i in range(tickets - sum(per_day)):
        per_day[i] += 1

    # A real ticket document per service, with placeholders swapped per ticket.
    templates: dict[str, str] = {}
    for letter in letters:
        svc = services[letter]
        probe_time = datetime(2000, 1, 1, 1, 2, tzinfo=timezone.utc)
        probe = Ticket(id="@ID@", number="@NUMBER@", service=svc.code, letter=letter, seq=1,
                       day=date(2000, 1, 1), status="waiting", priority=False,
                       issued_at=probe_time, queued_at=probe_time)
        doc = ticket_slip_document(settings, probe, 4)
        templates[letter] = (doc.model_dump_json()
                             .replace(probe_time.astimezone(tz).strftime("%d-%m-%Y %H:%M"), "@ISSUED@"))

    terminal = store.terminal_id
    ticket_rows: list[tuple] = []
    change_rows: list[tuple] = []
    job_rows: list[tuple] = []
    cols = ("id", "created_at", "updated_at", "terminal_id", "day", "service", "letter", "seq",
            "number", "priority", "status", "counter", "issued_at", "queued_at", "called_at",
            "last_called_at", "recalls", "started_at", "finished_at", "no_show_at",
            "wait_seconds", "standard_from", "standard_wait_seconds", "service_seconds")
    for day, count in zip(work_days, per_day):
        open_at = datetime.combine(day, dtime(8, 0), tzinfo=tz)
        span = 7.5 * 3600
        offsets = sorted(rnd.uniform(0, span) for _ in range(count))
        seqs = dict.fromkeys(letters, 0)
        for off in offsets:
            letter = rnd.choices(letters, weights)[0]
            seqs[letter] += 1
            seq = seqs[letter]
            svc = services[letter]
            issued = open_at + timedelta(seconds=off)
            called = issued + timedelta(seconds=rnd.uniform(30, 1800))
            recalls = 1 if rnd.random() < 0.1 else 0
            last_called = called + timedelta(seconds=45 * recalls)
            no_show = rnd.random() < 0.08
            counter = rnd.randint(1, counters)
            priority = 1 if rnd.random() < 0.05 else 0
            started = finished = no_show_at = None
            if no_show:
                no_show_at = last_called + timedelta(seconds=rnd.uniform(60, 180))
                end = no_show_at
                status = "no_show"
            else:
                started = last_called + timedelta(seconds=rnd.uniform(20, 120))
                finished = started + timedelta(seconds=rnd.uniform(120, 1500))
                end = finished
                status = "done"
            tid = uuid7_at(issued, rnd)
            number = format_number(letter, seq)
            # As Queue.call and Queue.finish write them: the wait at the first call, the wait
            # under the standard (here from the issue: nobody was served before), the service.
            wait = (called - issued).total_seconds()
            service = (finished - started).total_seconds() if finished else None
            row = (tid, _iso(issued), _iso(end), terminal, day.isoformat(), svc.code, letter, seq,
                   number, priority, status, counter, _iso(issued), _iso(issued), _iso(called),
                   _iso(last_called), recalls, _iso(started) if started else None,
                   _iso(finished) if finished else None, _iso(no_show_at) if no_show_at else None,
                   wait, _iso(issued), wait, service)
            ticket_rows.append(row)
            if changes:
                public = {"id": tid, "number": number, "service": svc.code, "letter": letter,
                          "seq": seq, "day": day.isoformat(), "status": "waiting",
                          "priority": bool(priority), "counter": None,
                          "issued_at": _json_time(issued), "queued_at": _json_time(issued),
                          "called_at": None, "last_called_at": None, "recalls": 0,
                          "started_at": None, "finished_at": None, "no_show_at": None,
                          "transferred_at": None, "transferred_from": None, "transferred_to": None}
                steps = [("take", issued, {})]
                steps.append(("call", called, {"status": "called", "counter": counter,
                                               "called_at": _json_time(called),
                                               "last_called_at": _json_time(called),
                                               "wait_seconds": wait, "standard_from": _json_time(issued),
                                               "standard_wait_seconds": wait}))
                if recalls:
                    steps.append(("recall", last_called, {"recalls": 1,
                                                          "last_called_at": _json_time(last_called)}))
                if no_show:
                    steps.append(("no_show", no_show_at, {"status": "no_show",
                                                          "no_show_at": _json_time(no_show_at)}))
                else:
                    steps.append(("start", started, {"status": "serving",
                                                     "started_at": _json_time(started)}))
                    steps.append(("finish", finished, {"status": "done",
                                                       "finished_at": _json_time(finished),
                                                       "service_seconds": service}))
                for op, when, delta in steps:
                    public.update(delta)
                    change_rows.append((uuid7_at(when, rnd), "ticket", tid, op,
                                        json.dumps(public, separators=(",", ":")), terminal,
                                        _iso(when)))
            if print_jobs:
                doc = (templates[letter].replace("@NUMBER@", number).replace("@ID@", tid)
                       .replace("@ISSUED@", issued.astimezone(tz).strftime("%d-%m-%Y %H:%M")))
                printed_at = issued + timedelta(seconds=rnd.uniform(0.5, 3))
                job_rows.append((uuid7_at(issued, rnd), _iso(issued), terminal, "ticket", tid, number,
                                 0, pack_text(doc, PRINT_ZDICT), "printed", 1, None, _iso(issued), None,
                                 _iso(issued + timedelta(minutes=settings.printer.retry_minutes)),
                                 _iso(printed_at)))
    conn = store.conn
    with store.write():
        conn.executemany(
            f"INSERT INTO tickets({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            ticket_rows)
        if change_rows:
            conn.executemany(
                "INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)", change_rows)
        if job_rows:
            conn.executemany(
                "INSERT INTO print_jobs(id, created_at, terminal_id, kind, ref_id, label, is_copy,"
                " document, status, attempts, last_error, next_attempt_at, lease_until, expires_at,"
                " printed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", job_rows)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return {"tickets": len(ticket_rows), "changes": len(change_rows), "print_jobs": len(job_rows),
            "work_days": len(work_days)}


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB.

    On Linux this is VmHWM from /proc/self/status: ``ru_maxrss`` survives ``execve`` and
    so would report the parent's peak for a freshly spawned child. Elsewhere ru_maxrss.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB on Linux, bytes on macOS
    return kb / 1024 if sys.platform != "darwin" else kb / (1024 * 1024)


def ru_maxrss_mb() -> float:
    """``getrusage(RUSAGE_SELF).ru_maxrss`` in MB, as the brief names it (see peak_rss_mb)."""
    import resource

    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / (1024 * 1024)


def machine_line() -> str:
    """CPU count and load average: benchmarks on a busy machine read high."""
    try:
        load = "load avg " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        load = "load avg n/a"
    return f"machine: {os.cpu_count()} CPUs, {load}, python {sys.version.split()[0]}"

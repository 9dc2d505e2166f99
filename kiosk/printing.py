"""The print spooler: jobs are rows; a dead, paper-out or hanging printer never blocks.

A job is queued in the same transaction as what it prints, for one printer (a configured
name, or a URL set for one process) and goes nowhere else: retries send it only there,
and an officer's reprint elsewhere is a marked copy. Printing claims the job with a lease
(so two processes never print it at once), renders it with python-escpos, sends it
within one time budget, and marks it

- ``printed``: the printer answered a status request sent after the job's last byte;
- ``sent``: delivered to a connection that cannot answer (file:, cups:, status checks
  off), never sent again by itself;
- ``failed``: reset, short write, time-out, or paper-out/cover-open after the job; the
  whole job is sent again at the next retry time, the reason kept for the officer;
- ``held``: never printed by itself (made where no printer is configured, a test page
  that failed, a printer no longer configured); an officer may reprint it as a copy.

The lease names its holder (boot id, pid, process start): a job whose process died
mid-print is taken again at once, not when the lease runs out.

A job keeps its document packed (``pack_document``: deflated with a dictionary of the
layouts, ~180 bytes for a 1.4 kB ticket; a job from before keeps its JSON text, read the
same). Every reader goes through ``read_document``: a document that does not read back (a
damaged disk) fails its job with the catalogue's ``printpack.damaged``, not retried by
itself, and the printer goes on with the other jobs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from kiosk import audit
from kiosk.accounts import ROLES, User, require
from kiosk.clock import iso
from kiosk.errors import ConfigError, NotFound, Refused, StoreError, excerpt
from kiosk.i18n import t
from kiosk.ids import new_id
from kiosk.store import Store, pack_text, packed_like, unpack_text
from printers.connection import PrinterFault, PrinterSpec, PrinterSpecError, parse_spec, probe, send
from printers.document import Document, Text
from printers.layouts import printer_test_document
from printers.render import render_escpos

if TYPE_CHECKING:  # type hints only: the settings' pydantic models load when validating
    from kiosk.config import Settings

LEASE_SECONDS = 60
BACKOFF_SECONDS = (5, 15, 30, 60, 120, 300)

JobStatus = Literal["queued", "printing", "printed", "sent", "failed", "held"]

PRINT_ZDICT = 2  # the dictionary new documents are packed with (kiosk.store.DICTIONARIES)
DAMAGED = "damaged"  # a job's reason (last_error "damaged: detail") when its document does not read back


class DamagedDocument(StoreError):
    """A job's stored document does not read back (a damaged disk, a hand edit)."""


def pack_document(document: Document) -> bytes:
    """A document as the spool keeps it: its JSON packed (``kiosk.store.pack_text``)."""
    return pack_text(document.model_dump_json(), PRINT_ZDICT)


def readable(stored: str | bytes) -> bool:
    """Whether a stored document reads back (``read_document`` does not refuse it)."""
    try:
        read_document(stored)
    except DamagedDocument:
        return False
    return True


def read_document(stored: str | bytes) -> Document:
    """A job's stored document, packed or (a job from before) JSON text. Raises
    ``DamagedDocument`` when it does not read back."""
    try:
        return Document.model_validate_json(unpack_text(stored))
    except ValueError as exc:  # pydantic's ValidationError is one too
        raise DamagedDocument("printpack.damaged", detail=" ".join(str(exc).split())[:200]) from exc


class PrintJob(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    id: str
    created_at: datetime
    kind: str
    ref_id: str | None
    label: str
    is_copy: bool
    status: JobStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    expires_at: datetime | None
    printed_at: datetime | None
    printer: str = "default"

    def document(self, store: Store) -> Document:
        raw = store.conn.execute("SELECT document FROM print_jobs WHERE id = ?", (self.id,)).fetchone()
        return read_document(raw[0])


class PrintResult(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    job_id: str
    printed: bool  # confirmed by the printer (never claimed for a connection that cannot answer)
    sent: bool = False  # delivered, not confirmed (file:, cups:, status checks off)
    reason: str | None = None  # a PrinterFault reason when neither
    printer: str = "default"

    @property
    def state(self) -> str:
        return "printed" if self.printed else "sent" if self.sent else "failed"

    def message(self, lang: str = "id") -> str:
        if self.printed:
            return t("printer.ok", lang)
        if self.sent:
            return t("printing.sent", lang)
        if self.reason == DAMAGED:
            return t("printpack.damaged", lang)
        return t(f"printer.fault.{self.reason or 'error'}", lang)


_COLUMNS = ("id, created_at, kind, ref_id, label, is_copy, status, attempts, last_error,"
            " next_attempt_at, expires_at, printed_at, printer")


def spec_of(printer: Any) -> PrinterSpec:
    """The connection spec of a printer's settings (``PrinterSettings``)."""
    try:
        return parse_spec(printer.url)
    except PrinterSpecError as exc:
        raise ConfigError("error.printer_spec", detail=str(exc)) from exc


def printer_spec(settings: Settings, face: Literal["kiosk", "counter"] = "kiosk") -> PrinterSpec:
    """The spec of the printer a document made here (this face, this process) goes to."""
    named = settings.printer_named(settings.destination(face))
    return spec_of(named) if named is not None else PrinterSpec("none")


def _held_reason(settings: Settings | None, printer: str) -> str | None:
    """Why a job for ``printer`` can never print by itself (None: it can)."""
    if settings is None:
        return "none" if printer == "none" else None
    named = settings.printer_named(printer)
    if named is None:
        return f"none: no printer named {printer!r}"
    try:
        return "none" if parse_spec(named.url).kind == "none" else None
    except PrinterSpecError:
        return None  # a bad URL is a printer problem: the job fails, shown, and is retried


def enqueue(store: Store, settings: Settings | None, *, kind: str, label: str, document: Document,
            ref_id: str | None = None, copy: bool = False, expires_at: datetime | None = None,
            face: Literal["kiosk", "counter"] = "kiosk", printer: str | None = None) -> str:
    """Queue a document for the printer of ``face`` here (or ``printer``); call inside
    ``store.write()`` with what it prints. Where no printer is configured the job is
    ``held``: kept (for a reprint) but never printed by surprise later."""
    now = iso(store.clock.now())
    job_id = new_id()
    if printer is None:
        printer = settings.destination(face) if settings is not None else "default"
    held = _held_reason(settings, printer)
    store.conn.execute(
        "INSERT INTO print_jobs(id, created_at, terminal_id, kind, ref_id, label, is_copy, document,"
        " status, last_error, next_attempt_at, expires_at, printer)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (job_id, now, store.terminal_id, kind, ref_id, label, int(copy),
         pack_document(document), "held" if held else "queued", held, now,
         iso(expires_at) if expires_at else None, printer),
    )
    return job_id


# -- the lease's holder: a process on this boot ----------------------------------------

@cache
def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (None: no such process, or one
    that has ended and waits for its parent to collect it)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rpartition(")")[2].split()
    except OSError:
        return None
    if len(fields) < 20 or fields[0] in ("Z", "X"):  # a zombie holds nothing any more
        return None
    return fields[19]


def _owner() -> str:
    pid = os.getpid()
    return f"{_boot_id()}/{pid}/{_started(pid) or ''}"


def _dead(owner: str) -> bool:
    """True when the lease's holder is certainly gone: this machine rebooted since, or no
    process with its pid and start time runs. Unknown (no /proc): not dead, the lease
    runs out instead."""
    boot, _, rest = owner.partition("/")
    pid, _, started = rest.partition("/")
    if not boot or not _boot_id() or not pid.isdigit() or not started:
        return False
    if boot != _boot_id():
        return True
    return _started(int(pid)) != started


def _claim(store: Store, job_id: str | None, skip: Iterable[str] = ()) -> PrintJob | None:
    """Take a job to print, with a lease; None if it is done, held, or someone alive holds it."""
    now = store.clock.now()
    stamp = iso(now)
    lease = iso(now + timedelta(seconds=LEASE_SECONDS))
    with store.write():
        holders = [owner for (owner,) in store.conn.execute(
            "SELECT DISTINCT lease_owner FROM print_jobs WHERE status = 'printing'"
            " AND lease_until >= ? AND lease_owner IS NOT NULL", (stamp,))]
        dead = json.dumps([owner for owner in holders if _dead(owner)])
        free = ("(status IN ('queued', 'failed') OR (status = 'printing' AND (lease_until < :now"
                " OR lease_owner IN (SELECT value FROM json_each(:dead)))))")
        params = {"now": stamp, "dead": dead, "skip": json.dumps(list(skip))}
        if job_id is None:
            found = store.conn.execute(
                f"SELECT id FROM print_jobs WHERE {free} AND next_attempt_at <= :now"
                " AND (expires_at IS NULL OR expires_at > :now)"
                " AND printer NOT IN (SELECT value FROM json_each(:skip))"
                " ORDER BY created_at, id LIMIT 1", params).fetchone()
            if not found:
                return None
            job_id = found[0]
        row = store.row(
            f"UPDATE print_jobs SET status = 'printing', lease_until = :lease, lease_owner = :owner,"
            f" attempts = attempts + 1 WHERE id = :id AND {free} RETURNING {_COLUMNS}",
            {**params, "lease": lease, "owner": _owner(), "id": job_id})
    return PrintJob.model_validate(row) if row else None


def _finish(store: Store, job: PrintJob, outcome: str, fault: PrinterFault | None,
            damaged: str | None = None) -> None:
    now = store.clock.now()
    error = (fault.reason + (f": {fault.detail}" if fault.detail else "")) if fault else None
    with store.write():
        if damaged is not None:
            # It would fail the same way every time: not retried by itself (expired now; an
            # officer's retry of it says the same again), pruned with the other old jobs.
            store.conn.execute(
                "UPDATE print_jobs SET status = 'failed', lease_until = NULL, lease_owner = NULL,"
                " last_error = ?, expires_at = ? WHERE id = ?", (f"{DAMAGED}: {damaged}", iso(now), job.id))
        elif outcome in ("printed", "sent"):
            store.conn.execute(
                "UPDATE print_jobs SET status = ?, printed_at = ?, lease_until = NULL,"
                " lease_owner = NULL, last_error = NULL WHERE id = ?", (outcome, iso(now), job.id))
        elif outcome == "held":
            store.conn.execute(
                "UPDATE print_jobs SET status = 'held', lease_until = NULL, lease_owner = NULL,"
                " last_error = ? WHERE id = ?", (error, job.id))
        else:
            wait = BACKOFF_SECONDS[min(job.attempts, len(BACKOFF_SECONDS)) - 1]
            store.conn.execute(
                "UPDATE print_jobs SET status = 'failed', lease_until = NULL, lease_owner = NULL,"
                " last_error = ?, next_attempt_at = ? WHERE id = ?",
                (error, iso(now + timedelta(seconds=wait)), job.id))


def _held_result(store: Store, job_id: str) -> PrintResult | None:
    row = store.row("SELECT status, last_error, printer FROM print_jobs WHERE id = ?", (job_id,))
    if row is None or row["status"] != "held":
        return None
    reason = (row["last_error"] or "none").partition(":")[0]
    return PrintResult(job_id=job_id, printed=False, reason=reason if reason in PrinterFault.REASONS else "none",
                       printer=row["printer"])


def print_job(store: Store, settings: Settings, job_id: str | None = None, *,
              skip: Iterable[str] = ()) -> PrintResult | None:
    """Print one job (or the oldest due one, on a printer not in ``skip``) on its own
    printer. None when there is nothing to do; a held job answers why it is held."""
    job = _claim(store, job_id, skip)
    if job is None:
        return _held_result(store, job_id) if job_id else None
    fault: PrinterFault | None = None
    damaged: str | None = None
    outcome = "failed"
    try:
        printer = settings.printer_named(job.printer)
        if printer is None:
            raise PrinterFault("none", f"no printer named {job.printer!r}")
        spec = spec_of(printer)
        if spec.kind == "none":
            raise PrinterFault("none")
        payload = render_escpos(job.document(store), paper_mm=printer.paper_mm,
                                profile=printer.profile, qr_native=printer.qr == "native")
        # printer.timeout bounds the whole exchange with the printer, not each step of it.
        confirmed = send(spec, payload, timeout=printer.timeout,
                         status_check=printer.status_check, profile=printer.profile)
        outcome = "printed" if confirmed else "sent"
    except DamagedDocument as exc:
        damaged = exc.params["detail"]
    except PrinterFault as exc:
        fault = exc
    except ConfigError as exc:
        fault = PrinterFault("error", exc.message("en"))
    except Exception as exc:  # noqa: BLE001 - a broken driver must leave the job for retry
        fault = PrinterFault("error", repr(exc))
    if fault is not None and (fault.reason == "none" or job.kind == "test"):
        outcome = "held"  # no printer: never by surprise later; a test page is never retried
    _finish(store, job, outcome, fault, damaged)
    return PrintResult(job_id=job.id, printed=outcome == "printed", sent=outcome == "sent",
                       reason=DAMAGED if damaged is not None else fault.reason if fault else None,
                       printer=job.printer)


def run_due(store: Store, settings: Settings, *, limit: int = 20) -> list[PrintResult]:
    """Print the jobs whose retry time has come, oldest first, each on its own printer; a
    printer that fails gets nothing more this round (the others go on)."""
    results: list[PrintResult] = []
    down: set[str] = set()
    for _ in range(limit):
        result = print_job(store, settings, skip=down)
        if result is None:
            break
        results.append(result)
        if not (result.printed or result.sent) and result.reason != DAMAGED:
            down.add(result.printer)  # that printer is down: leave its jobs for the next round
    return results


def retry(store: Store, settings: Settings, *, job_id: str | None = None,
          include_expired: bool = False) -> list[PrintResult]:
    """Retry failed jobs now (the officer's order). A ticket past its retry window is no
    use to anyone any more, so those print only when named by ``job_id`` or with
    ``include_expired``; invoices, receipts and slips always do. Each goes only to its
    own printer. Held jobs (no printer where made, a failed test page) are not retried:
    an officer reprints them as a copy."""
    now = iso(store.clock.now())
    with store.write():
        if job_id:
            found = store.conn.execute(
                "UPDATE print_jobs SET next_attempt_at = ?, expires_at = NULL WHERE id = ?"
                " AND status IN ('queued', 'failed')", (now, job_id)).rowcount
            if not found:
                held = store.conn.execute("SELECT 1 FROM print_jobs WHERE id = ? AND status = 'held'",
                                          (job_id,)).fetchone()
                if held:
                    raise Refused("printing.held_job")
                raise NotFound("error.unknown_job", job=excerpt(job_id))
        else:
            store.conn.execute(
                "UPDATE print_jobs SET next_attempt_at = :now"
                + (", expires_at = NULL" if include_expired else "")
                + " WHERE status IN ('queued', 'failed')", {"now": now})
    if job_id:
        result = print_job(store, settings, job_id)
        return [result] if result else []
    return run_due(store, settings, limit=1000)


def reprint(store: Store, ref_id: str, *, label: str | None = None, actor: User | None = None,
            settings: Settings | None = None, printer: str | None = None, fresh: Document | None = None,
            kind: str | None = None) -> str:
    """Queue a copy of the last document printed for ``ref_id``; the copy line is added.
    It goes to ``printer`` (the officer's choice, e.g. the counter's own) or, unnamed, to
    the original's printer. An officer's action: audited. When that document no longer
    reads back (a damaged disk), or its job is gone (pruned after ``print_jobs_days``),
    the copy is ``fresh`` (the paper made again from the records; with ``kind`` for a job
    that is gone), or refused without one."""
    row = store.row(
        "SELECT kind, label, document, printer, ref_id FROM print_jobs WHERE ref_id = ?"
        " ORDER BY created_at DESC, id DESC LIMIT 1", (ref_id,))
    if row is None:
        if fresh is None or kind is None:
            raise NotFound("error.unknown_job", job=excerpt(label or ref_id))
        default = settings.destination("counter") if settings is not None else "default"
        row = {"kind": kind, "label": label or ref_id, "document": None, "printer": printer or default,
               "ref_id": ref_id}
    return _copy(store, row, actor=actor, settings=settings, printer=printer, fresh=fresh)


def reprint_job(store: Store, job_id: str, *, actor: User | None = None,
                settings: Settings | None = None, printer: str | None = None) -> str:
    """Queue a marked copy of one job's document, on ``printer`` or the job's own
    (``pst-kiosk printer reprint JOB --printer NAME``). Audited."""
    row = store.row("SELECT kind, label, document, printer, ref_id FROM print_jobs WHERE id = ?", (job_id,))
    if row is None:
        raise NotFound("error.unknown_job", job=excerpt(job_id))
    return _copy(store, row, actor=actor, settings=settings, printer=printer)


def _copy(store: Store, row: dict[str, Any], *, actor: User | None, settings: Settings | None,
          printer: str | None, fresh: Document | None = None) -> str:
    if settings is not None and printer is not None and settings.printer_named(printer) is None:
        raise NotFound("printing.unknown_printer", name=excerpt(printer), known=", ".join(settings.printer_names()))
    ref_id = row["ref_id"]
    try:
        if row["document"] is None:  # the job is gone: the caller made the paper again
            raise DamagedDocument("printpack.damaged_copy", label=row["label"])
        doc = read_document(row["document"])
    except DamagedDocument as exc:
        if fresh is None:
            raise DamagedDocument("printpack.damaged_copy", label=row["label"]) from exc
        doc = fresh.model_copy(deep=True)
    if not any(getattr(el, "text", None) == _copy_mark() for el in doc.elements):
        doc.elements.insert(0, Text(text=_copy_mark(), align="center", bold=True))
    target = printer or row["printer"]
    with store.write():
        require(store, actor, *ROLES)
        job_id = enqueue(store, settings, kind=row["kind"], label=row["label"], document=doc,
                         ref_id=ref_id, copy=True, printer=target)
        audit.record(store, actor, "print.reprint", row["kind"], ref_id or "",
                     {"label": row["label"], "printer": target})
    return job_id


def _copy_mark() -> str:
    return f"{t('paper.copy', 'id')} / {t('paper.copy', 'en')}"


def queue_test_page(store: Store, settings: Settings, printer: str | None = None) -> str:
    """A test page for ``printer`` (this process's own when unnamed); never retried."""
    name = printer or settings.destination("kiosk")
    named = settings.printer_named(name)
    if named is None:
        raise NotFound("printing.unknown_printer", name=excerpt(name), known=", ".join(settings.printer_names()))
    now = store.clock.now().astimezone(settings.office.tz)
    labels = {"title": t("paper.test_title", "id")}
    doc = printer_test_document(settings.office.name, named.url, named.paper_mm,
                                now.strftime("%d-%m-%Y %H:%M:%S"), labels)
    with store.write():
        return enqueue(store, settings, kind="test", label="test", document=doc, printer=name)


def jobs(store: Store, *, status: str | None = None, limit: int = 50) -> list[PrintJob]:
    sql = f"SELECT {_COLUMNS} FROM print_jobs"
    params: tuple[Any, ...] = ()
    if status:
        sql += " WHERE status = ?"
        params = (status,)
    sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
    return [PrintJob.model_validate(r) for r in store.rows(sql, (*params, limit))]


def _still_wanted(store: Store, *statuses: str) -> int:
    """Jobs in these statuses still worth printing (a ticket past its retry window is not)."""
    marks = ", ".join("?" for _ in statuses)
    return store.conn.execute(
        f"SELECT COUNT(*) FROM print_jobs WHERE status IN ({marks}) AND (expires_at IS NULL OR expires_at > ?)",
        (*statuses, iso(store.clock.now()))).fetchone()[0]


def pending_problems(store: Store) -> int:
    """Failed print jobs still worth printing (the counter shows their count as a warning)."""
    return _still_wanted(store, "failed")


def waiting_by_printer(store: Store) -> dict[str, int]:
    """Jobs still worth printing (queued or failed), by the printer they are for."""
    return dict(store.conn.execute(
        "SELECT printer, COUNT(*) FROM print_jobs WHERE status IN ('queued', 'failed', 'printing')"
        " AND (expires_at IS NULL OR expires_at > ?) GROUP BY printer",
        (iso(store.clock.now()),)).fetchall())


def printer_url(settings: Settings, name: str) -> str:
    """Where the printer called ``name`` is ("none" when it is not configured)."""
    named = settings.printer_named(name)
    return named.url if named is not None else "none"


def printer_state(settings: Settings, name: str) -> str:
    """The state of one printer now (asked in its own time budget; sends no paper): ready,
    paper_low, paper_out, cover_open, offline, unconfirmed, unreachable, no_answer, none."""
    named = settings.printer_named(name)
    if named is None:
        return "none"
    try:
        spec = spec_of(named)
    except ConfigError:
        return "unreachable"
    return probe(spec, timeout=named.timeout, profile=named.profile, status_check=named.status_check)


def busy_printers(store: Store) -> set[str]:
    """Printers a job is being sent to right now (a live lease): asking one of those for
    its state would queue behind the job, or the job behind the question, on a printer
    that takes one connection at a time."""
    return {name for (name,) in store.conn.execute(
        "SELECT DISTINCT printer FROM print_jobs WHERE status = 'printing' AND lease_until >= ?",
        (iso(store.clock.now()),))}


def printer_states(settings: Settings, names: Iterable[str] | None = None) -> dict[str, str]:
    """Every printer's state (or those named), asked side by side: within one printer's
    time-out in all, not the sum of them."""
    from concurrent.futures import ThreadPoolExecutor

    chosen = list(names) if names is not None else settings.printer_names()
    if not chosen:
        return {}
    with ThreadPoolExecutor(max_workers=min(8, len(chosen))) as pool:
        return dict(zip(chosen, pool.map(lambda n: printer_state(settings, n), chosen), strict=True))


def last_problem(store: Store) -> tuple[str, str | None] | None:
    """The printer and stored error of the latest failed job still worth printing."""
    row = store.conn.execute(
        "SELECT printer, last_error FROM print_jobs WHERE status = 'failed'"
        " AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC, id DESC LIMIT 1",
        (iso(store.clock.now()),)).fetchone()
    return (row[0], row[1]) if row else None


def waiting(store: Store) -> int:
    """Jobs not printed yet that are still worth printing (queued or failed)."""
    return _still_wanted(store, "queued", "failed")


def fault_text(last_error: str | None, lang: str) -> str:
    """A job's stored error ("reason: detail") in the reader's language, detail kept on one
    line (python-escpos puts newlines in its messages)."""
    if not last_error:
        return ""
    reason, _, detail = last_error.partition(": ")
    if reason == DAMAGED:  # the detail (zlib's or pydantic's English) stays in the job's row
        return t("printpack.damaged", lang)
    known = reason in PrinterFault.REASONS
    text = t(f"printer.fault.{reason if known else 'error'}", lang)
    detail = " ".join(detail.split())
    return f"{text} ({detail})" if detail else text


def unreadable_documents(store: Store) -> list[str]:
    """The ids of the jobs whose document does not read back (a damaged disk), oldest first:
    they never print (``pst-kiosk doctor``)."""
    return [job_id for job_id, stored in store.conn.execute("SELECT id, document FROM print_jobs ORDER BY created_at, id")
            if not readable(stored)]


def _replaced(value: Any, old: dict[str, str]) -> Any:
    """``value`` (parsed JSON) with every occurrence of ``old``'s strings replaced."""
    if isinstance(value, str):
        for text, new in old.items():
            value = value.replace(text, new)
        return value
    if isinstance(value, list):
        return [_replaced(v, old) for v in value]
    if isinstance(value, dict):
        return {k: _replaced(v, old) for k, v in value.items()}
    return value


def redact_documents(store: Store, ref_id: str, old: dict[str, str]) -> None:
    """Replace text (a person's name, say) in every document printed for ``ref_id``, so a
    reprint shows the replacement; call inside ``store.write()``. Each stays packed (or
    JSON text, a job from before) as it was."""
    for job_id, stored in store.conn.execute(
            "SELECT id, document FROM print_jobs WHERE ref_id = ?", (ref_id,)).fetchall():
        if not stored:
            continue
        try:
            value = json.loads(unpack_text(stored))
        except ValueError:
            # Damaged: it cannot be redacted, nor printed; emptied, so what it held of the
            # person goes (it reads as damaged still).
            store.conn.execute("UPDATE print_jobs SET document = ? WHERE id = ?", (b"", job_id))
            continue
        text = json.dumps(_replaced(value, old), ensure_ascii=False, separators=(",", ":"))
        store.conn.execute("UPDATE print_jobs SET document = ? WHERE id = ?", (packed_like(text, stored), job_id))

"""The print spooler: jobs are rows; a dead, paper-out or hanging printer never blocks.

A job is queued in the same transaction as what it prints. Printing claims the job with
a lease (so two processes never print it at once), renders it with python-escpos, sends
it with short timeouts, and marks it printed or failed with the next retry time. A job
whose process died mid-print is taken again when its lease runs out.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from kiosk import audit
from kiosk.accounts import ROLES, User, require
from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.errors import ConfigError, NotFound
from kiosk.i18n import t
from kiosk.ids import new_id
from kiosk.store import Store
from printers.connection import PrinterFault, PrinterSpec, PrinterSpecError, parse_spec, send
from printers.document import Document, Text
from printers.layouts import printer_test_document
from printers.render import render_escpos

LEASE_SECONDS = 60
BACKOFF_SECONDS = (5, 15, 30, 60, 120, 300)

JobStatus = Literal["queued", "printing", "printed", "failed"]


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

    def document(self, store: Store) -> Document:
        raw = store.conn.execute("SELECT document FROM print_jobs WHERE id = ?", (self.id,)).fetchone()
        return Document.model_validate_json(raw[0])


class PrintResult(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    job_id: str
    printed: bool
    reason: str | None = None  # a PrinterFault reason when not printed

    def message(self, lang: str = "id") -> str:
        if self.printed:
            return t("printer.ok", lang)
        return t(f"printer.fault.{self.reason or 'error'}", lang)


_COLUMNS = ("id, created_at, kind, ref_id, label, is_copy, status, attempts, last_error,"
            " next_attempt_at, expires_at, printed_at")


def printer_spec(settings: Settings) -> PrinterSpec:
    try:
        return parse_spec(settings.printer.url)
    except PrinterSpecError as exc:
        raise ConfigError("error.printer_spec", detail=str(exc)) from exc


def enqueue(store: Store, *, kind: str, label: str, document: Document, ref_id: str | None = None,
            copy: bool = False, expires_at: datetime | None = None) -> str:
    """Queue a document for printing; call inside ``store.write()`` with what it prints."""
    now = iso(store.clock.now())
    job_id = new_id()
    store.conn.execute(
        "INSERT INTO print_jobs(id, created_at, terminal_id, kind, ref_id, label, is_copy, document,"
        " status, next_attempt_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
        (job_id, now, store.terminal_id, kind, ref_id, label, int(copy),
         document.model_dump_json(), now, iso(expires_at) if expires_at else None),
    )
    return job_id


def _claim(store: Store, job_id: str | None) -> PrintJob | None:
    """Take a job to print, with a lease; None if it is printed or someone else holds it."""
    now = store.clock.now()
    stamp = iso(now)
    lease = iso(now + timedelta(seconds=LEASE_SECONDS))
    free = ("(status IN ('queued', 'failed') OR (status = 'printing' AND lease_until < :now))")
    with store.write():
        if job_id is None:
            found = store.conn.execute(
                f"SELECT id FROM print_jobs WHERE {free} AND next_attempt_at <= :now"
                " AND (expires_at IS NULL OR expires_at > :now) ORDER BY created_at, id LIMIT 1",
                {"now": stamp}).fetchone()
            if not found:
                return None
            job_id = found[0]
        row = store.row(
            f"UPDATE print_jobs SET status = 'printing', lease_until = :lease,"
            f" attempts = attempts + 1 WHERE id = :id AND {free} RETURNING {_COLUMNS}",
            {"lease": lease, "id": job_id, "now": stamp})
    return PrintJob.model_validate(row) if row else None


def _finish(store: Store, job: PrintJob, fault: PrinterFault | None) -> None:
    now = store.clock.now()
    with store.write():
        if fault is None:
            store.conn.execute(
                "UPDATE print_jobs SET status = 'printed', printed_at = ?, lease_until = NULL,"
                " last_error = NULL WHERE id = ?", (iso(now), job.id))
        else:
            wait = BACKOFF_SECONDS[min(job.attempts, len(BACKOFF_SECONDS)) - 1]
            store.conn.execute(
                "UPDATE print_jobs SET status = 'failed', lease_until = NULL, last_error = ?,"
                " next_attempt_at = ? WHERE id = ?",
                (fault.reason + (f": {fault.detail}" if fault.detail else ""),
                 iso(now + timedelta(seconds=wait)), job.id))


def print_job(store: Store, settings: Settings, job_id: str | None = None) -> PrintResult | None:
    """Print one job (or the oldest due one). None when there is nothing to do."""
    job = _claim(store, job_id)
    if job is None:
        return None
    fault: PrinterFault | None = None
    try:
        spec = printer_spec(settings)
        if spec.kind == "none":
            raise PrinterFault("none")
        payload = render_escpos(job.document(store), paper_mm=settings.printer.paper_mm,
                                profile=settings.printer.profile,
                                qr_native=settings.printer.qr == "native")
        send(spec, payload, timeout=settings.printer.timeout,
             status_check=settings.printer.status_check, profile=settings.printer.profile)
    except PrinterFault as exc:
        fault = exc
    except ConfigError as exc:
        fault = PrinterFault("error", exc.message("en"))
    except Exception as exc:  # noqa: BLE001 - a broken driver must leave the job for retry
        fault = PrinterFault("error", repr(exc))
    _finish(store, job, fault)
    return PrintResult(job_id=job.id, printed=fault is None, reason=fault.reason if fault else None)


def run_due(store: Store, settings: Settings, *, limit: int = 20) -> list[PrintResult]:
    """Print the jobs whose retry time has come, oldest first; stop at the first failure."""
    results: list[PrintResult] = []
    for _ in range(limit):
        result = print_job(store, settings)
        if result is None:
            break
        results.append(result)
        if not result.printed:
            break  # the printer is down: leave the rest for the next round
    return results


def retry(store: Store, settings: Settings, *, job_id: str | None = None,
          include_expired: bool = False) -> list[PrintResult]:
    """Retry failed jobs now (the officer's order). A ticket past its retry window is no
    use to anyone any more, so those print only when named by ``job_id`` or with
    ``include_expired``; invoices, receipts, slips and tests always do."""
    now = iso(store.clock.now())
    with store.write():
        if job_id:
            found = store.conn.execute(
                "UPDATE print_jobs SET next_attempt_at = ?, expires_at = NULL WHERE id = ?"
                " AND status IN ('queued', 'failed')", (now, job_id)).rowcount
            if not found:
                raise NotFound("error.unknown_job", job=job_id)
        else:
            store.conn.execute(
                "UPDATE print_jobs SET next_attempt_at = :now"
                + (", expires_at = NULL" if include_expired else "")
                + " WHERE status IN ('queued', 'failed')", {"now": now})
    if job_id:
        result = print_job(store, settings, job_id)
        return [result] if result else []
    return run_due(store, settings, limit=1000)


def reprint(store: Store, ref_id: str, *, label: str | None = None, actor: User | None = None) -> str:
    """Queue a copy of the last document printed for ``ref_id``; the copy line is added.
    An officer's action: audited."""
    row = store.row(
        "SELECT kind, label, document FROM print_jobs WHERE ref_id = ? ORDER BY created_at DESC, id DESC"
        " LIMIT 1", (ref_id,))
    if row is None:
        raise NotFound("error.unknown_job", job=label or ref_id)
    doc = Document.model_validate_json(row["document"])
    if not any(getattr(el, "text", None) == _copy_mark() for el in doc.elements):
        doc.elements.insert(0, Text(text=_copy_mark(), align="center", bold=True))
    with store.write():
        require(store, actor, *ROLES)
        job_id = enqueue(store, kind=row["kind"], label=row["label"], document=doc,
                         ref_id=ref_id, copy=True)
        audit.record(store, actor, "print.reprint", row["kind"], ref_id, {"label": row["label"]})
    return job_id


def _copy_mark() -> str:
    return f"{t('paper.copy', 'id')} / {t('paper.copy', 'en')}"


def queue_test_page(store: Store, settings: Settings) -> str:
    now = store.clock.now().astimezone(settings.office.tz)
    labels = {"title": t("paper.test_title", "id")}
    doc = printer_test_document(settings.office.name, settings.printer.url,
                                settings.printer.paper_mm, now.strftime("%d-%m-%Y %H:%M:%S"),
                                labels)
    with store.write():
        return enqueue(store, kind="test", label="test", document=doc)


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


def waiting(store: Store) -> int:
    """Jobs not printed yet that are still worth printing (queued or failed)."""
    return _still_wanted(store, "queued", "failed")


def fault_text(last_error: str | None, lang: str) -> str:
    """A job's stored error ("reason: detail") in the reader's language, detail kept on one
    line (python-escpos puts newlines in its messages)."""
    if not last_error:
        return ""
    reason, _, detail = last_error.partition(": ")
    known = reason in ("unreachable", "offline", "paper_out", "no_answer", "timeout", "error", "none")
    text = t(f"printer.fault.{reason if known else 'error'}", lang)
    detail = " ".join(detail.split())
    return f"{text} ({detail})" if detail else text


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
    reprint shows the replacement; call inside ``store.write()``."""
    for job_id, document in store.conn.execute(
            "SELECT id, document FROM print_jobs WHERE ref_id = ?", (ref_id,)).fetchall():
        if document:
            store.conn.execute("UPDATE print_jobs SET document = ? WHERE id = ?",
                               (json.dumps(_replaced(json.loads(document), old)), job_id))

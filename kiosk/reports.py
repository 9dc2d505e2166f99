"""Reports for a day, a month or any range of local days: visits by service, segment,
purpose, education and gender; waiting and service times (median, 90th percentile); the
share called within the service standard as the seeds word it (from the later of the
ticket's issue and the previous visitor's finish to the call; ``Queue._standard_start``),
beside the share by the plain issue-to-call wait (visitors still uncalled past it count
as misses); no-shows; lockers still open; sales by product
and payment method; receipts; the satisfaction index; the service records (visits by
subject and outcome, the data sought and not available); the complaints register
(received, answered in time, open).

Waiting time is from entering the queue to the first call; service time from start to
finish. Percentiles interpolate linearly between ranks (as numpy's default).

Tickets per service: a transfer closes the ticket in one service and opens one with the
same number in another, so ``issued`` counts a ticket once, in the service first asked
for (as the visits do); ``transferred_out``/``transferred_in`` count the moves; and for
every service ``issued + transferred_in - transferred_out = served + no_show +
waiting_left + in_service`` (called or being served). The totals have no transfers: they
add up without them.

Reading them is for officers and the admin (``READERS``; not the treasurer's desk): every
reader takes the actor and checks it (open desk: anyone, until accounts exist)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from kiosk import archive, identity, survey
from kiosk import standard as live_standard
from kiosk.accounts import User, require
from kiosk.clock import iso
from kiosk.config import Settings
from kiosk.desk import complaints, records
from kiosk.errors import NotFound
from kiosk.i18n import catalogue as strings
from kiosk.i18n import t
from kiosk.store import Store


def _percentiles(conn, column: str, index: str, start: str, end: str,
                 ps: tuple[float, ...] = (0.5, 0.9)) -> dict[Any, Any]:  # noqa: ANN001 - sqlite3.Connection
    """Percentiles (minutes) of a duration column: the index is in duration order, so each
    rank is found by walking it, with no sort."""
    source = (f"FROM tickets INDEXED BY {index} WHERE {column} IS NOT NULL AND day BETWEEN ? AND ?")
    n = conn.execute(f"SELECT COUNT(*) {source}", (start, end)).fetchone()[0]
    out: dict[Any, Any] = {"n": n, **{p: None for p in ps}}
    for p in ps if n else ():
        k = (n - 1) * p
        pair = [r[0] for r in conn.execute(
            f"SELECT {column} / 60.0 {source} ORDER BY {column} LIMIT 2 OFFSET ?", (start, end, int(k)))]
        hi = pair[1] if len(pair) > 1 else pair[0]
        out[p] = round(pair[0] + (hi - pair[0]) * (k - int(k)), 2)
    return out


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    xs = sorted(values)
    k = (len(xs) - 1) * p
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return round(xs[lo] + (xs[hi] - xs[lo]) * (k - lo), 2)


READERS = ("petugas", "admin")
TICKET_FIGURES = ("issued", "served", "no_show", "waiting_left", "in_service")
SERVICE_FIGURES = ("issued", "transferred_in", "transferred_out", "served", "no_show", "waiting_left", "in_service")
TICKET_STATUS = {"done": "served", "no_show": "no_show", "waiting": "waiting_left", "called": "in_service",
                 "serving": "in_service", "transferred": "transferred_out"}
VISIT_GROUPS = ("service", "segment", "purpose", "education", "gender")


def _visit_counts(store: Store, start: str, end: str) -> tuple[int, dict[str, dict[str, int]]]:
    """Visits in the period, counted by each grouping, from one index-only scan."""
    groups: dict[str, dict[str, int]] = {g: {} for g in VISIT_GROUPS}
    total = 0
    for *keys, count in store.conn.execute(
            f"SELECT {', '.join(VISIT_GROUPS)}, COUNT(*) FROM visits WHERE day BETWEEN ? AND ?"
            f" GROUP BY {', '.join(VISIT_GROUPS)}", (start, end)):
        total += count
        for group, key in zip(VISIT_GROUPS, keys):
            name = key or "-"
            groups[group][name] = groups[group].get(name, 0) + count
    ordered = {g: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))) for g, c in groups.items()}
    return total, ordered


def report(store: Store, settings: Settings, actor: User | None, start: date, end: date) -> dict[str, Any]:
    """Every figure of the period (the dashboard's today, the CLI's day, month or range);
    days past ``[retention] detail_days`` are read from the archive, to the same figures."""
    require(store, actor, *READERS)
    with archive.view(store, start, end) as view:
        # Archived days that no longer read back (a damaged disk) are left out, and named.
        return {**_report(view, settings, start, end), "archive_unreadable": archive.unreadable(view)}


def _report(store: Store, settings: Settings, start: date, end: date) -> dict[str, Any]:
    tz = settings.office.tz
    s, e = start.isoformat(), end.isoformat()
    lo = iso(datetime.combine(start, time.min, tz))
    hi = iso(datetime.combine(end + timedelta(days=1), time.min, tz))
    standard = settings.queue.service_standard_minutes
    conn = store.conn

    tickets = {**dict.fromkeys(TICKET_FIGURES, 0), "by_service": {}}
    for service, status, first, count in conn.execute(
            "SELECT service, status, transferred_from IS NULL, COUNT(*) FROM tickets"
            " WHERE day BETWEEN ? AND ? GROUP BY 1, 2, 3 ORDER BY 1", (s, e)):
        per = tickets["by_service"].setdefault(service, dict.fromkeys(SERVICE_FIGURES, 0))
        # A transfer reuses the number: the row it opens is not a new ticket.
        for figure in ("issued" if first else "transferred_in", TICKET_STATUS.get(status)):
            if figure:
                per[figure] += count
                if figure in tickets:
                    tickets[figure] += count

    waits = _percentiles(conn, "wait_seconds", "tickets_wait", s, e)
    standard_waits = _percentiles(conn, "standard_wait_seconds", "tickets_standard_wait", s, e)
    services = _percentiles(conn, "service_seconds", "tickets_service", s, e)
    # Within the standard as the seeds word it (from the previous visitor's finish); a ticket
    # called before that was measured (an older store) counts by its plain wait.
    within, within_plain = conn.execute(
        "SELECT COALESCE(SUM(COALESCE(standard_wait_seconds, wait_seconds) <= :limit), 0),"
        " COALESCE(SUM(wait_seconds <= :limit), 0) FROM tickets INDEXED BY tickets_waits"
        " WHERE day BETWEEN :s AND :e AND wait_seconds IS NOT NULL",
        {"s": s, "e": e, "limit": standard * 60 + 1e-6}).fetchone()
    # A visitor still uncalled past the standard missed it too, though no wait was ever
    # recorded for them: on a day over, one left uncalled past it at the close; today, one
    # whose wait under the standard as worded (kiosk.standard, the counter's "!") is past it.
    now = store.clock.now()
    today = now.astimezone(tz).date()
    cutoff = min(now, datetime.combine(end + timedelta(days=1), time.min, tz))
    uncalled_late = conn.execute(
        "SELECT COUNT(*) FROM tickets WHERE status = 'waiting' AND called_at IS NULL AND day BETWEEN ? AND ?"
        " AND day != ? AND queued_at <= ?",
        (s, e, today.isoformat(), iso(cutoff - timedelta(minutes=standard)))).fetchone()[0]
    if start <= today <= end:
        desk = live_standard.desk(store, today)
        uncalled_late += sum(desk.wait(datetime.fromisoformat(queued), now) >= standard * 60 for (queued,) in conn.execute(
            "SELECT queued_at FROM tickets WHERE status = 'waiting' AND called_at IS NULL AND day = ?",
            (today.isoformat(),)))
    measured = waits["n"] + uncalled_late
    sales_by_product = {k: v for k, v in conn.execute(
        "SELECT l.product, SUM(l.amount) FROM receipts r JOIN order_lines l ON l.order_id = r.order_id"
        " AND l.removed_at IS NULL WHERE r.issued_at >= ? AND r.issued_at < ? GROUP BY 1 ORDER BY 1", (lo, hi))}
    sales_by_method = {k: v for k, v in conn.execute(
        "SELECT p.method, SUM(r.amount) FROM receipts r JOIN payments p ON p.id = r.payment_id"
        " WHERE r.issued_at >= ? AND r.issued_at < ? GROUP BY 1 ORDER BY 1", (lo, hi))}
    receipts = conn.execute("SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM receipts"
                            " WHERE issued_at >= ? AND issued_at < ?", (lo, hi)).fetchone()
    zero = conn.execute("SELECT COUNT(*) FROM orders WHERE zero_basis IS NOT NULL AND status = 'delivered'"
                        " AND delivered_at >= ? AND delivered_at < ?", (lo, hi)).fetchone()[0]
    # Cards held at the end of the period (so a past report reads the same tomorrow).
    lockers_open = conn.execute("SELECT COUNT(*) FROM lockers WHERE assigned_at < ?"
                                " AND (returned_at IS NULL OR returned_at >= ?)", (hi, hi)).fetchone()[0]
    ikm = survey.index(store, s, e)
    ikm_by_service = {svc: survey.index(store, s, e, svc).model_dump() for (svc,) in conn.execute(
        "SELECT DISTINCT service FROM ratings WHERE day BETWEEN ? AND ? ORDER BY 1", (s, e))}
    visit_total, by = _visit_counts(store, s, e)
    return {
        "office": settings.office.code,
        "period": {"from": s, "to": e},
        "visits": {"total": visit_total, **{f"by_{g}": by[g] for g in VISIT_GROUPS}},
        "tickets": tickets,
        "waiting_minutes": {"median": waits[0.5], "p90": waits[0.9], "called": waits["n"]},
        "service_minutes": {"median": services[0.5], "p90": services[0.9], "finished": services["n"]},
        "standard_wait_minutes": {"median": standard_waits[0.5], "p90": standard_waits[0.9],
                                  "called": standard_waits["n"]},
        "within_standard": {"minutes": standard, "count": within, "uncalled_late": uncalled_late,
                            "share": round(within / measured, 4) if measured else None,
                            "plain_count": within_plain,
                            "plain_share": round(within_plain / measured, 4) if measured else None},
        "records": records.figures(store, s, e),
        "complaints": complaints.figures(store, settings, start, end, lo, hi),
        "lockers_open": lockers_open,
        "sales": {"by_product": sales_by_product, "by_method": sales_by_method,
                  "receipts": receipts[0], "receipts_total": receipts[1], "zero_tariff_delivered": zero},
        "ikm": ikm.model_dump(),
        "ikm_by_service": ikm_by_service,
    }


def decimal(value: float | None, lang: str, places: int | None = None) -> str:
    """A figure as the reader writes it: ``1,12`` and ``1.234,5`` in Indonesian, ``1.12``
    in English; ``-`` for none. JSON and CSV keep the raw numbers."""
    if value is None:
        return "-"
    text = f"{value:,.{places}f}" if places is not None else f"{value:,}"
    return text.translate(str.maketrans(",.", ".,")) if lang == "id" else text


def percent(share: float | None, lang: str, places: int = 1) -> str:
    """A share (0..1) as a percentage: ``66,7%``."""
    return "-" if share is None else f"{decimal(share * 100, lang, places)}%"


def catalogue_namer(catalogue: Any, lang: str, other: Callable[[str, str], str]) -> Callable[[str, str], str]:  # noqa: ANN401
    """``name(group, code)`` for a service or a product of ``catalogue`` (each product's
    newest name wins; an unknown code is shown as it is), ``other`` for every other group.
    The office's reports and the centre's share it, each with its own catalogue."""
    from kiosk.services import by_code

    products: dict[str, str] = {}
    for regulation in sorted(catalogue.regulation, key=lambda r: r.effective_from):
        products.update({p.code: p.name(lang) for p in regulation.product})

    def name(group: str, code: str) -> str:
        if group == "service":
            try:
                return by_code(code).name(lang)
            except NotFound:
                return code
        if group == "product":
            return products.get(code, code)
        return other(group, code)

    return name


def namer(store: Store, lang: str) -> Callable[[str, str], str]:
    """``name(group, code)``: what the reader calls a code the report groups by (a
    service, segment, purpose, education, gender, product or payment method); an unknown
    code (removed since) is shown as it is."""
    from kiosk.catalogue import active

    def other(group: str, code: str) -> str:
        if group == "method":
            return t(f"paper.method.{code}", lang) if f"paper.method.{code}" in strings() else code
        return identity.choice_name(group, code, lang)

    return catalogue_namer(active(store), lang, other)


def month_bounds(month: str) -> tuple[date, date]:
    first = date.fromisoformat(f"{month}-01")
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def to_csv(data: dict[str, Any]) -> str:
    """One row per figure: section, key, value (flattening nested groups with dots)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "value"])

    def walk(section: str, prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(section, f"{prefix}.{key}" if prefix else str(key), value)
        elif isinstance(node, list):  # e.g. the unmet data needs: one row per field of each
            for n, value in enumerate(node):
                walk(section, f"{prefix}.{n}" if prefix else str(n), value)
        else:
            writer.writerow([section, prefix, "" if node is None else node])

    for section, node in data.items():
        walk(section, "", node)
    return out.getvalue()


def arrivals_by_hour(store: Store, settings: Settings, actor: User | None, day: date) -> dict[int, int]:
    """Tickets taken per local hour of a day (7..17 always present)."""
    require(store, actor, *READERS)
    tz = settings.office.tz
    counts = {h: 0 for h in range(7, 18)}
    with archive.view(store, day, day, ("tickets",)) as view:
        issued_at = view.conn.execute(
            "SELECT issued_at FROM tickets WHERE day = ? AND transferred_from IS NULL", (day.isoformat(),)).fetchall()
    for (issued,) in issued_at:
        hour = datetime.fromisoformat(issued).astimezone(tz).hour
        counts[hour] = counts.get(hour, 0) + 1
    return dict(sorted(counts.items()))


def wait_by_hour(store: Store, settings: Settings, actor: User | None, day: date) -> dict[int, float]:
    """Median wait in minutes of the tickets called in each local hour."""
    require(store, actor, *READERS)
    tz = settings.office.tz
    waits: dict[int, list[float]] = {}
    with archive.view(store, day, day, ("tickets",)) as view:
        calls = view.conn.execute(
            "SELECT called_at, (julianday(called_at) - julianday(queued_at)) * 1440.0 FROM tickets"
            " WHERE day = ? AND called_at IS NOT NULL", (day.isoformat(),)).fetchall()
    for called, minutes in calls:
        waits.setdefault(datetime.fromisoformat(called).astimezone(tz).hour, []).append(minutes)
    return {h: percentile(v, 0.5) or 0.0 for h, v in sorted(waits.items())}


def visits_per_day(store: Store, actor: User | None, start: date, end: date) -> dict[str, int]:
    """Tickets taken per day (the month's trend)."""
    require(store, actor, *READERS)
    counts = {}
    day = start
    while day <= end:
        counts[day.isoformat()] = 0
        day += timedelta(days=1)
    with archive.view(store, start, end, ("tickets",)) as view:
        counts.update(view.conn.execute(
            "SELECT day, COUNT(*) FROM tickets WHERE day BETWEEN ? AND ? AND transferred_from IS NULL"
            " GROUP BY day", (start.isoformat(), end.isoformat())).fetchall())
    return counts

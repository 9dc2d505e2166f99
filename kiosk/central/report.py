"""The central report: every office of a province (or of the nation) side by side, and the
total, for a day, a month or a range of local days.

It reads only the reading views (``pst.r_*``, migration 0005), so a reader's role runs it
as well as the owner's, and row-level security decides which offices it holds. The
figures follow the office's own report (``kiosk.reports``), so office and centre agree:
tickets counted once in the service first asked for, waits from the queue to the first
call (or the wait under the standard when the office sends it), percentiles interpolated
linearly, visitors still uncalled past the standard counted as misses, the satisfaction
index by ``kiosk.survey``'s formula, sales from the receipts issued in the period.
Days are each office's local days; receipts and complaints by its local time.

All queries run in one read-only repeatable-read transaction: the figures are of one moment.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from kiosk import survey
from kiosk.i18n import t
from kiosk.reports import TICKET_FIGURES

SILENT_AFTER = timedelta(days=1)
CONSULTATION = "konsultasi"
OUTCOMES = ("answered", "found", "referred_sale", "referred_online", "not_available")

# The offices in scope with their local period bounds; each query starts from it (a CTE,
# not a temporary table: a read replica, where readers may be sent, cannot create one).
# In office order ("C": the language's collation costs more than the figures), so that rows
# read office by office from the (office_code, day) indexes reach the aggregates in
# order, with no sort of their own.
_SCOPE = """
WITH scope AS (
SELECT office_code, name, tz, standard_minutes,
       (%(from)s::date)::timestamp AT TIME ZONE tz AS lo,
       (%(to)s::date + 1)::timestamp AT TIME ZONE tz AS hi
  FROM pst.r_offices
 WHERE office_code LIKE %(prefix)s || '%%' AND (%(office)s::text IS NULL OR office_code = %(office)s::text)
 ORDER BY office_code COLLATE "C")
"""

# The period's tickets are read once, from the index alone, for the waits' percentiles per
# office and over all (one sort each, both percentiles from one array aggregate).
_WAITS = """
SELECT o.office_code COLLATE "C", GROUPING(o.office_code COLLATE "C") = 1,
       percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY t.wait_seconds),
       count(t.wait_seconds),
       count(*) FILTER (WHERE t.wait_seconds <= o.standard_minutes * 60 + 1e-6)
  FROM scope o JOIN pst.r_tickets t ON t.office_code = o.office_code
 WHERE t.day BETWEEN %(from)s::text AND %(to)s::text
 GROUP BY ROLLUP (o.office_code COLLATE "C")
"""

# The counts per office, service and day, as the push keeps them (migration 0007): the
# totals, the services and the trend come from them.
_COUNTS = """
SELECT d.office_code, d.service, d.day, d.issued, d.served, d.no_show, d.waiting, d.in_service, d.within, d.called
  FROM scope o JOIN pst.r_daily d ON d.office_code = o.office_code
 WHERE d.day BETWEEN %(from)s::text AND %(to)s::text
   AND (d.issued, d.served, d.no_show, d.waiting, d.in_service, d.called) <> (0, 0, 0, 0, 0, 0)
"""

# Visitors still uncalled past the standard at the end of the period (or now) missed it too.
_UNCALLED = """
SELECT t.office_code, count(*)
  FROM pst.r_tickets t JOIN scope o USING (office_code)
 WHERE t.day BETWEEN %(from)s::text AND %(to)s::text AND t.status = 'waiting' AND NOT t.called
   AND t.queued_at <= least(%(now)s, o.hi) - o.standard_minutes * interval '1 minute'
 GROUP BY 1
"""

_VISITS = """
SELECT d.office_code, d.service, d.visits
  FROM scope o JOIN pst.r_daily d ON d.office_code = o.office_code
 WHERE d.day BETWEEN %(from)s::text AND %(to)s::text AND d.visits <> 0
"""

_RATINGS = """
SELECT r.office_code, count(*), avg(u1), avg(u2), avg(u3), avg(u4), avg(u5), avg(u6), avg(u7), avg(u8), avg(u9)
  FROM pst.r_ratings r JOIN scope o USING (office_code)
 WHERE r.day BETWEEN %(from)s::text AND %(to)s::text
 GROUP BY GROUPING SETS ((r.office_code), ())
"""

_RECEIPTS = """
SELECT s.office_code, COALESCE(s.method, '-'), count(*), sum(s.receipt_amount)
  FROM pst.r_sales s JOIN scope o USING (office_code)
 WHERE s.receipt_at >= o.lo AND s.receipt_at < o.hi
 GROUP BY 1, 2
"""

_PRODUCTS = """
SELECT s.office_code, l.product, sum(l.amount::bigint)
  FROM pst.r_sales s JOIN scope o USING (office_code),
       ROWS FROM (jsonb_array_elements_text(s.line_products), jsonb_array_elements_text(s.line_amounts))
            AS l(product, amount)
 WHERE s.receipt_at >= o.lo AND s.receipt_at < o.hi
 GROUP BY 1, 2
"""

_COMPLAINTS = """
SELECT c.office_code, count(*),
       count(*) FILTER (WHERE c.answered_at IS NOT NULL AND (c.answered_at AT TIME ZONE o.tz)::date <= c.due_date::date),
       count(*) FILTER (WHERE c.status IN ('received', 'in_follow_up'))
  FROM pst.r_complaints c JOIN scope o USING (office_code)
 WHERE c.received_at >= o.lo AND c.received_at < o.hi
 GROUP BY 1
"""

_OUTCOMES = """
SELECT r.office_code, COALESCE(r.outcome, '-'), count(*)
  FROM pst.r_service_records r JOIN scope o USING (office_code)
 WHERE r.day BETWEEN %(from)s::text AND %(to)s::text AND r.service = %(consultation)s
 GROUP BY 1, 2
"""

_NOT_AVAILABLE = """
SELECT r.office_code, r.subject, r.indicator, r.region_level, r.period, count(*)
  FROM pst.r_service_records r JOIN scope o USING (office_code)
 WHERE r.day BETWEEN %(from)s::text AND %(to)s::text AND r.outcome = 'not_available'
 GROUP BY 1, 2, 3, 4, 5
 ORDER BY 6 DESC, 2, 3
"""

_SYNC = "SELECT s.office_code, s.last_sync FROM pst.r_sync s JOIN scope o USING (office_code)"

def _empty(code: str | None, name: str = "", standard: int | None = None) -> dict[str, Any]:
    return {
        "office": code, "name": name,
        "visits": {"total": 0, "by_service": {}},
        "tickets": {**dict.fromkeys(TICKET_FIGURES, 0), "by_service": {}},
        "waiting_minutes": {"median": None, "p90": None, "called": 0},
        "within_standard": {"minutes": standard, "count": 0, "uncalled_late": 0, "share": None},
        "ikm": {"respondents": 0, "ikm": None, "grade": None},
        "sales": {"by_product": {}, "by_method": {}, "receipts": 0, "receipts_total": 0},
        "complaints": {"received": 0, "answered_in_time": 0, "open": 0},
        "consultations": {"by_outcome": {}, "not_available": 0},
        "data_not_available": [],
        "last_sync": None, "silent": None,
    }


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60.0, 2)


def _add(target: dict[str, int], key: str, value: int) -> None:
    target[key] = target.get(key, 0) + value


def central_report(conn, start: date, end: date, *, now: datetime, province: str | None = None,  # noqa: ANN001
                   office: str | None = None, trend: bool = False) -> dict[str, Any]:
    """Every office in scope (a province's two digits, one office, or all the role may
    read) and the total, for local days ``start``..``end``. ``conn``: a psycopg connection
    (a reader's, or the owner's)."""
    params = {"from": start.isoformat(), "to": end.isoformat(), "prefix": province or "", "office": office,
              "now": now, "consultation": CONSULTATION}
    previous = conn.read_only, conn.isolation_level
    if conn.info.transaction_status == 0:  # idle: the settings apply to the next transaction
        from psycopg import IsolationLevel

        conn.read_only, conn.isolation_level = True, IsolationLevel.REPEATABLE_READ
    try:
        with conn.transaction():
            # The percentiles sort a period's waits: in memory, not in temporary files.
            conn.execute("SET LOCAL work_mem = '64MB'")
            return _collect(conn, params, now, trend)
    finally:
        if conn.info.transaction_status == 0:
            conn.read_only, conn.isolation_level = previous


def _collect(conn, params: dict[str, Any], now: datetime, trend: bool) -> dict[str, Any]:  # noqa: ANN001
    def q(query: str):  # noqa: ANN202
        return conn.execute(_SCOPE + query, params)

    offices: dict[str | None, dict[str, Any]] = {}
    for code, name, _tz, standard, _lo, _hi in q("SELECT * FROM scope ORDER BY office_code"):
        offices[code] = _empty(code, name, standard)
    standards = {o["within_standard"]["minutes"] for o in offices.values()}
    total = _empty(None, standard=standards.pop() if len(standards) == 1 else None)

    for code, is_total, percentiles, called, within in q(_WAITS):
        target = total if is_total else offices.get(code)
        if target is None:
            continue
        median, p90 = percentiles or (None, None)
        target["waiting_minutes"] = {"median": _minutes(median), "p90": _minutes(p90), "called": called}
        target["within_standard"]["count"] = within
    days: dict[str, list[int]] = {}
    for code, service, day, issued, served, no_show, waiting, in_service, within, called in q(_COUNTS):
        figures = (issued, served, no_show, waiting, in_service)
        for target in (offices[code], total):
            per = target["tickets"]["by_service"].setdefault(service, dict.fromkeys(TICKET_FIGURES, 0))
            for key, value in zip(TICKET_FIGURES, figures):
                per[key] += value
                target["tickets"][key] += value
        per_day = days.setdefault(day, [0, 0, 0])
        per_day[0] += issued
        per_day[1] += within
        per_day[2] += called
    for code, late in q(_UNCALLED):
        for target in (offices[code], total):
            target["within_standard"]["uncalled_late"] += late
    for target in [*offices.values(), total]:
        ws = target["within_standard"]
        measured = target["waiting_minutes"]["called"] + ws["uncalled_late"]
        ws["share"] = round(ws["count"] / measured, 4) if measured else None
    for code, service, count in q(_VISITS):
        for target in (offices[code], total):
            target["visits"]["total"] += count
            _add(target["visits"]["by_service"], service or "-", count)
    for code, respondents, *means in q(_RATINGS):
        target = total if code is None else offices.get(code)
        if target is not None and respondents:
            index = survey.from_means(respondents, [float(m) for m in means])
            target["ikm"] = {"respondents": respondents, "ikm": index.ikm, "grade": index.grade}
    for code, method, count, amount in q(_RECEIPTS):
        for target in (offices[code], total):
            sales = target["sales"]
            sales["receipts"] += count
            sales["receipts_total"] += int(amount or 0)
            _add(sales["by_method"], method, int(amount or 0))
    for code, product, amount in q(_PRODUCTS):
        for target in (offices[code], total):
            _add(target["sales"]["by_product"], product, int(amount or 0))
    for code, received, in_time, still_open in q(_COMPLAINTS):
        for target in (offices[code], total):
            c = target["complaints"]
            c["received"] += received
            c["answered_in_time"] += in_time
            c["open"] += still_open
    for code, outcome, count in q(_OUTCOMES):
        for target in (offices[code], total):
            _add(target["consultations"]["by_outcome"], outcome, count)
    sought: dict[tuple, int] = {}
    for code, subject, indicator, level, period, count in q(_NOT_AVAILABLE):
        item = {"subject": subject, "indicator": indicator, "region_level": level, "period": period}
        offices[code]["data_not_available"].append({**item, "count": count})
        offices[code]["consultations"]["not_available"] += count
        total["consultations"]["not_available"] += count
        key = (subject, indicator, level, period)
        sought[key] = sought.get(key, 0) + count
    total["data_not_available"] = [
        {"subject": k[0], "indicator": k[1], "region_level": k[2], "period": k[3], "count": n}
        for k, n in sorted(sought.items(), key=lambda kv: (-kv[1], [str(x) for x in kv[0]]))]
    silent = 0
    for code, last in q(_SYNC):
        offices[code]["last_sync"] = last.isoformat() if last else None
        offices[code]["silent"] = last is None or now - last > SILENT_AFTER
        silent += offices[code]["silent"]
    total["silent"] = silent
    for target in [*offices.values(), total]:
        for key in ("by_service",):
            target["visits"][key] = dict(sorted(target["visits"][key].items()))
            target["tickets"][key] = dict(sorted(target["tickets"][key].items()))
        target["sales"]["by_product"] = dict(sorted(target["sales"]["by_product"].items()))
        target["sales"]["by_method"] = dict(sorted(target["sales"]["by_method"].items()))
        target["consultations"]["by_outcome"] = dict(sorted(target["consultations"]["by_outcome"].items()))
    out = {"period": {"from": params["from"], "to": params["to"]},
           "scope": {"province": params["prefix"] or None, "office": params["office"]},
           "generated_at": now.isoformat(), "offices": list(offices.values()), "total": total}
    if trend:
        out["trend"] = [{"day": d, "issued": f[0], "within": f[1], "called": f[2]} for d, f in sorted(days.items())]
    return out


def check_readable(dsn: str | None, province: str | None = None, office: str | None = None) -> None:
    """Refuse, in words and before any screen, a scope that is not a province or an office
    code, and a DSN that cannot reach the reading views (CentralError, exit 11)."""
    from kiosk.central import admin, readers

    readers.check_province(province)
    if office is not None:
        admin.check_office_code(office)
    with admin.session(dsn, "report") as conn:
        conn.execute("SELECT 1 FROM pst.r_offices LIMIT 1")


# -- output --------------------------------------------------------------------------------

CSV_COLUMNS = (
    "office", "name", "visits.total", "tickets.issued", "tickets.served", "tickets.no_show",
    "tickets.waiting_left", "tickets.in_service", "waiting_minutes.median", "waiting_minutes.p90",
    "within_standard.minutes", "within_standard.count", "within_standard.uncalled_late", "within_standard.share",
    "ikm.respondents", "ikm.ikm", "ikm.grade", "sales.receipts", "sales.receipts_total",
    "complaints.received", "complaints.answered_in_time", "complaints.open", "consultations.not_available",
    "last_sync", "silent",
)


def _pick(row: dict[str, Any], path: str) -> Any:
    node: Any = row
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def to_csv(data: dict[str, Any]) -> str:
    """One line per office and the total (office empty): the headline figures, then the
    groups as ``visits.by_service.X``, ``sales.by_product.X``, ``sales.by_method.X``,
    ``consultations.by_outcome.X`` columns."""
    rows = [*data["offices"], data["total"]]
    groups = ("visits.by_service", "sales.by_product", "sales.by_method", "consultations.by_outcome")
    extra = [f"{g}.{k}" for g in groups for k in sorted({k for r in rows for k in (_pick(r, g) or {})})]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS, *extra])
    for r in rows:
        values = [_pick(r, c) for c in CSV_COLUMNS]
        values += [(_pick(r, c.rsplit(".", 1)[0]) or {}).get(c.rsplit(".", 1)[1], 0) for c in extra]
        writer.writerow(["" if v is None else v for v in values])
    return out.getvalue()


# -- what a reader reads ------------------------------------------------------------------

def namer(lang: str) -> Callable[[str, str], str]:
    """What a reader calls a service, product or payment method code (no office store here:
    the shipped catalogue names the products); an unknown code is shown as it is."""
    from kiosk import catalogue
    from kiosk.i18n import catalogue as strings
    from kiosk.reports import catalogue_namer

    def other(group: str, code: str) -> str:
        key = {"method": f"paper.method.{code}", "outcome": f"centre.outcome.{code}"}.get(group, "")
        return t(key, lang) if key in strings() else code

    return catalogue_namer(catalogue.shipped(), lang, other)


def row_cells(row: dict[str, Any], lang: str, tz: Any) -> list[str]:  # noqa: ANN401 - a tzinfo
    """One office (or the total) as the table shows it, in the reader's language."""
    from kiosk import reports
    from kiosk.money import rupiah

    tk, w, ws, ikm, c = row["tickets"], row["waiting_minutes"], row["within_standard"], row["ikm"], row["complaints"]
    if row["office"] is None:
        last = t("centre.silent_count", lang, count=row["silent"]) if row["silent"] else ""
    elif row["last_sync"] is None:
        last = t("centre.never", lang)
    else:
        last = f"{datetime.fromisoformat(row['last_sync']).astimezone(tz):%d-%m %H:%M}"
    if row["silent"] is True:
        last = f"! {last}"
    grade = f" ({ikm['grade']})" if ikm["grade"] else ""
    return [
        row["office"] or t("centre.total", lang), row["name"] or "",
        str(row["visits"]["total"]), str(tk["issued"]), str(tk["served"]), str(tk["no_show"]),
        reports.decimal(w["median"], lang), reports.decimal(w["p90"], lang), reports.percent(ws["share"], lang),
        f"{reports.decimal(ikm['ikm'], lang)}{grade}", rupiah(row["sales"]["receipts_total"]),
        f"{c['received']}/{c['answered_in_time']}/{c['open']}", str(row["consultations"]["not_available"]), last,
    ]


COLUMNS = ("office", "name", "visits", "issued", "served", "no_show", "median", "p90", "within", "ikm",
           "receipts", "complaints", "not_available", "last_sync")

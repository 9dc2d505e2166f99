"""Commands of sales and reporting: catalogue, orders, reports."""

from __future__ import annotations

import sys
from typing import Any

from kiosk.commands.common import Context, _out, parse_day, report_period
from kiosk.errors import FieldInvalid, Invalid
from kiosk.i18n import t


def cmd_catalogue(ctx: Context) -> int:

    from kiosk.catalogue import active
    from kiosk.money import rupiah, thousands

    day = parse_day(ctx.args.date) if ctx.args.date is not None else ctx.store.clock.now().astimezone(
        ctx.settings.office.tz).date()
    cat = active(ctx.store)  # the one orders are priced with: the centre's, else the shipped one
    regulation = cat.in_force(day)
    if not regulation.product and not ctx.args.json:
        print(t("cli.catalogue_title", ctx.lang, title=regulation.title,
                since=regulation.effective_from.isoformat()))
        print(t("cli.no_tariffs", ctx.lang, title=regulation.title))
        return 0
    if ctx.args.json:
        _out({"regulation": regulation.code, "title": regulation.title,
              "effective_from": regulation.effective_from.isoformat(), "confirm": regulation.confirm,
              "products": [p.model_dump(mode="json") for p in regulation.product],
              "zero_basis": [b.model_dump(mode="json") for b in cat.zero_basis]})
        return 0
    print(t("cli.catalogue_title", ctx.lang, title=regulation.title,
            since=regulation.effective_from.isoformat()))
    for p in regulation.product:
        if p.rule == "per_unit":
            tariff = f"{rupiah(p.price)} / {p.unit(ctx.lang)}"
        elif p.rule == "tiered":
            tariff = t("cli.tiered", ctx.lang, base=rupiah(p.base_price), unit=p.unit(ctx.lang),
                       included=thousands(p.included), measure=p.measure(ctx.lang),
                       step_price=rupiah(p.step_price), step=thousands(p.step))
        else:
            tariff = t("cli.listed", ctx.lang)
        docs = f"  [{', '.join(p.documents)}]" if p.documents else ""
        print(f"{p.code:<26} {p.name(ctx.lang)}\n{'':<26} {tariff}{docs}")
    return 0


def cmd_order_list(ctx: Context) -> int:
    from kiosk import sales
    from kiosk.sales import view as order_view
    from kiosk.money import rupiah

    if ctx.args.expiring is not None and ctx.args.expiring < 0:
        raise Invalid({"expiring": FieldInvalid("cli.bad_expiring", days=ctx.args.expiring)})
    found = sales.list_orders(ctx.store, status=ctx.args.status, awaiting_payment=ctx.args.awaiting_payment,
                              awaiting_verification=ctx.args.awaiting_verification,
                              expiring_within_days=ctx.args.expiring, limit=ctx.args.limit)
    if ctx.args.json:
        _out([o.model_dump(mode="json") for o in found])
        return 0
    tz = ctx.settings.office.tz
    now = ctx.store.clock.now()
    for o in found:
        until = ""
        if o.valid_until and o.status == "invoiced":
            until = "  " + t("cli.valid_until", ctx.lang, date=f"{o.valid_until.astimezone(tz):%d-%m-%Y}")
            if o.valid_until < now and not o.awaiting_verification:
                until += " " + t("orders.expired_mark", ctx.lang)
        # A long name is cut to its column (with "…") so the columns stay aligned; `order show`
        # and --json give it whole.
        name = o.customer_name if len(o.customer_name) <= 26 else o.customer_name[:25] + "…"
        print(f"{o.number:<20} {name:<26} {order_view.row_state(o, ctx.lang):<30}"
              f" {rupiah(o.total):>14}{until}")
    if not found:
        print(t("cli.no_orders", ctx.lang))
    return 0


def cmd_order_show(ctx: Context) -> int:
    from kiosk import sales
    from kiosk.sales import view as order_view, payments
    from kiosk.catalogue import active
    from kiosk.money import rupiah

    text = ctx.args.order.strip()
    # An order number is stored upper case (ORD/1373/2026/0001); an order id is lower case.
    order = sales.get(ctx.store, text.upper() if "/" in text else text)
    lang, tz = ctx.lang, ctx.settings.office.tz
    catalogue = active(ctx.store)
    deadline = payments.correction_deadline(ctx.store, ctx.settings, order)
    history = [(when, t(f"orders.event.{key}", lang, **params))
               for when, key, params in order_view.timeline(order, lang)]
    documents = order_view.documents(order, catalogue)
    if ctx.args.json:
        _out({**order.model_dump(mode="json"), "total": order.total, "documents": documents,
              "correction_until": deadline.isoformat() if deadline else None,
              "timeline": [{"at": when.isoformat(), "event": text} for when, text in history]})
        return 0
    print(f"{order.number}  {order.customer_name}  ({order_view.state(order, lang)})")
    for line in order.lines:
        detail = order_view.line_detail(order, line, catalogue, lang)
        print(f"  {order_view.line_title(order, line, catalogue, lang):<40} {detail:<28} {rupiah(line.amount):>14}")
    print(f"  {'TOTAL':<69} {rupiah(order.total):>14}")
    print(t("orders.checklist", lang))
    for key, done in documents.items():
        print(f"  [{'x' if done else ' '}] {t('orders.doc.' + key, lang)}")
    if order.abstraksi_text:
        print(f"  {t('sales.documents.statement_line', lang)}: {order.abstraksi_text}")
    for inv in order.invoices:
        state = t("cli.void", lang) if inv.voided_at else t("cli.valid_until", lang,
                                                              date=f"{inv.valid_until.astimezone(tz):%d-%m-%Y}")
        print(f"  {inv.number} v{inv.version}  {rupiah(inv.total)}  {state}")
    for p in order.payments:
        print(f"  {t('paper.method.' + p.method, lang)}  {rupiah(p.amount)}"
              f"  {order_view.payment_status(p.status, lang)}  ({order_view.payment_documents(p, lang)})")
    if order.receipt:
        print(f"  {order.receipt.number}  {rupiah(order.receipt.amount)}  {order.receipt.terbilang}")
    if order.medium:
        print(f"  {t('orders.f.medium', lang)}: {t('orders.medium.' + order.medium, lang)}")
    if deadline:
        key = "orders.correction_until" if ctx.store.clock.now() <= deadline else "orders.correction_closed"
        print(f"  {t(key, lang, date=f'{deadline:%d-%m-%Y}')}")
    for c in order.corrections:
        state = c.resolution or "-"
        print(f"  {t('orders.event.correction', lang, note=c.note)}  ->  {state}")
    print(t("orders.timeline", lang))
    for when, text in history:
        print(f"  {when.astimezone(tz):%d-%m-%Y %H:%M}  {text}")
    return 0


def cmd_report(ctx: Context) -> int:
    from kiosk import reports

    args = ctx.args
    today = ctx.store.clock.now().astimezone(ctx.settings.office.tz).date()
    start, end = report_period(ctx, today)
    data = reports.report(ctx.store, ctx.settings, ctx.actor, start, end)
    if args.csv:
        sys.stdout.write(reports.to_csv(data))
    elif args.json:
        _out(data)
    else:
        _print_report(ctx, data)
    return 0


def _print_report(ctx: Context, data: dict[str, Any]) -> None:
    """The report as a reader reads it: names instead of codes, the reader's decimals."""
    from kiosk import reports
    from kiosk.money import rupiah
    from kiosk.survey import element_name

    lang = ctx.lang
    name = reports.namer(ctx.store, lang)

    def num(value: float | None) -> str:
        return reports.decimal(value, lang)

    p = data["period"]
    print(t("report.title", lang, start=p["from"], end=p["to"], office=data["office"]))
    if data.get("archive_unreadable"):
        print(t("archive.report_incomplete", lang, count=len(data["archive_unreadable"]),
                first=data["archive_unreadable"][0]))
    v = data["visits"]
    print(t("report.visits", lang, total=v["total"]))
    for group in reports.VISIT_GROUPS:
        items = ", ".join(f"{name(group, k)} {n}" for k, n in v[f"by_{group}"].items()) or "-"
        print(f"  {t(f'report.by_{group}', lang)}: {items}")
    tk = data["tickets"]
    print(t("report.tickets", lang, **{k: tk[k] for k in reports.TICKET_FIGURES}))
    for service, figures in tk["by_service"].items():  # issued + in - out = the rest
        moved = t("report.transfers", lang, **figures) if figures["transferred_in"] or figures["transferred_out"] else ""
        print(t("report.tickets_service", lang, service=name("service", service), transfers=moved, **figures))
    w, sv, ws = data["waiting_minutes"], data["service_minutes"], data["within_standard"]
    # The plain issue-to-call wait, then the standard as the seeds word it.
    print(t("report.waiting", lang, median=num(w["median"]), p90=num(w["p90"]),
            share=reports.percent(ws.get("plain_share", ws["share"]), lang), minutes=ws["minutes"]))
    if "standard_wait_minutes" in data:
        sw = data["standard_wait_minutes"]
        print(t("desk.report.standard", lang, median=num(sw["median"]), p90=num(sw["p90"]),
                share=reports.percent(ws["share"], lang), minutes=ws["minutes"]))
    if ws.get("uncalled_late"):
        print(t("report.uncalled_late", lang, minutes=ws["minutes"], count=ws["uncalled_late"]))
    print(t("report.service", lang, median=num(sv["median"]), p90=num(sv["p90"])))
    if "records" in data:
        _print_desk(data, lang, name)
    print(t("report.lockers", lang, count=data["lockers_open"]))
    s = data["sales"]
    print(t("report.sales", lang, receipts=s["receipts"], total=rupiah(s["receipts_total"]),
            zero=s["zero_tariff_delivered"]))
    if s["by_product"]:
        print(f"  {t('report.by_product', lang)}:")
        for k, amount in s["by_product"].items():
            print(f"    {name('product', k)}: {rupiah(amount)}")
    if s["by_method"]:
        items = ", ".join(f"{name('method', k)} {rupiah(amount)}" for k, amount in s["by_method"].items())
        print(f"  {t('report.by_method', lang)}: {items}")
    ikm = data["ikm"]
    print(t("report.ikm", lang, ikm=num(ikm["ikm"]), grade=ikm["grade"] or "-", n=ikm["respondents"]))
    if ikm["respondents"]:
        print(t("report.ikm_elements", lang))
        for code, value in ikm["element_index"].items():
            print(f"    {code} {element_name(code, lang)}: {num(value)} ({ikm['element_grade'][code]})")
        print(t("report.ikm_services", lang))
        for service, per in data["ikm_by_service"].items():
            print(f"    {name('service', service)}: {num(per['ikm'])} ({per['grade']}), {per['respondents']}")


def _print_desk(data: dict[str, Any], lang: str, name: Any) -> None:  # noqa: ANN401 - reports.namer
    """The service records (subjects, outcomes, unmet data needs) and the complaints."""
    from kiosk import reports
    from kiosk.desk.subjects import subject_name

    rec, com = data["records"], data["complaints"]
    print(t("desk.report.records", lang, total=rec["total"], unrecorded=rec["unrecorded"]))
    if rec["by_service"]:
        items = ", ".join(f"{name('service', k)} {n}" for k, n in rec["by_service"].items())
        print(f"  {t('report.by_service', lang)}: {items}")
    if rec["by_subject"]:
        items = ", ".join(f"{subject_name(k, lang) if k != '-' else '-'} {n}" for k, n in rec["by_subject"].items())
        print(f"  {t('desk.report.by_subject', lang)}: {items}")
    if rec["by_outcome"]:
        items = ", ".join(f"{t(f'desk.outcome.{k}', lang) if k != '-' else '-'} {n}"
                          for k, n in rec["by_outcome"].items())
        print(f"  {t('desk.report.by_outcome', lang)}: {items}")
    if any(rec["publications"].values()):
        print(f"  {t('desk.report.publications', lang, **rec['publications'])}")
    if rec["unmet_needs"]:
        print(f"  {t('desk.report.unmet', lang)}")
        for need in rec["unmet_needs"]:
            level = t(f"desk.region.{need['region_level']}", lang) if need["region_level"] else "-"
            print(t("desk.report.unmet_line", lang, indicator=need["indicator"], level=level,
                    period=need["period"] or "-", count=need["count"]))
    print(t("desk.report.complaints", lang, received=com["received"]["total"],
            complaint=com["received"]["by_kind"]["complaint"], suggestion=com["received"]["by_kind"]["suggestion"],
            answered=com["answered"], in_time=com["answered_in_time"],
            share=reports.percent(com["answered_in_time_share"], lang), days=com["due_working_days"],
            open=com["open"], overdue=com["overdue"]))

"""The command line: a thin shell over the use cases (DESIGN.md lists the stable commands).

Errors go to stderr as one line with a documented exit status, never a traceback:
0 ok, 1 unexpected failure, 2 usage, 3 not found, 4 queue empty, 5 refused in this state,
6 configuration, 7 store, 8 printer did not print, 9 invalid input, 10 not logged in,
wrong PIN, locked or role not allowed, 11 the central store failed.

The faces are not imported here (they sit above this layer); ``screens.main`` passes
them in as ``faces``.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from typing import Any

from kiosk import accounts, audit, lockers, printing, privacy
from kiosk import config as config_mod
from kiosk.config import Settings
from kiosk.errors import DomainError, NotFound, PrinterError
from kiosk.i18n import t
from kiosk.services import all_services, by_code
from kiosk.store import Store
from kiosk.tickets import issue_ticket, queue_for

Face = Callable[[Settings, argparse.Namespace], int | None]
EXIT_UNEXPECTED = 1


class Context:
    """What every command needs: settings, the store (opened lazily), the output language."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.settings = config_mod.load(args.config, db=args.db)
        self.lang = args.lang or self.settings.kiosk.language
        self._store: Store | None = None
        self._actor: accounts.User | None = None

    @property
    def actor(self) -> accounts.User | None:
        """The officer named by ``--user``/``PST_KIOSK_USER``, PIN from ``PST_KIOSK_PIN`` or
        asked on the terminal. None when no user is named (use cases then refuse officer
        actions once accounts exist)."""
        username = self.args.user or os.environ.get("PST_KIOSK_USER")
        if not username:
            return None
        if self._actor is None:
            pin = os.environ.get("PST_KIOSK_PIN")
            if pin is None:
                pin = _ask_pin(t("cli.pin_prompt", self.lang, username=username))
            self._actor = accounts.authenticate(self.store, username, pin)
        return self._actor

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.db_path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def _ask_pin(prompt: str) -> str:
    if not sys.stdin.isatty():
        raise accounts.Forbidden("cli.pin_needed")
    return getpass.getpass(prompt)


def _out(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _service_name(code: str, lang: str) -> str:
    return by_code(code).name(lang)


def _check_counter(ctx: Context, counter: int) -> int:
    if not 1 <= counter <= ctx.settings.office.counters:
        raise NotFound("error.bad_counter", max=ctx.settings.office.counters)
    return counter


# -- commands -------------------------------------------------------------------------


def cmd_init(ctx: Context) -> int:
    args = ctx.args
    path = config_mod.config_path(args.config)
    raw = config_mod.read_file(path)
    office = raw.setdefault("office", {})
    for option, key in (("office_code", "code"), ("office_name", "name"), ("address", "address"),
                        ("phone", "phone"), ("email", "email"), ("counters", "counters"),
                        ("timezone", "timezone")):
        value = getattr(args, option)
        if value is not None:
            office[key] = value
    if args.complaint:
        office["complaint_channels"] = list(args.complaint)
    printer = raw.setdefault("printer", {})
    if args.printer is not None:
        printer["url"] = args.printer
    if args.paper is not None:
        printer["paper_mm"] = args.paper
    kiosk = raw.setdefault("kiosk", {})
    new_exit_code = not kiosk.get("staff_exit_code")
    if new_exit_code:
        kiosk["staff_exit_code"] = f"{secrets.randbelow(10**6):06d}"
    if args.db:
        raw["db"] = str(args.db)
    config_mod.save_file(path, {k: v for k, v in raw.items() if v != {}})
    ctx.settings = config_mod.load(path, db=args.db)
    store = ctx.store  # creates and migrates
    store.set_meta("office_code", ctx.settings.office.code)
    office_s = ctx.settings.office
    print(t("cli.init_done", ctx.lang, config=str(path), db=str(store.path),
            code=office_s.code, name=office_s.name, counters=office_s.counters,
            tz=office_s.timezone, printer=ctx.settings.printer.url))
    if new_exit_code:
        print(t("cli.exit_code", ctx.lang, code=kiosk["staff_exit_code"]))
    return 0


def _print_now(ctx: Context, job_id: str) -> printing.PrintResult | None:
    return printing.print_job(ctx.store, ctx.settings, job_id)


def cmd_ticket_take(ctx: Context) -> int:
    issued = issue_ticket(ctx.store, ctx.settings, ctx.args.service, priority=ctx.args.priority)
    result = None if ctx.args.no_print else _print_now(ctx, issued.job_id)
    printed = bool(result and result.printed)
    if ctx.args.json:
        _out({**issued.ticket.public(), "ahead": issued.ahead, "printed": printed,
              "print_job": issued.job_id,
              "print_problem": None if printed or result is None else result.reason})
    else:
        tk = issued.ticket
        print(f"{tk.number}  {_service_name(tk.service, ctx.lang)}  "
              f"({t('cli.ahead', ctx.lang, count=issued.ahead)})")
    if result is not None and not printed:
        print(t("cli.not_printed", ctx.lang, problem=result.message(ctx.lang)), file=sys.stderr)
    return 0


def cmd_ticket_call(ctx: Context) -> int:
    counter = _check_counter(ctx, ctx.args.counter)
    queue = queue_for(ctx.store, ctx.settings).as_user(ctx.actor)
    if ctx.args.number:
        ticket = queue.call(counter, ctx.args.number)
    else:
        ticket = queue.call_next(counter, ctx.args.service or None)
    if ctx.args.json:
        _out(ticket.public())
    else:
        print(t("cli.called", ctx.lang, number=ticket.number, counter=counter,
                service=_service_name(ticket.service, ctx.lang)))
    return 0


def cmd_ticket_list(ctx: Context) -> int:
    from datetime import date

    queue = queue_for(ctx.store, ctx.settings)
    day = date.fromisoformat(ctx.args.date) if ctx.args.date else None
    tickets = queue.list(status=ctx.args.status, day=day)
    if ctx.args.json:
        _out([tk.public() for tk in tickets])
        return 0
    tz = ctx.settings.office.tz
    for tk in tickets:
        print(f"{tk.number:<7} {_service_name(tk.service, ctx.lang):<30} "
              f"{t('status.' + tk.status, ctx.lang):<16} "
              f"{tk.issued_at.astimezone(tz):%H:%M}  "
              f"{(t('cli.counter_n', ctx.lang, counter=tk.counter) if tk.counter else '')}"
              f"{' *' if tk.priority else ''}")
    if not tickets:
        print(t("cli.no_tickets", ctx.lang))
    return 0


def cmd_printer_test(ctx: Context) -> int:
    job_id = printing.queue_test_page(ctx.store, ctx.settings)
    result = _print_now(ctx, job_id)
    if result and result.printed:
        print(t("cli.test_printed", ctx.lang, printer=ctx.settings.printer.url))
        return 0
    raise PrinterError("cli.test_failed", printer=ctx.settings.printer.url,
                       problem=result.message(ctx.lang) if result else "?")


def cmd_printer_jobs(ctx: Context) -> int:
    found = printing.jobs(ctx.store, status=ctx.args.status, limit=ctx.args.limit)
    if ctx.args.json:
        _out([job.model_dump(mode="json") for job in found])
        return 0
    tz = ctx.settings.office.tz
    for job in found:
        print(f"{job.id}  {job.created_at.astimezone(tz):%d-%m %H:%M:%S}  {job.kind:<7} "
              f"{job.label:<8} {t('cli.job.' + job.status, ctx.lang):<10} "
              f"{job.attempts}x  {job.last_error or ''}")
    if not found:
        print(t("cli.no_jobs", ctx.lang))
    return 0


def cmd_printer_retry(ctx: Context) -> int:
    results = printing.retry(ctx.store, ctx.settings, job_id=ctx.args.job)
    printed = sum(1 for r in results if r.printed)
    failed = [r for r in results if not r.printed]
    print(t("cli.retried", ctx.lang, printed=printed, failed=len(failed)))
    if failed:
        print(failed[0].message(ctx.lang), file=sys.stderr)
        return PrinterError.exit_code
    return 0


def _new_pin(ctx: Context) -> str:
    pin = os.environ.get("PST_KIOSK_NEW_PIN")
    if pin is not None:
        return pin
    first = _ask_pin(t("cli.new_pin", ctx.lang))
    if _ask_pin(t("cli.new_pin_again", ctx.lang)) != first:
        raise DomainError("cli.pin_mismatch")
    return first


def cmd_user_add(ctx: Context) -> int:
    user = accounts.add_user(ctx.store, ctx.actor, username=ctx.args.username,
                             name=ctx.args.name or ctx.args.username, role=ctx.args.role,
                             pin=_new_pin(ctx))
    print(t("cli.user_added", ctx.lang, username=user.username, role=user.role))
    return 0


def cmd_user_list(ctx: Context) -> int:
    users = accounts.list_users(ctx.store)
    if ctx.args.json:
        _out([u.public() for u in users])
        return 0
    for u in users:
        state = t("cli.user_active" if u.active else "cli.user_disabled", ctx.lang)
        print(f"{u.username:<16} {u.name:<28} {u.role:<10} {state}")
    if not users:
        print(t("cli.no_users", ctx.lang))
    return 0


def cmd_user_disable(ctx: Context) -> int:
    user = accounts.disable_user(ctx.store, ctx.actor, ctx.args.username)
    print(t("cli.user_disabled_done", ctx.lang, username=user.username))
    return 0


def cmd_user_reset_pin(ctx: Context) -> int:
    user = accounts.reset_pin(ctx.store, ctx.actor, ctx.args.username, _new_pin(ctx))
    print(t("cli.user_pin_reset", ctx.lang, username=user.username))
    return 0


def cmd_audit(ctx: Context) -> int:
    from datetime import date, datetime, time

    accounts.require(ctx.store, ctx.actor, "admin")
    since = None
    if ctx.args.since:
        since = datetime.combine(date.fromisoformat(ctx.args.since), time.min, ctx.settings.office.tz)
    found = audit.entries(ctx.store, since=since, username=ctx.args.user_filter,
                          action=ctx.args.action, limit=ctx.args.limit)
    if ctx.args.json:
        _out([e.model_dump(mode="json") for e in found])
        return 0
    tz = ctx.settings.office.tz
    for e in found:
        detail = " ".join(f"{k}={v}" for k, v in e.detail.items())
        print(f"{e.at.astimezone(tz):%Y-%m-%d %H:%M:%S}  {e.username or '-':<12} {e.action:<16} {detail}")
    return 0


def cmd_purge(ctx: Context) -> int:
    result = privacy.purge(ctx.store, ctx.actor, older_than_days=ctx.args.older_than)
    print(t("cli.purged", ctx.lang, guests=result.guests, lockers=result.lockers,
            days=ctx.args.older_than))
    return 0


def cmd_locker_list(ctx: Context) -> int:
    from datetime import date

    if ctx.args.date:
        found = lockers.not_returned(ctx.store, ctx.settings, date.fromisoformat(ctx.args.date))
    else:
        found = lockers.open_lockers(ctx.store)
    if ctx.args.json:
        _out([lk.model_dump(mode="json") for lk in found])
        return 0
    tz = ctx.settings.office.tz
    for lk in found:
        print(f"{lk.locker_no:>3}  {lk.holder_name:<28} {lk.id_type:<8} {lk.id_masked:<18} "
              f"{lk.assigned_at.astimezone(tz):%d-%m %H:%M}")
    if not found:
        print(t("cli.no_lockers", ctx.lang))
    return 0


def cmd_catalogue(ctx: Context) -> int:
    from datetime import date

    from kiosk.catalogue import shipped
    from kiosk.money import rupiah

    day = date.fromisoformat(ctx.args.date) if ctx.args.date else ctx.store.clock.now().astimezone(
        ctx.settings.office.tz).date()
    cat = shipped()
    regulation = cat.in_force(day)
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
                       included=f"{p.included:,}".replace(",", "."), measure=p.measure(ctx.lang),
                       step_price=rupiah(p.step_price), step=f"{p.step:,}".replace(",", "."))
        else:
            tariff = t("cli.listed", ctx.lang)
        docs = f"  [{', '.join(p.documents)}]" if p.documents else ""
        print(f"{p.code:<26} {p.name(ctx.lang)}\n{'':<26} {tariff}{docs}")
    return 0


def cmd_order_list(ctx: Context) -> int:
    from kiosk import sales
    from kiosk.money import rupiah

    found = sales.list_orders(ctx.store, status=ctx.args.status, awaiting_payment=ctx.args.awaiting_payment,
                              expiring_within_days=ctx.args.expiring, limit=ctx.args.limit)
    if ctx.args.json:
        _out([o.model_dump(mode="json") for o in found])
        return 0
    tz = ctx.settings.office.tz
    for o in found:
        until = f"  s.d. {o.valid_until.astimezone(tz):%d-%m-%Y}" if o.valid_until and o.status == "invoiced" else ""
        print(f"{o.number:<20} {o.customer_name:<26} {t('sales.status.' + o.status, ctx.lang):<26}"
              f" {rupiah(o.total):>14}{until}")
    if not found:
        print(t("cli.no_orders", ctx.lang))
    return 0


def cmd_order_show(ctx: Context) -> int:
    from kiosk import sales
    from kiosk.money import rupiah

    order = sales.get(ctx.store, ctx.args.order)
    if ctx.args.json:
        _out({**order.model_dump(mode="json"), "total": order.total})
        return 0
    tz = ctx.settings.office.tz
    print(f"{order.number}  {order.customer_name}  ({t('sales.status.' + order.status, ctx.lang)})")
    for line in order.lines:
        print(f"  {line.description:<40} x{line.quantity:<4} {rupiah(line.amount):>14}")
    print(f"  {'TOTAL':<46} {rupiah(order.total):>14}")
    for inv in order.invoices:
        state = t("cli.void", ctx.lang) if inv.voided_at else t("cli.valid_until", ctx.lang,
                                                                  date=f"{inv.valid_until.astimezone(tz):%d-%m-%Y}")
        print(f"  {inv.number} v{inv.version}  {rupiah(inv.total)}  {state}")
    for p in order.payments:
        print(f"  {p.method:<9} {rupiah(p.amount)}  {p.status}")
    if order.receipt:
        print(f"  {order.receipt.number}  {rupiah(order.receipt.amount)}  {order.receipt.terbilang}")
    return 0


def _dsn(ctx: Context) -> str | None:
    return getattr(ctx.args, "dsn", None) or ctx.settings.central_dsn


def cmd_central_init(ctx: Context) -> int:
    from kiosk import central

    applied = central.init(_dsn(ctx) or "", role_prefix=ctx.args.role_prefix)
    print(t("central.initialised", ctx.lang, applied=", ".join(map(str, applied)) or "-"))
    return 0


def cmd_central_add_office(ctx: Context) -> int:
    from kiosk import central

    role = central.add_office(_dsn(ctx) or "", ctx.args.code, name=ctx.args.name or "")
    print(t("central.office_added", ctx.lang, code=ctx.args.code, role=role))
    return 0


def cmd_central_publish(ctx: Context) -> int:
    import tomllib
    from pathlib import Path

    from kiosk import central

    path = Path(ctx.args.file)
    text = path.read_text(encoding="utf-8")
    payload = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    ref_id = central.publish(_dsn(ctx) or "", ctx.args.kind, json.loads(json.dumps(payload, default=str)),
                             office_code=ctx.args.office)
    print(t("cli.published", ctx.lang, kind=ctx.args.kind, id=ref_id))
    return 0


def cmd_sync(ctx: Context) -> int:
    from kiosk import sync

    if not ctx.args.status:
        result = sync.run(ctx.store, ctx.settings, dsn=_dsn(ctx))
    state = sync.status(ctx.store)
    if ctx.args.json:
        _out({**state.model_dump(mode="json"),
              **({} if ctx.args.status else {"pushed": result.pushed, "pulled": result.pulled,
                                             "refused": result.refused, "error": result.error})})
    else:
        if not ctx.args.status:
            print(t("cli.synced", ctx.lang, pushed=result.pushed, pulled=result.pulled))
            for refusal in result.refused:
                print(t("cli.sync_refused", ctx.lang, what=refusal), file=sys.stderr)
        tz = ctx.settings.office.tz
        last = f"{state.last_success.astimezone(tz):%d-%m-%Y %H:%M:%S}" if state.last_success else "-"
        print(t("cli.sync_status", ctx.lang, state=t("sync.online" if state.online else "sync.offline", ctx.lang),
                pending=state.pending, last=last))
    if not ctx.args.status and result.error:
        print(f"pst-kiosk: {result.error}", file=sys.stderr)
        return 11
    return 0


def cmd_restore(ctx: Context) -> int:
    from kiosk import restore

    counts = restore.restore(ctx.store, ctx.settings, dsn=_dsn(ctx), office_code=ctx.args.office)
    print(t("cli.restored", ctx.lang, **counts))
    return 0


def cmd_report(ctx: Context) -> int:
    from datetime import date, timedelta

    from kiosk import reports

    args = ctx.args
    today = ctx.store.clock.now().astimezone(ctx.settings.office.tz).date()
    try:
        if args.period == "day":
            start = end = date.fromisoformat(args.date) if args.date else today
        elif args.period == "month":
            start, end = reports.month_bounds(args.month or today.strftime("%Y-%m"))
        else:
            start, end = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
    except (TypeError, ValueError):
        raise NotFound("cli.bad_date") from None
    if end < start or end - start > timedelta(days=3660):
        raise NotFound("cli.bad_date")
    data = reports.report(ctx.store, ctx.settings, start, end)
    if args.csv:
        sys.stdout.write(reports.to_csv(data))
    elif args.json:
        _out(data)
    else:
        _print_report(ctx, data)
    return 0


def _print_report(ctx: Context, data: dict[str, Any]) -> None:
    from kiosk.money import rupiah

    lang = ctx.lang
    p = data["period"]
    print(t("report.title", lang, start=p["from"], end=p["to"], office=data["office"]))
    v = data["visits"]
    print(t("report.visits", lang, total=v["total"]))
    for group in ("by_service", "by_segment", "by_purpose", "by_education", "by_gender"):
        items = ", ".join(f"{k} {n}" for k, n in v[group].items()) or "-"
        print(f"  {t('report.' + group, lang)}: {items}")
    tk = data["tickets"]
    print(t("report.tickets", lang, issued=tk["issued"], served=tk["served"], no_show=tk["no_show"]))
    w, sv, ws = data["waiting_minutes"], data["service_minutes"], data["within_standard"]
    print(t("report.waiting", lang, median=w["median"] if w["median"] is not None else "-",
            p90=w["p90"] if w["p90"] is not None else "-",
            share=f"{ws['share'] * 100:.1f}%" if ws["share"] is not None else "-", minutes=ws["minutes"]))
    print(t("report.service", lang, median=sv["median"] if sv["median"] is not None else "-",
            p90=sv["p90"] if sv["p90"] is not None else "-"))
    print(t("report.lockers", lang, count=data["lockers_open"]))
    s = data["sales"]
    print(t("report.sales", lang, receipts=s["receipts"], total=rupiah(s["receipts_total"]),
            zero=s["zero_tariff_delivered"]))
    for k, amount in {**s["by_product"], **s["by_method"]}.items():
        print(f"  {k}: {rupiah(amount)}")
    ikm = data["ikm"]
    print(t("report.ikm", lang, ikm=ikm["ikm"] if ikm["ikm"] is not None else "-",
            grade=ikm["grade"] or "-", n=ikm["respondents"]))


# -- parser -----------------------------------------------------------------------------


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", default=default, metavar="PATH",
                        help="SQLite store (env PST_KIOSK_DB)")
    parser.add_argument("--config", default=default, metavar="PATH",
                        help="configuration TOML (env PST_KIOSK_CONFIG)")
    parser.add_argument("--lang", default=default, choices=("id", "en"),
                        help="language of messages")
    parser.add_argument("--user", default=default, metavar="USERNAME",
                        help="act as this officer (env PST_KIOSK_USER; PIN from PST_KIOSK_PIN or asked)")


def build_parser(faces: dict[str, Face], serve: Face | None = None) -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    parser = argparse.ArgumentParser(
        prog="pst-kiosk", description="PST Kiosk: antrian, buku tamu, loket, cetak.")
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="create or migrate the store; office settings")
    p.add_argument("--office-code", help="four digits, e.g. 1373")
    p.add_argument("--office-name")
    p.add_argument("--address")
    p.add_argument("--phone")
    p.add_argument("--email")
    p.add_argument("--complaint", action="append", metavar="CHANNEL",
                   help="a complaint channel printed on tickets (repeatable)")
    p.add_argument("--counters", type=int)
    p.add_argument("--timezone", help="default Asia/Jakarta")
    p.add_argument("--printer", help="network:HOST[:PORT], usb:VID:PID, serial:DEV[:BAUD], file:PATH, cups:NAME, none")
    p.add_argument("--paper", type=int, choices=(58, 80))
    p.set_defaults(func=cmd_init)

    for name, face in faces.items():
        fp = sub.add_parser(name, parents=[common], help=f"the {name} face")
        if name == "counter":
            fp.add_argument("--counter", type=int, help="start at this counter number")
        fp.set_defaults(func=None, face=face)

    if serve is not None:
        sp = sub.add_parser("serve", parents=[common], help="a face in the browser (textual-serve)")
        sp.add_argument("face", choices=sorted(faces))
        sp.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0: the office LAN)")
        sp.add_argument("--port", type=int, default=8000)
        sp.add_argument("--counter", type=int, help="for the counter face: start at this counter")
        sp.set_defaults(func=None, face_fn=serve)

    ticket = sub.add_parser("ticket", help="take, call and list queue tickets").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = ticket.add_parser("take", parents=[common], help="take a ticket and print it")
    p.add_argument("service", help="letter or short name, e.g. B or penjualan")
    p.add_argument("--priority", action="store_true", help="disability, elderly, pregnant")
    p.add_argument("--no-print", action="store_true", help="queue the printout but do not wait for it")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ticket_take)
    p = ticket.add_parser("call", parents=[common], help="call the next (or a given) ticket")
    p.add_argument("--counter", type=int, required=True)
    p.add_argument("--service", action="append", help="only these services (repeatable)")
    p.add_argument("--number", help="call this ticket, e.g. B-007")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ticket_call)
    p = ticket.add_parser("list", parents=[common], help="today's tickets")
    p.add_argument("--status", choices=("waiting", "called", "serving", "done", "no_show", "transferred"))
    p.add_argument("--date", help="YYYY-MM-DD (default today)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ticket_list)

    printer = sub.add_parser("printer", help="test the printer, list and retry print jobs").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = printer.add_parser("test", parents=[common], help="print a test page now")
    p.set_defaults(func=cmd_printer_test)
    p = printer.add_parser("jobs", parents=[common], help="recent print jobs")
    p.add_argument("--status", choices=("queued", "printing", "printed", "failed"))
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_printer_jobs)
    p = printer.add_parser("retry", parents=[common], help="retry failed print jobs now")
    p.add_argument("--job", help="only this job id")
    p.set_defaults(func=cmd_printer_retry)
    user = sub.add_parser("user", help="officer accounts").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = user.add_parser("add", parents=[common], help="add an account (PIN asked, or PST_KIOSK_NEW_PIN)")
    p.add_argument("username")
    p.add_argument("--name")
    p.add_argument("--role", required=True, choices=("petugas", "bendahara", "admin"))
    p.set_defaults(func=cmd_user_add)
    p = user.add_parser("list", parents=[common], help="list accounts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_user_list)
    p = user.add_parser("disable", parents=[common], help="disable an account")
    p.add_argument("username")
    p.set_defaults(func=cmd_user_disable)
    p = user.add_parser("reset-pin", parents=[common], help="set a new PIN and unlock")
    p.add_argument("username")
    p.set_defaults(func=cmd_user_reset_pin)

    p = sub.add_parser("audit", parents=[common], help="the audit trail, newest first")
    p.add_argument("--since", help="YYYY-MM-DD")
    p.add_argument("--by", dest="user_filter", metavar="USERNAME")
    p.add_argument("--action", help="prefix, e.g. locker. or login")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser("purge", parents=[common], help="anonymise guests past retention (admin)")
    p.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("catalogue", parents=[common], help="products and tariffs in force")
    p.add_argument("--date", help="the regulation in force on this day, YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_catalogue)

    order = sub.add_parser("order", help="sales orders").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = order.add_parser("list", parents=[common], help="orders, newest first")
    p.add_argument("--status", choices=("draft", "agreed", "checked", "invoiced", "paid", "receipted",
                                        "delivered", "referred", "cancelled"))
    p.add_argument("--awaiting-payment", action="store_true")
    p.add_argument("--expiring", type=int, metavar="DAYS", help="invoices expiring within DAYS")
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_order_list)
    p = order.add_parser("show", parents=[common], help="one order with its invoices, payments, receipt")
    p.add_argument("order", help="order number (ORD/1373/2026/0001) or id")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_order_show)

    rp = sub.add_parser("report", help="visits, waiting times, sales, IKM").add_subparsers(
        dest="period", required=True, metavar="PERIOD")
    for period, helptext in (("day", "one day (default today)"), ("month", "one month (default this month)"),
                             ("range", "from a day to a day")):
        p = rp.add_parser(period, parents=[common], help=helptext)
        if period == "day":
            p.add_argument("--date", help="YYYY-MM-DD")
        elif period == "month":
            p.add_argument("--month", help="YYYY-MM")
        else:
            p.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
            p.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        fmt = p.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true")
        fmt.add_argument("--csv", action="store_true")
        p.set_defaults(func=cmd_report)

    central_p = sub.add_parser("central", help="the central PostgreSQL store").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = central_p.add_parser("init", parents=[common], help="create or migrate the central schema")
    p.add_argument("--dsn", help="PostgreSQL DSN (default: config central_dsn / PST_KIOSK_CENTRAL_DSN)")
    p.add_argument("--role-prefix", help="office role names: PREFIX + office code (default pst_office_)")
    p.set_defaults(func=cmd_central_init)
    p = central_p.add_parser("add-office", parents=[common], help="an office's row and login role")
    p.add_argument("code")
    p.add_argument("--name")
    p.add_argument("--dsn")
    p.set_defaults(func=cmd_central_add_office)
    p = central_p.add_parser("publish", parents=[common], help="publish reference data to offices")
    p.add_argument("kind", choices=("catalogue", "holidays", "officers"))
    p.add_argument("file", help="TOML or JSON")
    p.add_argument("--office", help="only this office (default: all)")
    p.add_argument("--dsn")
    p.set_defaults(func=cmd_central_publish)

    p = sub.add_parser("sync", parents=[common], help="push the outbox, pull reference data")
    p.add_argument("--status", action="store_true", help="only show the state")
    p.add_argument("--dsn")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_sync)
    p = sub.add_parser("restore", parents=[common], help="rebuild an empty store from the central store")
    p.add_argument("--office", required=True)
    p.add_argument("--dsn")
    p.set_defaults(func=cmd_restore)

    locker = sub.add_parser("locker", help="lockers holding ID cards").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = locker.add_parser("list", parents=[common], help="open lockers (cards not returned)")
    p.add_argument("--date", help="only cards kept on this day, YYYY-MM-DD (closing time)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_locker_list)
    return parser


def main(argv: Sequence[str] | None = None, *, faces: dict[str, Face] | None = None,
         serve: Face | None = None) -> int:
    parser = build_parser(faces or {}, serve)
    args = parser.parse_args(argv)
    for name in ("db", "config", "lang", "user"):
        if not hasattr(args, name):
            setattr(args, name, None)
    ctx: Context | None = None
    lang = args.lang or "id"
    try:
        ctx = Context(args)
        lang = ctx.lang
        if args.func is None:
            run_face = getattr(args, "face_fn", None) or args.face
            return int(run_face(ctx.settings, args) or 0)
        return args.func(ctx)
    except DomainError as exc:
        print(f"pst-kiosk: {exc.message(lang)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - last resort: one line, no traceback
        if os.environ.get("PST_KIOSK_DEBUG"):
            raise
        print(f"pst-kiosk: {t('error.internal', lang)} ({type(exc).__name__}: {exc})", file=sys.stderr)
        return EXIT_UNEXPECTED
    finally:
        if ctx is not None:
            ctx.close()

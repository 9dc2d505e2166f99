"""Commands of the desk: init, tickets, printer."""

from __future__ import annotations

import sys

from kiosk import config as config_mod
from kiosk import printing
from kiosk.commands.common import Context, _check_counter, _out, _service_name, fit, parse_day, save_config
from kiosk.errors import NotFound, PrinterError
from kiosk.estimate import describe
from kiosk.i18n import t
from kiosk.tickets import issue_ticket, queue_for


def cmd_init(ctx: Context) -> int:
    args = ctx.args
    path = config_mod.config_path(args.config)
    raw = config_mod.read_file(path)
    office = raw.setdefault("office", {})
    for option, key in (("office_code", "code"), ("office_name", "name"), ("address", "address"),
                        ("city", "city"), ("treasurer", "treasurer_name"),
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
    exit_code = save_config(ctx, path, raw)
    store = ctx.store  # creates and migrates
    store.set_meta("office_code", ctx.settings.office.code)
    office_s = ctx.settings.office
    print(t("cli.init_done", ctx.lang, config=str(path), db=str(store.path),
            code=office_s.code, name=office_s.name, counters=office_s.counters,
            tz=office_s.timezone, printer=ctx.settings.printer.url))
    if exit_code:
        print(t("cli.exit_code", ctx.lang, code=exit_code))
    return 0


def _print_now(ctx: Context, job_id: str) -> printing.PrintResult | None:
    return printing.print_job(ctx.store, ctx.settings, job_id)


def cmd_ticket_take(ctx: Context) -> int:
    issued = issue_ticket(ctx.store, ctx.settings, ctx.args.service, priority=ctx.args.priority)
    result = None if ctx.args.no_print else _print_now(ctx, issued.job_id)
    printed = bool(result and result.printed)
    if ctx.args.json:
        told = issued.estimate
        _out({**issued.ticket.public(), "ahead": issued.ahead,
              "estimate": {"low": told.low, "high": told.high} if told else None, "printed": printed,
              "print_job": issued.job_id,
              "print_problem": None if printed or result is None else result.reason})
    else:
        tk = issued.ticket
        print(f"{tk.number}  {_service_name(tk.service, ctx.lang)}  "
              f"({t('cli.ahead', ctx.lang, count=issued.ahead)}; {describe(issued.estimate, ctx.lang)})")
    if result is not None and not printed:  # the ticket stands: exit 0, "printed": false
        if result.reason == "none":
            print(f"pst-kiosk: {t('cli.not_printed_none', ctx.lang)}", file=sys.stderr)
        else:
            print(f"pst-kiosk: {t('cli.not_printed', ctx.lang, problem=result.message(ctx.lang))}",
                  file=sys.stderr)
    return 0


def cmd_ticket_call(ctx: Context) -> int:
    counter = _check_counter(ctx, ctx.args.counter)
    queue = queue_for(ctx.store, ctx.settings).as_user(ctx.actor)
    if ctx.args.number is not None:  # an empty --number is a bad number, not "the next"
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

    queue = queue_for(ctx.store, ctx.settings)
    day = parse_day(ctx.args.date) if ctx.args.date is not None else None
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
        print(f"{job.id}  {job.created_at.astimezone(tz):%d-%m %H:%M:%S}  {fit(job.kind, 7)} "
              f"{fit(job.label, 21)} {fit(t('cli.job.' + job.status, ctx.lang), 10)} "
              f"{job.attempts:>2}x  {printing.fault_text(job.last_error, ctx.lang)}".rstrip())
    if not found:
        print(t("cli.no_jobs", ctx.lang))
    return 0


def cmd_printer_retry(ctx: Context) -> int:
    if ctx.args.job is not None and not ctx.args.job.strip():
        raise NotFound("error.unknown_job", job="''")
    results = printing.retry(ctx.store, ctx.settings, job_id=ctx.args.job,
                             include_expired=ctx.args.all)
    printed = sum(1 for r in results if r.printed)
    failed = [r for r in results if not r.printed]
    if not results:
        print(t("cli.retry_nothing", ctx.lang))
        return 0
    if printed or not failed:
        print(t("cli.retried", ctx.lang, printed=printed))
    if failed:  # the retry stops at the first failure: the rest were not tried
        raise PrinterError("cli.retry_stopped", problem=failed[0].message(ctx.lang),
                           waiting=printing.waiting(ctx.store))
    return 0

"""Commands of the desk: init, tickets, printer."""

from __future__ import annotations

import sys

from kiosk import config as config_mod
from kiosk import printing
from kiosk.commands.common import Context, _check_counter, _out, _service_name, fit, parse_day, save_config
from kiosk.errors import FieldInvalid, Invalid, NotFound, PrinterError
from kiosk.estimate import describe
from kiosk.i18n import t
from kiosk.tickets import issue_ticket, queue_for


def cmd_init(ctx: Context) -> int:
    args = ctx.args
    path = config_mod.config_path(args.config)
    raw = config_mod.read_file(path)
    office = raw.setdefault("office", {})
    sources: dict[tuple[str, ...], str] = {}  # a value refused names its option, not the file
    for option, key in (("office_code", "code"), ("office_name", "name"), ("address", "address"),
                        ("city", "city"), ("treasurer", "treasurer_name"),
                        ("phone", "phone"), ("email", "email"), ("counters", "counters"),
                        ("timezone", "timezone")):
        value = getattr(args, option)
        if value is not None:
            office[key] = value
            sources[("office", key)] = "--" + option.replace("_", "-")
    if args.complaint:
        office["complaint_channels"] = list(args.complaint)
        sources[("office", "complaint_channels")] = "--complaint"
    printer = raw.setdefault("printer", {})
    if args.printer is not None:
        printer["url"] = args.printer
        sources[("printer", "url")] = "--printer"
    if args.paper is not None:
        printer["paper_mm"] = args.paper
        sources[("printer", "paper_mm")] = "--paper"
    exit_code = save_config(ctx, path, raw, sources)
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
    sent = bool(result and result.sent)
    if ctx.args.json:
        # "printed" only when the printer confirmed it; "sent" when it went to a connection
        # that cannot answer; print_state says which (or failed, held, not_tried).
        told = issued.estimate
        _out({**issued.ticket.public(), "ahead": issued.ahead,
              "estimate": {"low": told.low, "high": told.high} if told else None,
              "printed": printed, "sent": sent,
              "print_state": _print_state(ctx, result, issued.job_id),
              "print_job": issued.job_id, "printer": ctx.settings.destination("kiosk"),
              "print_problem": None if printed or sent or result is None else result.reason})
    else:
        tk = issued.ticket
        print(f"{tk.number}  {_service_name(tk.service, ctx.lang)}  "
              f"({t('cli.ahead', ctx.lang, count=issued.ahead)}; {describe(issued.estimate, ctx.lang)})")
    if sent:  # the ticket stands, but nobody knows whether paper came out
        print(f"pst-kiosk: {t('printing.ticket_sent', ctx.lang, printer=result.printer)}", file=sys.stderr)
    elif result is not None and not printed:  # the ticket stands: exit 0, "printed": false
        if result.reason == "none":
            print(f"pst-kiosk: {t('cli.not_printed_none', ctx.lang)}", file=sys.stderr)
        else:
            print(f"pst-kiosk: {t('cli.not_printed', ctx.lang, problem=result.message(ctx.lang))}",
                  file=sys.stderr)
    return 0


def _print_state(ctx: Context, result: printing.PrintResult | None, job_id: str) -> str:
    if result is None:
        return "not_tried"
    row = ctx.store.row("SELECT status FROM print_jobs WHERE id = ?", (job_id,))
    return row["status"] if row else result.state


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

    from contextlib import nullcontext

    from kiosk import archive

    day = parse_day(ctx.args.date) if ctx.args.date is not None else None
    # A day past [retention] detail_days is read from the archive.
    with archive.view(ctx.store, day, day, ("tickets",)) if day else nullcontext(ctx.store) as store:
        tickets = queue_for(store, ctx.settings).list(status=ctx.args.status, day=day)
        if archive.unreadable(store):
            print(t("archive.day_incomplete", ctx.lang, day=day.isoformat()), file=sys.stderr)
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
    name = ctx.args.printer_name or ctx.settings.destination("kiosk")
    job_id = printing.queue_test_page(ctx.store, ctx.settings, name)
    result = _print_now(ctx, job_id)
    shown = f"{name} ({printing.printer_url(ctx.settings, name)})" if ":" not in name else name
    if result and result.printed:
        print(t("printing.test_confirmed", ctx.lang, printer=shown))
        return 0
    if result and result.sent:
        print(t("printing.test_sent", ctx.lang, printer=shown))
        return 0
    raise PrinterError("cli.test_failed", printer=shown,
                       problem=result.message(ctx.lang) if result else "?")


def cmd_printer_reprint(ctx: Context) -> int:
    """A marked copy of one job, on the printer named (an officer's explicit choice)."""
    job_id = printing.reprint_job(ctx.store, ctx.args.job.strip(), actor=ctx.actor,
                                  settings=ctx.settings, printer=ctx.args.printer_name)
    result = _print_now(ctx, job_id)
    if result and (result.printed or result.sent):
        key = "printing.copy_printed" if result.printed else "printing.copy_sent"
        print(t(key, ctx.lang, printer=result.printer))
        return 0
    raise PrinterError("printing.copy_failed", printer=result.printer if result else "?",
                       problem=result.message(ctx.lang) if result else "?")


def _used_by(ctx: Context, name: str) -> list[str]:
    """Who prints on ``name``: the kiosk, counters (by number), this process."""
    s, lang = ctx.settings, ctx.lang
    if s.destination("kiosk") == name and s.destination("kiosk") not in s.printers and ":" in name:
        return [t("printing.used_process", lang)]
    used = []
    if (s.kiosk.printer or "default") == name:
        used.append(t("printing.used_kiosk", lang))
    for counter in range(1, s.office.counters + 1):
        if s.counter.printers.get(counter, s.counter.printer or "default") == name:
            used.append(t("printing.used_counter", lang, counter=counter))
    return used


def cmd_printer_status(ctx: Context) -> int:
    names = ctx.settings.printer_names()
    states = printing.printer_states(ctx.settings, names)
    waiting = printing.waiting_by_printer(ctx.store)
    rows = [{"name": name, "url": printing.printer_url(ctx.settings, name), "state": states[name],
             "used_by": _used_by(ctx, name), "waiting": waiting.get(name, 0)} for name in names]
    if ctx.args.json:
        _out(rows)
        return 0
    lang = ctx.lang
    print(f"{fit(t('printing.col_name', lang), 10)} {fit(t('printing.col_url', lang), 28)} "
          f"{fit(t('printing.col_state', lang), 26)} {fit(t('printing.col_waiting', lang), 8)} "
          f"{t('printing.col_used_by', lang)}")
    for row in rows:
        print(f"{fit(row['name'], 10)} {fit(row['url'], 28)} "
              f"{fit(t('printing.state.' + row['state'], lang), 26)} {row['waiting']:>8} "
              f"{', '.join(row['used_by'])}".rstrip())
    return 0


JOB_KINDS = ("ticket", "locker", "invoice", "receipt", "sppd", "test")


def cmd_printer_jobs(ctx: Context) -> int:
    if ctx.args.limit < 1:  # SQLite reads LIMIT 0 as none and a negative one as all
        raise Invalid({"limit": FieldInvalid("cli.limits.positive")})
    found = printing.jobs(ctx.store, status=ctx.args.status, limit=ctx.args.limit)
    if ctx.args.json:
        _out([job.model_dump(mode="json") for job in found])
        return 0
    tz = ctx.settings.office.tz
    if found:  # the columns' names, in the rows' widths
        col = {c: t(f"cli.jobs_col.{c}", ctx.lang) for c in ("id", "time", "kind", "label", "printer",
                                                              "status", "tries", "reason")}
        print(f"{fit(col['id'], 36)}  {fit(col['time'], 14)}  {fit(col['kind'], 7)} {fit(col['label'], 21)} "
              f"{fit(col['printer'], 10)} {fit(col['status'], 13)} {fit(col['tries'], 4)} {col['reason']}")
    for job in found:
        kind = t(f"cli.job_kind.{job.kind}", ctx.lang) if job.kind in JOB_KINDS else job.kind
        print(f"{job.id}  {job.created_at.astimezone(tz):%d-%m %H:%M:%S}  {fit(kind, 7)} "
              f"{fit(job.label, 21)} {fit(job.printer, 10)} {fit(t('cli.job.' + job.status, ctx.lang), 13)} "
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
    sent = sum(1 for r in results if r.sent)
    failed = [r for r in results if not (r.printed or r.sent)]
    if not results:
        print(t("cli.retry_nothing", ctx.lang))
        return 0
    if sent:
        print(t("printing.retried_sent", ctx.lang, printed=printed, sent=sent))
    elif printed or not failed:
        print(t("cli.retried", ctx.lang, printed=printed))
    # A damaged document fails only its own job (the printer went on): said each, by job.
    damaged = [r for r in failed if r.reason == printing.DAMAGED]
    for result in damaged:
        print(f"pst-kiosk: {result.job_id}: {result.message(ctx.lang)}", file=sys.stderr)
    stopped = [r for r in failed if r.reason != printing.DAMAGED]
    if stopped:  # a printer that fails gets nothing more this round: its jobs wait
        raise PrinterError("cli.retry_stopped", problem=stopped[0].message(ctx.lang),
                           waiting=printing.waiting(ctx.store))
    return PrinterError.exit_code if damaged else 0

"""The command line: a thin shell over the use cases (DESIGN.md lists the stable commands).

Errors go to stderr as one line with a documented exit status, never a traceback:
0 ok, 1 unexpected failure, 2 usage, 3 not found, 4 queue empty, 5 refused in this state,
6 configuration, 7 store, 8 printer did not print, 9 invalid input, 10 not logged in,
wrong PIN, locked or role not allowed, 11 the central store failed. When the reader of
the output goes away (``| head``, ``| grep -q``) the command stops silently with 0: what
it did is done, and a script under ``pipefail`` should not take that for a failure.

The faces are not imported here (they sit above this layer); ``screens.main`` passes
them in as ``faces``.
"""

from __future__ import annotations

import argparse
import os
import re
import select
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from kiosk.config import Settings
from kiosk.errors import DomainError
from kiosk.i18n import t

Face = Callable[[Settings, argparse.Namespace], int | None]
EXIT_UNEXPECTED = 1


def _command(module: str, name: str) -> Callable[..., int]:
    """``kiosk.commands.<module>.<name>``, imported when the command runs: a command loads
    only what it uses (``ticket take`` never pulls argon2, the centre or the reports).
    New commands are added the same way: ``set_defaults(func=_command("desk", "cmd_x"))``."""

    def run(ctx: object) -> int:
        from importlib import import_module

        return getattr(import_module(f"kiosk.commands.{module}"), name)(ctx)

    run.__qualname__ = run.__name__ = name
    return run


# -- parser -----------------------------------------------------------------------------

# argparse's own messages (English, Python 3.11+) and the catalogue key telling each one.
_USAGE_ERRORS = [
    (re.compile(r"argument (?P<arg>\S+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.*)\)"),
     "cli.usage.choice"),
    (re.compile(r"argument (?P<arg>\S+): invalid \S+ value: (?P<value>.+)"), "cli.usage.value"),
    (re.compile(r"argument (?P<arg>\S+): expected (?:one argument|at least one argument)"), "cli.usage.missing_value"),
    (re.compile(r"the following arguments are required: (?P<args>.+)"), "cli.usage.required"),
    (re.compile(r"unrecognized arguments: (?P<args>.+)"), "cli.usage.unknown"),
    (re.compile(r"argument (?P<arg>\S+): not allowed with argument (?P<other>\S+)"), "cli.usage.exclusive"),
]


def _argv_lang(argv: Sequence[str]) -> str:
    """``--lang`` as typed, before parsing succeeded (usage errors are told in it)."""
    for i, word in enumerate(argv):
        if word.startswith("--lang="):
            return "en" if word.split("=", 1)[1] == "en" else "id"
        if word == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "id"
    return "id"


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors told in the user's language on one line, plus where
    to find help, instead of the whole usage text in English. Exit status 2 as argparse."""

    argv: Sequence[str] = ()

    def error(self, message: str) -> NoReturn:
        lang = _argv_lang(_Parser.argv)
        for pattern, key in _USAGE_ERRORS:
            found = pattern.fullmatch(message)
            if found:
                message = t(key, lang, **found.groupdict())
                break
        self.exit(2, f"{self.prog}: {message}\n{t('cli.usage.help', lang, prog=self.prog)}\n")


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool, lang: str) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--db", default=default, metavar="PATH",
                        help=t("cli.help.db", lang))
    parser.add_argument("--config", default=default, metavar="PATH",
                        help=t("cli.help.config", lang))
    parser.add_argument("--lang", default=default, choices=("id", "en"),
                        help=t("cli.help.lang", lang))
    parser.add_argument("--user", default=default, metavar="USERNAME",
                        help=t("cli.help.user", lang))


def build_parser(faces: dict[str, Face], serve: Face | None = None,
                 lang: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, its help texts in ``lang`` (default: ``--lang`` as typed in
    ``_Parser.argv``, else Indonesian); argparse's own headings stay as Python has them."""
    lang = lang or _argv_lang(_Parser.argv)
    common = _Parser(add_help=False)
    _global_options(common, suppress=True, lang=lang)
    parser = _Parser(prog="pst-kiosk", description=t("cli.help.description", lang))
    _global_options(parser, suppress=False, lang=lang)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help=t("cli.help.init", lang))
    p.add_argument("--office-code", help=t("cli.help.init_office_code", lang))
    p.add_argument("--office-name")
    p.add_argument("--address")
    p.add_argument("--city", help=t("cli.help.init_city", lang))
    p.add_argument("--treasurer", help=t("cli.help.init_treasurer", lang))
    p.add_argument("--phone")
    p.add_argument("--email")
    p.add_argument("--complaint", action="append", metavar="CHANNEL",
                   help=t("cli.help.init_complaint", lang))
    p.add_argument("--counters", type=int)
    p.add_argument("--timezone", help=t("cli.help.init_timezone", lang))
    p.add_argument("--printer", help=t("cli.help.init_printer", lang))
    p.add_argument("--paper", type=int, choices=(58, 80))
    p.set_defaults(func=_command("desk", "cmd_init"))

    for name, face in faces.items():
        fp = sub.add_parser(name, parents=[common], help=t("cli.help.face", lang, name=name))
        if name == "counter":
            fp.add_argument("--counter", type=int, help=t("cli.help.face_counter", lang))
        if name == "display":
            fp.add_argument("--silent", action="store_true", help=t("cli.help.face_silent", lang))
        fp.set_defaults(func=None, face=face)

    if serve is not None:
        sp = sub.add_parser("serve", parents=[common], help=t("cli.help.serve", lang))
        sp.add_argument("face", choices=sorted(faces))
        sp.add_argument("--host", default="127.0.0.1", help=t("cli.help.serve_host", lang))
        sp.add_argument("--port", type=int, default=8000)
        sp.add_argument("--counter", type=int, help=t("cli.help.serve_counter", lang))
        sp.set_defaults(func=None, face_fn=serve)

    ticket = sub.add_parser("ticket", help=t("cli.help.ticket", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = ticket.add_parser("take", parents=[common], help=t("cli.help.ticket_take", lang))
    p.add_argument("service", help=t("cli.help.ticket_service", lang))
    p.add_argument("--priority", action="store_true", help=t("cli.help.ticket_priority", lang))
    p.add_argument("--no-print", action="store_true", help=t("cli.help.ticket_no_print", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("desk", "cmd_ticket_take"))
    p = ticket.add_parser("call", parents=[common], help=t("cli.help.ticket_call", lang))
    p.add_argument("--counter", type=int, required=True)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--service", action="append", help=t("cli.help.ticket_call_service", lang))
    which.add_argument("--number", help=t("cli.help.ticket_call_number", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("desk", "cmd_ticket_call"))
    p = ticket.add_parser("list", parents=[common], help=t("cli.help.ticket_list", lang))
    p.add_argument("--status", choices=("waiting", "called", "serving", "done", "no_show", "transferred"))
    p.add_argument("--date", help=t("cli.help.ticket_list_date", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("desk", "cmd_ticket_list"))

    printer = sub.add_parser("printer", help=t("cli.help.printer", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = printer.add_parser("test", parents=[common], help=t("cli.help.printer_test", lang))
    p.add_argument("--printer", dest="printer_name", help=t("cli.help.printer_name", lang))
    p.set_defaults(func=_command("desk", "cmd_printer_test"))
    p = printer.add_parser("reprint", parents=[common], help=t("cli.help.printer_reprint", lang))
    p.add_argument("job")
    p.add_argument("--printer", dest="printer_name", help=t("cli.help.printer_name", lang))
    p.set_defaults(func=_command("desk", "cmd_printer_reprint"))
    p = printer.add_parser("status", parents=[common], help=t("cli.help.printer_status", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("desk", "cmd_printer_status"))
    p = printer.add_parser("jobs", parents=[common], help=t("cli.help.printer_jobs", lang))
    p.add_argument("--status", choices=("queued", "printing", "printed", "sent", "failed", "held"))
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("desk", "cmd_printer_jobs"))
    p = printer.add_parser("retry", parents=[common], help=t("cli.help.printer_retry", lang))
    p.add_argument("--job", help=t("cli.help.printer_retry_job", lang))
    p.add_argument("--all", action="store_true", help=t("cli.help.printer_retry_all", lang))
    p.set_defaults(func=_command("desk", "cmd_printer_retry"))
    user = sub.add_parser("user", help=t("cli.help.user_accounts", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = user.add_parser("add", parents=[common], help=t("cli.help.user_add", lang))
    p.add_argument("username")
    p.add_argument("--name")
    p.add_argument("--role", required=True, choices=("petugas", "bendahara", "admin"))
    p.set_defaults(func=_command("admin", "cmd_user_add"))
    p = user.add_parser("list", parents=[common], help=t("cli.help.user_list", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("admin", "cmd_user_list"))
    p = user.add_parser("disable", parents=[common], help=t("cli.help.user_disable", lang))
    p.add_argument("username")
    p.set_defaults(func=_command("admin", "cmd_user_disable"))
    p = user.add_parser("enable", parents=[common], help=t("cli.help.user_enable", lang))
    p.add_argument("username")
    p.set_defaults(func=_command("admin", "cmd_user_enable"))
    p = user.add_parser("reset-pin", parents=[common], help=t("cli.help.user_reset_pin", lang))
    p.add_argument("username")
    p.set_defaults(func=_command("admin", "cmd_user_reset_pin"))

    p = sub.add_parser("audit", parents=[common], help=t("cli.help.audit", lang))
    p.add_argument("--since", help=t("cli.help.audit_since", lang))
    p.add_argument("--by", dest="user_filter", metavar="USERNAME")
    p.add_argument("--action", help=t("cli.help.audit_action", lang))
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("admin", "cmd_audit"))

    p = sub.add_parser("purge", parents=[common], help=t("cli.help.purge", lang))
    p.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    p.set_defaults(func=_command("admin", "cmd_purge"))
    guest = sub.add_parser("guest", help=t("cli.help.guest", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = guest.add_parser("show", parents=[common], help=t("cli.help.guest_show", lang))
    p.add_argument("who", metavar="ID_OR_EMAIL", help=t("cli.help.guest_who", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("admin", "cmd_guest_show"))
    p = guest.add_parser("erase", parents=[common], help=t("cli.help.guest_erase", lang))
    p.add_argument("who", metavar="ID_OR_EMAIL", help=t("cli.help.guest_who", lang))
    p.set_defaults(func=_command("admin", "cmd_guest_erase"))

    p = sub.add_parser("catalogue", parents=[common], help=t("cli.help.catalogue", lang))
    p.add_argument("--date", help=t("cli.help.catalogue_date", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("sales", "cmd_catalogue"))

    order = sub.add_parser("order", help=t("cli.help.order", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = order.add_parser("list", parents=[common], help=t("cli.help.order_list", lang))
    p.add_argument("--status", choices=("draft", "agreed", "checked", "invoiced", "paid", "receipted",
                                        "delivered", "referred", "cancelled"))
    p.add_argument("--awaiting-payment", action="store_true")
    p.add_argument("--awaiting-verification", action="store_true",
                   help=t("cli.help.order_awaiting_verification", lang))
    p.add_argument("--expiring", type=int, metavar="DAYS", help=t("cli.help.order_expiring", lang))
    p.add_argument("--limit", type=int, default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("sales", "cmd_order_list"))
    p = order.add_parser("show", parents=[common], help=t("cli.help.order_show", lang))
    p.add_argument("order", help=t("cli.help.order_number", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("sales", "cmd_order_show"))

    rp = sub.add_parser("report", help=t("cli.help.report", lang)).add_subparsers(
        dest="period", required=True, metavar="PERIOD")
    for period, helptext in (("day", t("cli.help.report_day", lang)), ("month", t("cli.help.report_month", lang)),
                             ("range", t("cli.help.report_range", lang))):
        p = rp.add_parser(period, parents=[common], help=helptext)
        if period == "day":
            p.add_argument("--date", help=t("cli.help.report_date", lang))
        elif period == "month":
            p.add_argument("--month", help=t("cli.help.report_month_value", lang))
        else:
            p.add_argument("--from", dest="date_from", required=True, help=t("cli.help.report_from", lang))
            p.add_argument("--to", dest="date_to", required=True, help=t("cli.help.report_to", lang))
        fmt = p.add_mutually_exclusive_group()
        fmt.add_argument("--json", action="store_true")
        fmt.add_argument("--csv", action="store_true")
        p.set_defaults(func=_command("sales", "cmd_report"))

    central_p = sub.add_parser("central", help=t("cli.help.central", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = central_p.add_parser("init", parents=[common], help=t("cli.help.central_init", lang))
    p.add_argument("--dsn", help=t("cli.help.central_dsn", lang))
    p.add_argument("--role-prefix", help=t("cli.help.central_role_prefix", lang))
    p.set_defaults(func=_command("central", "cmd_central_init"))
    p = central_p.add_parser("add-office", parents=[common], help=t("cli.help.central_add_office", lang))
    p.add_argument("code")
    p.add_argument("--name")
    p.add_argument("--reset-password", action="store_true", help=t("cli.help.central_reset_password", lang))
    p.add_argument("--dsn")
    p.set_defaults(func=_command("central", "cmd_central_add_office"))
    p = central_p.add_parser("publish", parents=[common], help=t("cli.help.central_publish", lang))
    p.add_argument("kind", choices=("catalogue", "holidays", "officers"))
    p.add_argument("file", help=t("cli.help.central_publish_file", lang))
    p.add_argument("--office", help=t("cli.help.central_publish_office", lang))
    p.add_argument("--dsn")
    p.set_defaults(func=_command("central", "cmd_central_publish"))
    p = central_p.add_parser("hash-pin", parents=[common], help=t("cli.help.central_hash_pin", lang))
    p.set_defaults(func=_command("central", "cmd_central_hash_pin"))

    p = sub.add_parser("sync", parents=[common], help=t("cli.help.sync", lang))
    p.add_argument("--status", action="store_true", help=t("cli.help.sync_status", lang))
    p.add_argument("--dsn")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("central", "cmd_sync"))
    p = sub.add_parser("restore", parents=[common], help=t("cli.help.restore", lang))
    p.add_argument("--office", required=True)
    p.add_argument("--terminal", metavar="ID", help=t("cli.help.restore_terminal", lang))
    p.add_argument("--id-key-file", metavar="PATH",
                   help=t("cli.help.restore_id_key_file", lang))
    p.add_argument("--dsn")
    p.set_defaults(func=_command("central", "cmd_restore"))
    key = sub.add_parser("key", help=t("cli.help.key", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = key.add_parser("export", parents=[common], help=t("cli.help.key_export", lang))
    p.add_argument("--file", required=True, metavar="PATH", help=t("cli.help.key_export_file", lang))
    p.add_argument("--force", action="store_true", help=t("cli.help.key_export_force", lang))
    p.set_defaults(func=_command("central", "cmd_key_export"))

    locker = sub.add_parser("locker", help=t("cli.help.locker", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = locker.add_parser("list", parents=[common], help=t("cli.help.locker_list", lang))
    p.add_argument("--date", help=t("cli.help.locker_list_date", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("admin", "cmd_locker_list"))
    return parser


def main(argv: Sequence[str] | None = None, *, faces: dict[str, Face] | None = None,
         serve: Face | None = None) -> int:
    _Parser.argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(faces or {}, serve, _argv_lang(_Parser.argv))
    args = parser.parse_args(argv)
    for name in ("db", "config", "lang", "user"):
        if not hasattr(args, name):
            setattr(args, name, None)
    from kiosk.commands.common import Context

    ctx: Context | None = None
    lang = args.lang or "id"
    try:
        ctx = Context(args)
        lang = ctx.lang
        if args.func is None:
            run_face = getattr(args, "face_fn", None) or args.face
            return int(run_face(ctx.settings, args) or 0)
        code = args.func(ctx)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
        return code
    except DomainError as exc:
        print(f"pst-kiosk: {_message(exc, args, lang)}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError as exc:
        if not _stdout_gone():  # a socket's broken pipe (printer, centre) is a real failure
            return _unexpected(exc, lang)
        return 0
    except Exception as exc:  # noqa: BLE001 - last resort: one line, no traceback
        return _unexpected(exc, lang)
    finally:
        if ctx is not None:
            ctx.close()


def _message(exc: DomainError, args: argparse.Namespace, lang: str) -> str:
    """The refusal's text; "log in first" says how on the command line, where there is no
    login screen."""
    if exc.key == "auth.login_required" and not (args.user or os.environ.get("PST_KIOSK_USER")):
        return t("cli.login_required", lang)
    return exc.message(lang)


def _stdout_gone() -> bool:
    """True when standard output's reader has closed it (the write end of such a pipe polls
    as an error; without poll, on Windows, a broken pipe can only be standard output's, as
    the printer and the centre turn theirs into their own errors). Standard output then
    points at /dev/null, so the interpreter's last flush stays quiet too."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # replaced by a test's capture
        return False
    if hasattr(select, "poll"):
        poll = select.poll()
        poll.register(fd, 0)
        if not any(events & (select.POLLERR | select.POLLHUP) for _, events in poll.poll(0)):
            return False
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)
    return True


def _unexpected(exc: Exception, lang: str) -> int:
    if os.environ.get("PST_KIOSK_DEBUG"):
        raise exc
    print(f"pst-kiosk: {t('error.internal', lang)} ({type(exc).__name__}: {exc})", file=sys.stderr)
    return EXIT_UNEXPECTED

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

from kiosk.commands.admin import (cmd_audit, cmd_guest_erase, cmd_guest_show, cmd_locker_list, cmd_purge,
                                  cmd_user_add, cmd_user_disable, cmd_user_list, cmd_user_reset_pin)
from kiosk.commands.central import (cmd_central_add_office, cmd_central_init, cmd_central_publish,
                                    cmd_key_export, cmd_restore, cmd_sync)
from kiosk.commands.common import Context
from kiosk.commands.desk import (cmd_init, cmd_printer_jobs, cmd_printer_retry, cmd_printer_test,
                                 cmd_ticket_call, cmd_ticket_list, cmd_ticket_take)
from kiosk.commands.sales import cmd_catalogue, cmd_order_list, cmd_order_show, cmd_report
from kiosk.config import Settings
from kiosk.errors import DomainError
from kiosk.i18n import t

Face = Callable[[Settings, argparse.Namespace], int | None]
EXIT_UNEXPECTED = 1


# -- parser -----------------------------------------------------------------------------

# argparse's own messages (English, Python 3.11+) and the catalogue key telling each one.
_USAGE_ERRORS = [
    (re.compile(r"argument (?P<arg>\S+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.*)\)"),
     "cli.usage.choice"),
    (re.compile(r"argument (?P<arg>\S+): invalid \S+ value: (?P<value>.+)"), "cli.usage.value"),
    (re.compile(r"argument (?P<arg>\S+): expected (?:one argument|at least one argument)"), "cli.usage.missing_value"),
    (re.compile(r"the following arguments are required: (?P<args>.+)"), "cli.usage.required"),
    (re.compile(r"unrecognized arguments: (?P<args>.+)"), "cli.usage.unknown"),
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
    common = _Parser(add_help=False)
    _global_options(common, suppress=True)
    parser = _Parser(
        prog="pst-kiosk", description="PST Kiosk: antrian, buku tamu, loket, cetak.")
    _global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="create or migrate the store; office settings")
    p.add_argument("--office-code", help="four digits, e.g. 1373")
    p.add_argument("--office-name")
    p.add_argument("--address")
    p.add_argument("--city", help="the place printed on receipts, e.g. Sawahlunto")
    p.add_argument("--treasurer", help="the treasurer (bendahara penerimaan) who signs invoices and receipts")
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
    which = p.add_mutually_exclusive_group()
    which.add_argument("--service", action="append", help="only these services (repeatable)")
    which.add_argument("--number", help="call this ticket, e.g. B-007")
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
    p.add_argument("--all", action="store_true", help="also tickets past their retry window")
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
    guest = sub.add_parser("guest", help="a data subject's requests (UU 27/2022, admin)").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = guest.add_parser("show", parents=[common], help="everything stored about a guest (access request)")
    p.add_argument("who", metavar="ID_OR_EMAIL", help="the ID number on the card, or the email")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_guest_show)
    p = guest.add_parser("erase", parents=[common], help="anonymise a guest now (erasure, consent withdrawn)")
    p.add_argument("who", metavar="ID_OR_EMAIL", help="the ID number on the card, or the email")
    p.set_defaults(func=cmd_guest_erase)

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
    p.add_argument("--awaiting-verification", action="store_true",
                   help="a payment recorded, waiting for the treasurer's verification")
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
    p.add_argument("--terminal", metavar="ID", help="the terminal to restore (when the office has several)")
    p.add_argument("--id-key-file", metavar="PATH",
                   help="the file from 'key export': visitors are recognised by ID number again")
    p.add_argument("--dsn")
    p.set_defaults(func=cmd_restore)
    key = sub.add_parser("key", help="the office's ID-number hash key, kept offline for a restore (admin)"
                         ).add_subparsers(dest="action", required=True, metavar="ACTION")
    p = key.add_parser("export", parents=[common], help="write the key to a new file readable by its owner only")
    p.add_argument("--file", required=True, metavar="PATH", help="e.g. on a USB stick kept locked away")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_key_export)

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
    _Parser.argv = list(sys.argv[1:] if argv is None else argv)
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

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
from typing import TYPE_CHECKING, NoReturn

from kiosk.errors import DomainError, excerpt
from kiosk.i18n import catalogue, t

if TYPE_CHECKING:  # the configuration (pydantic) loads when a command runs, not to parse
    from kiosk.config import Settings

Face = Callable[["Settings", argparse.Namespace], "int | None"]
EXIT_UNEXPECTED = 1
# ``[retention] audit_days``'s default, told in ``audit``'s and ``maintenance``'s help (the
# settings are not loaded to parse; tests hold it to ``RetentionSettings``).
AUDIT_DAYS = 30


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
    (re.compile(r"argument (?P<arg>\S+): choice: (?P<value>'.*'|\".*\") \| (?P<choices>[^'\"]*)"), "cli.usage.choice"),
    (re.compile(r"argument (?P<arg>\S+): invalid \S+ value: (?P<value>.+)"), "cli.usage.value"),
    (re.compile(r"argument (?P<arg>\S+): expected (?:one argument|at least one argument)"), "cli.usage.missing_value"),
    (re.compile(r"the following arguments are required: (?P<args>.+)"), "cli.usage.required"),
    (re.compile(r"one of the arguments (?P<args>.+) is required"), "cli.usage.required"),
    (re.compile(r"unrecognized arguments: (?P<args>.+)"), "cli.usage.unknown"),
    (re.compile(r"argument (?P<arg>\S+): not allowed with argument (?P<other>\S+)"), "cli.usage.exclusive"),
    (re.compile(r"argument (?P<arg>\S+): digits: (?P<value>.+)"), "cli.usage.digits"),
    (re.compile(r"argument (?P<arg>\S+): port: (?P<value>.+)"), "cli.usage.port"),
]


def _whole(text: str) -> int:
    """A whole-number option in ASCII digits: ``int()`` also takes ``३`` or ``１``, so
    ``--counter ३`` called to counter 3 (``kiosk.text.whole_number``, the forms' rule too)."""
    from kiosk.errors import FieldInvalid
    from kiosk.text import whole_number

    try:
        return whole_number(text)
    except FieldInvalid:
        raise argparse.ArgumentTypeError(f"digits: {text!r}") from None


def _port(text: str) -> int:
    """A TCP port, 1-65535: ``--port 99999`` reached bind() and ended in an OverflowError
    told as an unexpected failure (exit 1); it is a usage error (exit 2) like any bad option."""
    port = _whole(text)
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port: {text!r}")
    return port


def _argv_lang(argv: Sequence[str]) -> str:
    """``--lang`` as typed, before parsing succeeded (usage errors are told in it)."""
    for i, word in enumerate(argv):
        if word.startswith("--lang="):
            return "en" if word.split("=", 1)[1] == "en" else "id"
        if word == "--lang" and i + 1 < len(argv):
            return "en" if argv[i + 1] == "en" else "id"
    return "id"


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout with its "usage:" heading from the catalogue."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:  # noqa: ANN001
        super().add_usage(usage, actions, groups, t("firstday.cli.usage", _Parser.lang) if prefix is None else prefix)


# What argparse calls an argument ("service", "COMMAND") as the user reads it when missing.
_ARG_WORDS = {"service": "arg_service", "username": "arg_username", "ID_OR_EMAIL": "arg_who",
              "order": "arg_order", "code": "arg_code", "kind": "arg_kind", "file": "arg_file",
              "face": "arg_face", "COMMAND": "arg_command", "ACTION": "arg_action", "PERIOD": "arg_period"}


def _echoed(value: str) -> str:
    """A value argparse quotes (``'xyz'``), bounded as every echo (``errors.excerpt``)."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[0] + excerpt(value[1:-1]) + value[0]
    return excerpt(value)


def _arg_words(names: str, lang: str) -> str:
    return ", ".join(t(f"firstday.cli.{_ARG_WORDS[n]}", lang) if n in _ARG_WORDS else n
                     for n in (part.strip() for part in names.split(",")))


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors told in the user's language on one line, plus where
    to find help, instead of the whole usage text in English. Exit status 2 as argparse.
    Its headings ("usage:", "options:", "positional arguments:") and ``-h``'s own help come
    from the catalogue too, in ``_Parser.lang``."""

    argv: Sequence[str] = ()
    lang = "id"

    def __init__(self, *args, add_help: bool = True, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("formatter_class", _Formatter)
        parents = kwargs.pop("parents", [])
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = t("firstday.cli.positionals", _Parser.lang)
        self._optionals.title = t("firstday.cli.options", _Parser.lang)
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help=t("firstday.cli.help", _Parser.lang))
        for parent in parents:  # as argparse does, once the headings match the parents' own
            self._add_container_actions(parent)
            self._defaults.update(parent._defaults)

    def error(self, message: str) -> NoReturn:
        lang = _argv_lang(_Parser.argv)
        for pattern, key in _USAGE_ERRORS:
            found = pattern.fullmatch(message)
            if found:
                params = found.groupdict()
                if "args" in params:
                    params["args"] = _arg_words(params["args"], lang)
                if "value" in params:
                    params["value"] = _echoed(params["value"])
                if key == "cli.usage.unknown":  # what was typed, not a name of ours
                    params["args"] = excerpt(params["args"])
                message = t(key, lang, **params)
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


def _status_option(parser: argparse.ArgumentParser, codes: tuple[str, ...], words: str, lang: str) -> None:
    """``--status``: the codes scripts use, or the words the user reads (``menunggu``,
    ``tidak hadir``/``tidak-hadir``, in either language); the help lists both."""
    known = {code: code for code in codes}
    for code in codes:
        for language in ("id", "en"):
            known.setdefault(_word(t(f"{words}.{code}", language)), code)

    listed = ", ".join(f"{code} ({t(f'{words}.{code}', lang)})" for code in codes)

    def status(text: str) -> str:
        if _word(text) not in known:  # refused with the choices as the help lists them
            raise argparse.ArgumentTypeError(f"choice: {text!r} | {listed}")
        return known[_word(text)]

    parser.add_argument("--status", type=status, metavar="STATUS",
                        help=t("firstday.cli.status", lang, choices=listed))


def _word(text: str) -> str:
    return "_".join(text.lower().replace("-", " ").split())


def _period_parsers(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,
                    lang: str) -> list[argparse.ArgumentParser]:
    """``day`` (--date), ``month`` (--month) and ``range`` (--from, --to) with --json | --csv:
    the office's ``report`` and the centre's ``central report`` take the same periods."""
    parsers = []
    for period in ("day", "month", "range"):
        p = sub.add_parser(period, parents=[common], help=t(f"cli.help.report_{period}", lang))
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
        parsers.append(p)
    return parsers


def build_parser(faces: dict[str, Face], serve: Face | None = None,
                 lang: str | None = None, dashboard: Face | None = None) -> argparse.ArgumentParser:
    """The whole command line, its help texts in ``lang`` (default: ``--lang`` as typed in
    ``_Parser.argv``, else Indonesian), argparse's own headings too."""
    lang = _Parser.lang = lang or _argv_lang(_Parser.argv)
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
    p.add_argument("--counters", type=_whole)
    p.add_argument("--timezone", help=t("cli.help.init_timezone", lang))
    p.add_argument("--printer", help=t("cli.help.init_printer", lang))
    p.add_argument("--paper", type=_whole, choices=(58, 80))
    p.set_defaults(func=_command("desk", "cmd_init"))

    for name, face in faces.items():
        fp = sub.add_parser(name, parents=[common], help=t(f"firstday.cli.face_{name}", lang)
                            if f"firstday.cli.face_{name}" in catalogue() else t("cli.help.face", lang, name=name))
        if name == "counter":
            fp.add_argument("--counter", type=_whole, help=t("cli.help.face_counter", lang))
        if name == "display":
            fp.add_argument("--silent", action="store_true", help=t("cli.help.face_silent", lang))
        fp.set_defaults(func=None, face=face)

    if serve is not None:
        sp = sub.add_parser("serve", parents=[common], help=t("cli.help.serve", lang))
        sp.add_argument("face", choices=sorted([*faces, *(["central"] if dashboard else [])]))
        sp.add_argument("--host", default="127.0.0.1", help=t("cli.help.serve_host", lang))
        sp.add_argument("--port", type=_port, default=8000)
        sp.add_argument("--counter", type=_whole, help=t("cli.help.serve_counter", lang))
        sp.add_argument("--certfile", metavar="PEM", help=t("cli.help.serve_certfile", lang))
        sp.add_argument("--keyfile", metavar="PEM", help=t("cli.help.serve_keyfile", lang))
        sp.add_argument("--max-apps", type=_whole, metavar="N", help=t("cli.help.serve_max_apps", lang))
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
    p.add_argument("--counter", type=_whole, required=True)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--service", action="append", help=t("cli.help.ticket_call_service", lang))
    which.add_argument("--number", help=t("cli.help.ticket_call_number", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("desk", "cmd_ticket_call"))
    p = ticket.add_parser("list", parents=[common], help=t("cli.help.ticket_list", lang))
    _status_option(p, ("waiting", "called", "serving", "done", "no_show", "transferred"), "status", lang)
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
    _status_option(p, ("queued", "printing", "printed", "sent", "failed", "held"), "cli.job", lang)
    p.add_argument("--limit", type=_whole, default=50)
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

    p = sub.add_parser("exit-code", parents=[common], help=t("cli.help.exit_code", lang))
    p.add_argument("--renew", action="store_true", help=t("cli.help.exit_code_renew", lang))
    p.set_defaults(func=_command("admin", "cmd_exit_code"))

    said = t("firstday.setup.audit_help", lang, days=AUDIT_DAYS)
    p = sub.add_parser("audit", parents=[common], help=said, description=said)
    p.add_argument("--since", help=t("cli.help.audit_since", lang))
    p.add_argument("--by", dest="user_filter", metavar="USERNAME")
    p.add_argument("--action", help=t("cli.help.audit_action", lang))
    p.add_argument("--limit", type=_whole, default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("admin", "cmd_audit"))

    p = sub.add_parser("purge", parents=[common], help=t("cli.help.purge", lang))
    p.add_argument("--older-than", type=_whole, required=True, metavar="DAYS")
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
    _status_option(p, ("draft", "agreed", "checked", "invoiced", "paid", "receipted", "delivered",
                       "referred", "cancelled"), "sales.status", lang)
    p.add_argument("--awaiting-payment", action="store_true")
    p.add_argument("--awaiting-verification", action="store_true",
                   help=t("cli.help.order_awaiting_verification", lang))
    p.add_argument("--expiring", type=_whole, metavar="DAYS", help=t("cli.help.order_expiring", lang))
    p.add_argument("--limit", type=_whole, default=200)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("sales", "cmd_order_list"))
    p = order.add_parser("show", parents=[common], help=t("cli.help.order_show", lang))
    p.add_argument("order", help=t("cli.help.order_number", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("sales", "cmd_order_show"))

    rp = sub.add_parser("report", help=t("cli.help.report", lang)).add_subparsers(
        dest="period", required=True, metavar="PERIOD")
    for p in _period_parsers(rp, common, lang):
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
    p.add_argument("--dsn", help=t("cli.help.central_dsn", lang))
    p.set_defaults(func=_command("central", "cmd_central_add_office"))
    p = central_p.add_parser("publish", parents=[common], help=t("cli.help.central_publish", lang))
    p.add_argument("kind", choices=("catalogue", "holidays", "officers"))
    p.add_argument("file", help=t("cli.help.central_publish_file", lang))
    p.add_argument("--office", help=t("cli.help.central_publish_office", lang))
    p.add_argument("--dsn", help=t("cli.help.central_dsn", lang))
    p.set_defaults(func=_command("central", "cmd_central_publish"))
    p = central_p.add_parser("hash-pin", parents=[common], help=t("cli.help.central_hash_pin", lang))
    p.set_defaults(func=_command("central", "cmd_central_hash_pin"))
    p = central_p.add_parser("add-reader", parents=[common], help=t("centre.help.add_reader", lang))
    p.add_argument("name", help=t("centre.help.reader_name", lang))
    scope = p.add_mutually_exclusive_group(required=True)
    scope.add_argument("--province", metavar="PP", help=t("centre.help.reader_province", lang))
    scope.add_argument("--national", action="store_true", help=t("centre.help.reader_national", lang))
    p.add_argument("--reset-password", action="store_true", help=t("centre.help.reader_reset", lang))
    p.add_argument("--dsn", help=t("cli.help.central_dsn", lang))
    p.set_defaults(func=_command("centre", "cmd_central_add_reader"))
    crp = central_p.add_parser("report", help=t("centre.help.report", lang)).add_subparsers(
        dest="period", required=True, metavar="PERIOD")
    for p in _period_parsers(crp, common, lang):
        p.add_argument("--province", metavar="PP", help=t("centre.help.province", lang))
        p.add_argument("--office", metavar="CODE", help=t("centre.help.office", lang))
        p.add_argument("--dsn", help=t("cli.help.central_dsn", lang))
        p.set_defaults(func=_command("centre", "cmd_central_report"))
    if dashboard is not None:
        p = central_p.add_parser("dashboard", parents=[common], help=t("centre.help.dashboard", lang))
        p.add_argument("--province", metavar="PP", help=t("centre.help.province", lang))
        p.add_argument("--office", metavar="CODE", help=t("centre.help.office", lang))
        p.add_argument("--interval", type=_whole, default=30, metavar="SECONDS",
                       help=t("centre.help.interval", lang))
        p.add_argument("--dsn", help=t("cli.help.central_dsn", lang))
        p.set_defaults(func=None, face=dashboard)

    p = sub.add_parser("queue-page", parents=[common], help=t("cli.help.queue_page", lang))
    p.add_argument("--host", help=t("cli.help.queue_page_host", lang))
    p.add_argument("--port", type=_port, help=t("cli.help.queue_page_port", lang))
    p.set_defaults(func=_command("visitors", "cmd_queue_page"))

    p = sub.add_parser("sync", parents=[common], help=t("cli.help.sync", lang))
    p.add_argument("--status", action="store_true", help=t("cli.help.sync_status", lang))
    p.add_argument("--dsn", help=t("cli.help.central_dsn", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("central", "cmd_sync"))
    p = sub.add_parser("restore", parents=[common], help=t("cli.help.restore", lang),
                       description=t("cli.help.restore", lang))
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--office", help=t("backup.restore.help_office", lang))
    source.add_argument("--from-backup", metavar="FILE", help=t("backup.help.from_backup", lang))
    p.add_argument("--force", action="store_true", help=t("backup.help.force", lang))
    p.add_argument("--terminal", metavar="ID", help=t("cli.help.restore_terminal", lang))
    p.add_argument("--id-key-file", metavar="PATH",
                   help=t("cli.help.restore_id_key_file", lang))
    p.add_argument("--dsn", help=t("cli.help.central_dsn", lang))
    p.set_defaults(func=_command("central", "cmd_restore"))
    key = sub.add_parser("key", help=t("cli.help.key", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = key.add_parser("export", parents=[common], help=t("cli.help.key_export", lang))
    p.add_argument("--file", required=True, metavar="PATH", help=t("cli.help.key_export_file", lang))
    p.add_argument("--force", action="store_true", help=t("cli.help.key_export_force", lang))
    p.set_defaults(func=_command("central", "cmd_key_export"))

    p = sub.add_parser("backup", parents=[common], help=t("backup.help.backup", lang))
    p.add_argument("path", nargs="?", metavar="PATH", help=t("backup.help.path", lang))
    p.add_argument("--keep", type=_whole, default=7, metavar="N", help=t("backup.help.keep", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("maintenance", "cmd_backup"))
    said = t("firstday.setup.maintenance_help", lang, days=AUDIT_DAYS)
    p = sub.add_parser("maintenance", parents=[common], help=said, description=said)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("maintenance", "cmd_maintenance"))
    p = sub.add_parser("doctor", parents=[common], help=t("backup.help.doctor", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("maintenance", "cmd_doctor"))

    locker = sub.add_parser("locker", help=t("cli.help.locker", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = locker.add_parser("list", parents=[common], help=t("cli.help.locker_list", lang))
    p.add_argument("--date", help=t("cli.help.locker_list_date", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("admin", "cmd_locker_list"))

    record = sub.add_parser("record", help=t("desk.help.record", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = record.add_parser("list", parents=[common], help=t("desk.help.record_list", lang))
    p.add_argument("--date", help=t("desk.help.date", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("desk_records", "cmd_record_list"))
    complaint = sub.add_parser("complaint", help=t("desk.help.complaint", lang)).add_subparsers(
        dest="action", required=True, metavar="ACTION")
    p = complaint.add_parser("list", parents=[common], help=t("desk.help.complaint_list", lang))
    p.add_argument("--all", action="store_true", help=t("desk.help.complaint_all", lang))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_command("desk_records", "cmd_complaint_list"))
    _fill_option_help(parser, lang)
    return parser


def _fill_option_help(parser: argparse.ArgumentParser, lang: str) -> None:
    """An option declared without a help text gets its name's (``[optionhelp]``), so no
    option in ``--help`` stands unexplained."""
    known = catalogue()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in {id(p): p for p in action.choices.values()}.values():
                _fill_option_help(sub, lang)
        elif action.help is None and action.option_strings:
            name = action.option_strings[-1].lstrip("-")
            if f"optionhelp.{name}" in known:
                action.help = t(f"optionhelp.{name}", lang)


def main(argv: Sequence[str] | None = None, *, faces: dict[str, Face] | None = None,
         serve: Face | None = None, dashboard: Face | None = None) -> int:
    _Parser.argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(faces or {}, serve, _argv_lang(_Parser.argv), dashboard=dashboard)
    args = parser.parse_args(argv)
    for name in ("db", "config", "lang", "user"):
        if not hasattr(args, name):
            setattr(args, name, None)
    from kiosk.commands.common import Context

    ctx: Context | None = None
    lang = args.lang or "id"
    streams = sys.stdout, sys.stderr
    try:
        ctx = Context(args)
        lang = ctx.lang
        if args.func is None:
            run_face = getattr(args, "face_fn", None) or args.face
            if (args.face if isinstance(args.face, str) else args.command) == "kiosk":
                from kiosk.commands.common import tell_exit_code

                tell_exit_code(ctx)  # never empty, never the office code (issue 12)
            return int(run_face(ctx.settings, args) or 0)
        from kiosk.text import SafeOutput

        # Whatever the store holds, no control character reaches the reader's terminal.
        sys.stdout, sys.stderr = SafeOutput(sys.stdout), SafeOutput(sys.stderr)
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
        return _unexpected(exc, lang, ctx)
    finally:
        if ctx is not None:
            ctx.close()
        sys.stdout, sys.stderr = streams  # back to the streams the caller gave


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


def _unexpected(exc: Exception, lang: str, ctx: Context | None = None) -> int:
    if os.environ.get("PST_KIOSK_DEBUG"):
        raise exc
    import sqlite3

    from kiosk.errors import StoreError
    from kiosk.store import write_refused

    # A store damaged inside (a page of some table) opens, and fails only where it is read:
    # say so, and how to come back from it, as an unreadable header is told at start.
    if isinstance(exc, sqlite3.DatabaseError) and (
            (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (11, 26) or "malformed" in str(exc)):
        path = str(ctx.settings.db_path) if ctx is not None else "?"
        print(f"pst-kiosk: {t('backup.store_corrupt', lang, path=path, detail=str(exc))}", file=sys.stderr)
        return StoreError.exit_code
    refused = write_refused(ctx.settings.db_path if ctx is not None else "?", exc) if isinstance(
        exc, sqlite3.OperationalError) else None
    if refused is not None:
        # Opened, but a write refused: a file made read-only (or immutable) under a running
        # office, or a disk full (maintenance needs room to move rows before it frees any).
        print(f"pst-kiosk: {refused.message(lang)}", file=sys.stderr)
        return StoreError.exit_code
    print(f"pst-kiosk: {t('error.internal', lang)} ({type(exc).__name__}: {exc})", file=sys.stderr)
    return EXIT_UNEXPECTED

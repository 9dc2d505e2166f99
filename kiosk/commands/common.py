"""What every command shares: the context (settings, store, officer), output helpers."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk import config as config_mod
from kiosk.errors import FieldInvalid, Invalid, NotFound
from kiosk.i18n import t

if TYPE_CHECKING:  # accounts (argon2, audit) and the store load when a command uses them
    from kiosk import accounts
    from kiosk.store import Store


MAKERS = ("init", "restore")  # the commands that make the configuration file and the store


class Context:
    """What every command needs: settings, the store (opened lazily), the output language."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        # ``init`` and ``restore`` write the configuration and make the store: an explicit
        # path to either that is not there yet is what they are for. Every other command
        # and face refuses one (exit 6) before it opens anything or takes the screen.
        makes = getattr(args, "command", None) in MAKERS
        self.settings = config_mod.load(args.config, db=args.db, named=not makes)
        if not makes:
            config_mod.check_store_folder(self.settings)
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
            from kiosk import accounts

            pin = os.environ.get("PST_KIOSK_PIN")
            if pin is None:
                pin = _ask_pin(t("cli.pin_prompt", self.lang, username=username))
            self._actor = accounts.authenticate(self.store, username, pin)
        return self._actor

    @property
    def store(self) -> Store:
        if self._store is None:
            from kiosk.store import Store

            self._store = Store(self.settings.db_path)
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()


def parse_day(text: str, field: str = "date") -> date:
    """A YYYY-MM-DD option, or an invalid-input refusal (exit 9) naming the format."""
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise Invalid({field: FieldInvalid("cli.bad_date")}) from None


def _ask_pin(prompt: str, env: str = "PST_KIOSK_PIN") -> str:
    """Ask on the terminal; without one, say which variable gives it (``env``)."""
    if not sys.stdin.isatty():
        from kiosk.accounts import Forbidden

        raise Forbidden("cli.pin_needed", env=env)
    return getpass.getpass(prompt)


def _exit_code_weak(raw: dict[str, Any]) -> bool:
    from kiosk import accounts

    office = str(raw.get("office", {}).get("code", ""))
    return not accounts.exit_code_usable(str(raw.get("kiosk", {}).get("staff_exit_code", "")), office)


def _new_exit_code(raw: dict[str, Any]) -> str:
    from kiosk import codes

    office = str(raw.get("office", {}).get("code", ""))
    return codes.make(avoid=(office,) if office else ())


def save_config(ctx: Context, path: Path, raw: dict[str, Any],
                sources: config_mod.Sources | None = None) -> str | None:
    """Write the configuration file (with a staff exit code made if it has none, or a weak
    one: ``accounts.exit_code_usable``, and the ``--db`` given) and read the settings
    again. The exit code made now, to show once. ``sources``: the options the values came
    from (``("office", "name")`` -> ``--office-name``), named when one is refused."""
    kiosk = raw.setdefault("kiosk", {})
    made = None
    if _exit_code_weak(raw):
        made = kiosk["staff_exit_code"] = _new_exit_code(raw)
    sources = dict(sources or {})
    if ctx.args.db:
        raw["db"], sources[("db",)] = str(ctx.args.db), "--db"
    config_mod.save_file(path, {k: v for k, v in raw.items() if v != {}}, sources)
    ctx.settings = config_mod.load(path, db=ctx.args.db)
    return made


def ensure_exit_code(ctx: Context, *, renew: bool = False) -> str | None:
    """Before the kiosk starts: with no staff exit code configured, or a weak one (empty,
    the office code, ``0000``...), make one and keep it in the configuration file, where
    ``init`` keeps it. Returns the code made (None: the one configured stands); the caller
    tells it on the terminal, never on the kiosk's screen. ``renew``: a new one anyway.
    A file that cannot be written leaves the code in force for this run only (told)."""
    from kiosk import accounts

    path = config_mod.config_path(ctx.args.config)
    settings = ctx.settings
    office = settings.office.code
    if not renew and accounts.exit_code_usable(settings.kiosk.staff_exit_code, office):
        return None
    made = _new_exit_code({"office": {"code": office}})
    raw = config_mod.read_file(path)
    raw.setdefault("kiosk", {})["staff_exit_code"] = made
    try:
        config_mod.save_file(path, {k: v for k, v in raw.items() if v != {}})
    except OSError as exc:
        print(t("exit_code.not_saved", ctx.lang, config=str(path), detail=exc.strerror or str(exc)),
              file=sys.stderr)
    ctx.settings = settings.model_copy(update={"kiosk": settings.kiosk.model_copy(
        update={"staff_exit_code": made})})
    return made


def tell_exit_code(ctx: Context) -> None:
    """``ensure_exit_code`` before a kiosk starts, the code made told on standard error (the
    terminal, or the journal of a kiosk started by systemd), before the app takes the screen."""
    made = ensure_exit_code(ctx)
    if made:
        print(t("exit_code.made", ctx.lang, code=made, config=str(config_mod.config_path(ctx.args.config))),
              file=sys.stderr, flush=True)


def ask_twice(ctx: Context, env: str, prompts: tuple[str, str], *, missing: Exception,
              differ: Exception) -> str:
    """A new secret (PIN, password): ``env``'s value, else typed twice on the terminal.
    ``missing`` is raised without either, ``differ`` when the two entries differ."""
    given = os.environ.get(env)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        raise missing
    first = getpass.getpass(t(prompts[0], ctx.lang))
    if getpass.getpass(t(prompts[1], ctx.lang)) != first:
        raise differ
    return first


def _out(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def fit(text: str, width: int) -> str:
    """``text`` on one line in exactly ``width`` characters: padded, or cut with an ellipsis,
    so a long value never pushes the next columns out of line."""
    text = " ".join(str(text).split())
    return text.ljust(width) if len(text) <= width else text[:width - 1] + "…"


def _service_name(code: str, lang: str) -> str:
    from kiosk.services import by_code

    return by_code(code).name(lang)


def _check_counter(ctx: Context, counter: int) -> int:
    if not 1 <= counter <= ctx.settings.office.counters:
        raise NotFound("error.bad_counter", max=ctx.settings.office.counters)
    return counter


def _dsn(ctx: Context) -> str | None:
    """``--dsn`` or the configured one. A password on the command line is refused (exit 9):
    argv is visible to every local user (``ps``), and stays in the shell's history."""
    from kiosk.dsn import carries_password

    given = getattr(ctx.args, "dsn", None)
    if given and carries_password(given):
        raise Invalid({"dsn": FieldInvalid("dsn.password_in_argv")})
    return given or ctx.settings.central_dsn


def report_period(ctx: Context, today: date) -> tuple[date, date]:
    """The report's days from ``day [--date]``, ``month [--month]`` or ``range --from --to``
    (the office's ``report`` and the centre's ``central report``); a bad or reversed period,
    or one over ten years, is invalid input."""
    from datetime import timedelta

    from kiosk import reports

    args = ctx.args
    try:
        if args.period == "day":
            start = end = parse_day(args.date) if args.date is not None else today
        elif args.period == "month":
            start, end = reports.month_bounds(args.month or today.strftime("%Y-%m"))
        else:
            start, end = parse_day(args.date_from, "from"), parse_day(args.date_to, "to")
    except (TypeError, ValueError):  # a month that is not YYYY-MM
        raise Invalid({"month": FieldInvalid("cli.bad_date")}) from None
    if end < start:
        raise Invalid({"from": FieldInvalid("cli.range_reversed", start=start.isoformat(), end=end.isoformat())})
    if end - start > timedelta(days=3660):
        raise Invalid({"to": FieldInvalid("cli.range_too_long", years=10)})
    return start, end

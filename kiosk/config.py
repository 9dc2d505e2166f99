"""Configuration: a TOML file in the platform's config dir, validated by pydantic.

Precedence, highest first: command-line options, environment (``PST_KIOSK_DB``,
``PST_KIOSK_PRINTER``, ``PST_KIOSK_CENTRAL_DSN``), the file (``--config`` or
``PST_KIOSK_CONFIG`` or the default path), built-in defaults.
"""

from __future__ import annotations

import os
import re
import tomllib
from contextlib import suppress
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from kiosk.errors import ConfigError, excerpt

APP_NAME = "pst-kiosk"


class _Invalid(ValueError):
    """A setting's value refused by our own check, with the catalogue key that says why
    (pydantic keeps the exception; ``ConfigInvalid`` tells it in the reader's language)."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        # The value refused, as typed (an option, a variable, the file), echoed bounded.
        self.key = key
        self.params = {k: excerpt(v) if k in ("value", "name") else v for k, v in params.items()}

    def __str__(self) -> str:  # a developer's traceback (pydantic's own repr): the English words
        from kiosk.i18n import t

        return t(self.key, "en", **self.params)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


class Office(_Model):
    """The office running this desk (seed 000: BPS Kota Sawahlunto is 1373)."""

    code: str = "0000"
    name: str = Field("PST BPS", min_length=1, max_length=80)
    address: str = ""
    phone: str = ""
    email: str = ""
    complaint_channels: list[str] = Field(default_factory=list)
    counters: int = Field(3, ge=1, le=50)
    lockers: int = Field(20, ge=0, le=500)  # lockers 1..N for visitors' bags (ID card kept)
    city: str = ""  # printed as the place on receipts ("Sawahlunto, 23-11-2026")
    treasurer_name: str = ""  # bendahara penerimaan: signs invoices and receipts
    timezone: str = "Asia/Jakarta"

    @field_validator("name", "address", "phone", "email", "city", "treasurer_name", "complaint_channels")
    @classmethod
    def _printable(cls, value: str | list[str]) -> str | list[str]:
        """Printed on every ticket and receipt: no control, bidi or zero-width characters
        (an ESC is a printer command). ``init --office-name`` is refused with exit 6."""
        from kiosk.text import has_unsafe

        for text in value if isinstance(value, list) else [value]:
            if has_unsafe(text):
                raise _Invalid("firstday.setup.control")
        return value

    @field_validator("code")
    @classmethod
    def _office_code(cls, value: str) -> str:
        """BPS's four-digit code of the regency or city (1373: Kota Sawahlunto)."""
        if not re.fullmatch(r"[0-9]{4}", value):
            raise _Invalid("firstday.setup.office_code", value=value)
        return value

    @field_validator("email")
    @classmethod
    def _office_email(cls, value: str) -> str:
        """The address the privacy notice gives visitors: a real address (its form only, no
        DNS lookup), kept as written."""
        from email_validator import EmailNotValidError, validate_email

        if value.strip():
            try:
                validate_email(value.strip(), check_deliverability=False)
            except EmailNotValidError:
                raise _Invalid("firstday.setup.email", value=value) from None
        return value

    @field_validator("phone")
    @classmethod
    def _office_phone(cls, value: str) -> str:
        """A number phonenumbers knows (local numbers are Indonesian), kept as written:
        receipts print it the way the office writes it."""
        from kiosk.errors import FieldInvalid
        from kiosk.identity import phone

        if value.strip():
            try:
                phone(value)
            except FieldInvalid:
                raise _Invalid("firstday.setup.phone", value=value) from None
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise _Invalid("firstday.config.timezone", value=value) from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _check_url(value: str) -> str:
    """A mistyped printer is refused when the configuration loads, not by a face later."""
    from printers.connection import PrinterSpecError, parse_spec

    try:
        parse_spec(value)
    except PrinterSpecError:
        raise _Invalid("firstday.config.printer", value=value) from None
    return value.strip()


class PrinterSettings(_Model):
    """The printer settings every printer shares, and the one shared printer (``url``, the
    printer called "default") of an office that names no others. ``url`` as in DESIGN.md:
    network:HOST[:PORT], usb:VID:PID, ..."""

    url: str = "none"
    paper_mm: Literal[58, 80] = 80
    profile: str | None = None  # python-escpos profile; default chosen by paper width
    qr: Literal["raster", "native"] = "raster"
    timeout: float = Field(3.0, gt=0, le=60)
    status_check: bool = True  # ask the printer (DLE EOT) before sending, where it can answer
    retry_minutes: int = Field(15, ge=0, le=24 * 60)  # a ticket older than this is not retried

    @field_validator("url")
    @classmethod
    def _known_printer(cls, value: str) -> str:
        return _check_url(value)


PRINTER_NAME = r"^[a-z][a-z0-9_-]{0,31}$"  # never a URL: no colon


class NamedPrinter(_Model):
    """One of the office's printers (``[printers.NAME]``); unset fields come from ``[printer]``."""

    url: str
    paper_mm: Literal[58, 80] | None = None
    profile: str | None = None
    qr: Literal["raster", "native"] | None = None
    timeout: float | None = Field(None, gt=0, le=60)
    status_check: bool | None = None

    @field_validator("url")
    @classmethod
    def _known_printer(cls, value: str) -> str:
        return _check_url(value)


class KioskSettings(_Model):
    language: Literal["id", "en"] = "id"
    idle_seconds: int = Field(60, ge=5)
    ticket_seconds: int = Field(20, ge=3)
    staff_exit_code: str = ""  # set by `init`, or made when a kiosk starts without a usable one (issue 12)
    printer: str | None = None  # the kiosk's printer (a name in [printers]); unset: "default"


class DisplaySettings(_Model):
    voice: bool = True  # announce calls aloud where the machine can speak
    voice_text: str = "Nomor antrian {letter}, {digits}, silakan ke loket {counter}"
    voice_command: str = "espeak-ng -v id -s 135"  # the text is appended as the last argument
    chime: str = ""  # a sound file played before each announcement; empty: no chime
    chime_command: str = "aplay -q"  # plays the chime file (appended as the last argument)

    @field_validator("chime")
    @classmethod
    def _chime_exists(cls, value: str) -> str:
        if value and not Path(value).expanduser().is_file():
            raise _Invalid("firstday.setup.chime", value=value)
        return value

    @field_validator("voice_text")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        """Only {letter}, {digits}, {counter} and {number} may appear, or the display would
        fall silent at the first call."""
        import string

        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise _Invalid("firstday.config.voice_template", detail=str(exc)) from None
        unknown = names - {"letter", "digits", "counter", "number"}
        if unknown:
            raise _Invalid("firstday.config.voice_fields",
                           fields=", ".join("{" + n + "}" for n in sorted(unknown)))
        try:  # a format spec or conversion the words cannot take ({counter:d}, {digits!z})
            value.format(letter="B", digits="nol nol tujuh", counter="satu", number="B-007")
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise _Invalid("firstday.config.voice_format", detail=str(exc)) from None
        return value

    @field_validator("voice_command", "chime_command")
    @classmethod
    def _splits(cls, value: str) -> str:
        """Split as a shell would (an unbalanced quote would only fail at the first call)."""
        import shlex

        try:
            shlex.split(value)
        except ValueError as exc:
            raise _Invalid("firstday.config.voice_command", detail=str(exc)) from None
        return value


class PhoneSettings(_Model):
    """The queue on a visitor's phone (``pst-kiosk queue-page``)."""

    public_url: str = ""  # how phones reach the page, e.g. http://192.168.1.10:8080; empty: no link
    host: str = "0.0.0.0"
    port: int = Field(8080, ge=1, le=65535)
    max_clients: int = Field(200, ge=1, le=5000)  # open pages with live updates at once

    @field_validator("public_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise _Invalid("firstday.setup.http", value=value)
        return value


class NoticeSettings(_Model):
    """A message by WhatsApp or SMS when a visitor's turn nears (off unless enabled)."""

    enabled: bool = False
    gateway_url: str = ""  # the gateway's send endpoint (POST, JSON)
    # The JSON body; {phone} (E.164 digits, no +), {phone_e164} and {message} are filled in,
    # JSON-escaped. Fits common self-hosted WhatsApp gateways.
    template: str = '{"phone": "{phone}", "message": "{message}"}'
    headers: dict[str, str] = Field(default_factory=dict)  # e.g. {Authorization = "Bearer ..."}
    remaining: int = Field(3, ge=1, le=20)  # send when this many numbers (or fewer) are ahead
    attempts: int = Field(5, ge=1, le=50)
    timeout: float = Field(5.0, gt=0, le=60)

    @field_validator("template")
    @classmethod
    def _json(cls, value: str) -> str:
        import json

        filled = value.replace("{phone}", "628").replace("{phone_e164}", "+628").replace("{message}", "x")
        try:
            json.loads(filled)
        except ValueError as exc:
            raise _Invalid("firstday.setup.json", detail=str(exc)) from None
        return value

    @field_validator("gateway_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise _Invalid("firstday.setup.http", value=value)
        return value


class CounterSettings(_Model):
    lock_minutes: int = Field(5, ge=1, le=240)  # idle time before the counter screen locks
    printer: str | None = None  # every counter's printer unless named in ``printers``
    printers: dict[int, str] = Field(default_factory=dict)  # counter number -> printer name


class PrivacySettings(_Model):
    retention_days: int = Field(730, ge=30)  # guests not seen for this long are anonymised


class RetentionSettings(_Model):
    """How long the store keeps what it no longer needs (kiosk/retention.py)."""

    changes_days: int = Field(30, ge=1, le=3650)  # outbox changes the centre acknowledged
    print_jobs_days: int = Field(14, ge=1, le=3650)  # print jobs printed or expired
    audit_days: int = Field(30, ge=30, le=3650)  # audit entries the centre acknowledged (it keeps all)


class QueueSettings(_Model):
    priority_every: int = Field(3, ge=2, le=20)  # every Nth call goes to the normal queue
    service_standard_minutes: int = Field(10, ge=1)


class ServeSettings(_Model):
    """``pst-kiosk serve``: TLS for the office network, and how many tabs' apps one face
    runs at most (each is a process of ~50 MB on the office host)."""

    certfile: Path | None = None  # PEM certificate (chain); with keyfile, serve speaks HTTPS
    keyfile: Path | None = None  # its private key (unencrypted PEM), or in certfile itself
    max_apps: int = Field(4, ge=1, le=64)

    @field_validator("keyfile")
    @classmethod
    def _needs_cert(cls, value: Path | None, info: Any) -> Path | None:
        if value is not None and info.data.get("certfile") is None:
            raise _Invalid("firstday.setup.keyfile")
        return value

class DeskSettings(_Model):
    """The desk's registers (issue 15). The seeds give no answer time for complaints: it is
    the office's policy, in working days after the day one is received."""

    complaint_due_days: int = Field(5, ge=1, le=60)


class Settings(_Model):
    db: Path | None = None
    central_dsn: str | None = None
    office: Office = Field(default_factory=Office)
    printer: PrinterSettings = Field(default_factory=PrinterSettings)
    kiosk: KioskSettings = Field(default_factory=KioskSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    counter: CounterSettings = Field(default_factory=CounterSettings)
    display: DisplaySettings = Field(default_factory=DisplaySettings)
    phone: PhoneSettings = Field(default_factory=PhoneSettings)
    notice: NoticeSettings = Field(default_factory=NoticeSettings)
    serve: ServeSettings = Field(default_factory=ServeSettings)
    printers: dict[str, NamedPrinter] = Field(default_factory=dict)
    desk: DeskSettings = Field(default_factory=DeskSettings)

    # Not from the file: the printer this process prints to (PST_KIOSK_PRINTER, a name or a
    # URL) and the counter a counter face serves.
    _process_printer: str | None = PrivateAttr(None)
    _counter: int | None = PrivateAttr(None)
    # Where ``db`` was named ("--db", "PST_KIOSK_DB", "<file> (db)"); None: the default path.
    _db_source: str | None = PrivateAttr(None)

    @property
    def db_path(self) -> Path:
        return Path(self.db) if self.db else default_db_path()

    @model_validator(mode="after")
    def _routes_name_printers(self) -> Settings:
        for name in self.printers:
            if not re.match(PRINTER_NAME, name) or name == "default":
                raise _Invalid("firstday.setup.printer_name", where=f"printers.{name}", name=name)
        routes = [("kiosk.printer", self.kiosk.printer), ("counter.printer", self.counter.printer)]
        routes += [(f"counter.printers.{n}", name) for n, name in self.counter.printers.items()]
        for where, name in routes:
            if name is not None and name != "default" and name not in self.printers:
                known = ", ".join(["default", *self.printers])
                raise _Invalid("firstday.setup.no_printer", where=where, name=name, known=known)
        return self

    def at_counter(self, counter: int | None) -> Settings:
        """These settings for a counter face serving ``counter`` (its documents print there)."""
        copy = self.model_copy()
        copy._process_printer, copy._counter = self._process_printer, counter
        return copy

    def destination(self, face: Literal["kiosk", "counter"] = "kiosk") -> str:
        """The printer a document made here is for: a name ("kiosk", "loket1", "default")
        or, set for this process by PST_KIOSK_PRINTER, a URL."""
        if self._process_printer:
            return self._process_printer
        if face == "counter":
            if self._counter is not None and self._counter in self.counter.printers:
                return self.counter.printers[self._counter]
            return self.counter.printer or "default"
        return self.kiosk.printer or "default"

    def printer_names(self) -> list[str]:
        """Every printer of the office: the named ones, "default" when it is in use (or
        nothing else is named), and this process's own when that is a URL."""
        names = list(self.printers)
        routed = [self.kiosk.printer or "default",
                  *(self.counter.printers.get(n, self.counter.printer or "default")
                    for n in range(1, self.office.counters + 1))]
        if not names or self.printer.url != "none" or "default" in routed:
            names.insert(0, "default")
        if self._process_printer and self._process_printer not in names:
            names.append(self._process_printer)
        return names

    def printer_named(self, name: str) -> PrinterSettings | None:
        """The settings of the printer called ``name`` (a name or a URL); None if unknown."""
        if name == "default":
            return self.printer
        named = self.printers.get(name)
        if named is not None:
            overrides = named.model_dump(exclude_none=True)
            return self.printer.model_copy(update=overrides)
        if ":" in name or name == "none":  # a URL recorded by a process of its own
            try:
                return self.printer.model_copy(update={"url": _check_url(name)})
            except ValueError:
                return None
        return None


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "pst-kiosk.db"


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config file in force: ``--config``, else ``PST_KIOSK_CONFIG``, else the default."""
    chosen = explicit or os.environ.get("PST_KIOSK_CONFIG")
    return Path(chosen) if chosen else default_config_path()


def config_source(explicit: str | os.PathLike[str] | None = None) -> str | None:
    """Where the config path in force was named: ``--config``, ``PST_KIOSK_CONFIG``, or None
    (the default location)."""
    if explicit:
        return "--config"
    return "PST_KIOSK_CONFIG" if os.environ.get("PST_KIOSK_CONFIG") else None


# pydantic's error types as the catalogue says them (firstday.config.<type>); others keep
# pydantic's own (English) words.
_PYDANTIC_WORDS = ("less_than_equal", "greater_than_equal", "less_than", "greater_than", "int_parsing",
                   "int_type", "int_from_float", "float_parsing", "float_type", "bool_parsing", "bool_type",
                   "string_type", "string_pattern_mismatch", "string_too_short", "string_too_long",
                   "literal_error", "extra_forbidden", "missing", "list_type", "model_type", "dict_type")

Sources = dict[tuple[str, ...], str]  # a value not from the file (its place) -> where it came from


def _source_of(loc: tuple[str, ...], sources: Sources, default: str) -> str:
    """Where the value at ``loc`` came from: the source of ``loc`` or of a part holding it
    (``--complaint`` for ``office.complaint_channels.1``), else the file."""
    for end in range(len(loc), 0, -1):
        if loc[:end] in sources:
            return sources[loc[:end]]
    return default


class ConfigInvalid(ConfigError):
    """A setting pydantic refused, told in the reader's language, with where it came from:
    the file, an environment variable (``PST_KIOSK_PRINTER``) or an option (``--db``).

    Every validator of the settings raises ``_Invalid`` (a catalogue key); pydantic's own
    checks are told through ``firstday.config.<type>``. A plain ``ValueError`` from a
    validator would reach the reader as pydantic's English ("Value error, ..."): the tests
    (test_config_words.py) hold every validator to the catalogue."""

    def __init__(self, source: str, exc: ValidationError) -> None:
        first = exc.errors()[0]
        super().__init__("error.config", path=source, detail="")
        self.where = ".".join(str(part) for part in first["loc"])
        self.error = first

    def message(self, lang: str = "id") -> str:
        from kiosk.i18n import t

        err, ctx = self.error, self.error.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, _Invalid):
            why = t(cause.key, lang, **cause.params)
        elif err["type"] in _PYDANTIC_WORDS:
            params = {k: v for k, v in ctx.items() if k != "error"}
            if err["type"] == "literal_error":  # pydantic joins the choices with an English "or"
                head, joined, last = str(params.get("expected", "")).rpartition(" or ")
                if joined:
                    params["expected"] = f"{head} {t('configwords.or', lang)} {last}"
            why = t(f"firstday.config.{err['type']}", lang, **params)
        elif isinstance(cause, Exception):  # not ours: its own words, without pydantic's prefix
            why = str(cause)
        else:
            why = err["msg"]
        detail = f"{self.where}: {why}" if self.where else why
        return t("error.config", lang, path=self.params["path"], detail=detail)


class _BrokenToml(ConfigError):
    """A config file that is not TOML: the line and column in the reader's language;
    tomllib's own (English) words follow in English only."""

    def message(self, lang: str = "id") -> str:
        said = super().message(lang)
        return f"{said}: {self.params['detail']}" if lang == "en" else said


_TOML_AT = re.compile(r"^(?P<what>.*?)\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)\s*$", re.S)


def read_file(path: Path) -> dict[str, Any]:
    """The raw TOML of ``path`` ({} when it does not exist). A file that cannot be read, is
    not UTF-8 text (a BOM is allowed) or not TOML is a configuration error naming it, in
    the reader's language (tomllib's English detail only in English)."""
    return _parse(path, _read_bytes(path))


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes (None when it does not exist, or a folder on the way is a file)."""
    from kiosk.errors import os_reason

    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        import errno

        if exc.errno in (errno.EACCES, errno.EPERM):
            raise ConfigError("firstday.setup.config_unreadable", path=str(path),
                              detail_key="firstday.setup.no_read_permission") from exc
        raise ConfigError("firstday.setup.config_unreadable", path=str(path), **os_reason(exc)) from exc


def _parse(path: Path, source: bytes | None) -> dict[str, Any]:
    if source is None:
        return {}
    try:
        text = source.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError("firstday.setup.not_utf8", path=str(path), offset=exc.start + 1) from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_AT.match(str(exc))
        if found:
            raise _BrokenToml("firstday.setup.not_toml", path=str(path), line=found["line"],
                              column=found["column"], detail=found["what"]) from exc
        raise _BrokenToml("firstday.setup.not_toml_somewhere", path=str(path), detail=str(exc)) from exc


def _cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "settings"


def _code_stamp() -> list[object]:
    """What validation runs: this module, the printer specs' and the text checks' code, and
    pydantic's version (a changed check must never be skipped by a cached result)."""
    import pydantic

    here = Path(__file__).resolve()
    stamp: list[object] = [pydantic.VERSION]
    for module_file in (here, here.parent / "text.py", here.parent / "identity.py",  # the office's phone
                        here.parent.parent / "printers" / "connection.py"):
        st = os.stat(module_file)
        stamp += [str(module_file), st.st_mtime_ns, st.st_size]
    return stamp


def _cached(identity: list[object], source: bytes | None, raw: dict[str, Any],
            ) -> tuple[Settings | None, Path | None, str]:
    """The settings validated before from exactly these inputs, if kept (issue 17: building
    and running the validators is ~15 ms of every face's and command's start). Kept per
    file, environment and options in the user's cache directory, keyed by the file's bytes,
    the code that validated it, and the one outside fact a validator reads (whether the
    chime's sound file exists). A value that failed is never kept, so every error is found
    and told as before; any trouble with the cache just means validating."""
    import hashlib
    import json
    import pickle

    display = raw.get("display")
    chime = display.get("chime") if isinstance(display, dict) else None
    with suppress(OSError, ValueError, TypeError):
        name = hashlib.sha256(json.dumps(identity, default=str).encode()).hexdigest()[:32]
        chime_there = isinstance(chime, str) and bool(chime) and Path(chime).expanduser().is_file()
        key = hashlib.sha256(json.dumps([hashlib.sha256(source).hexdigest() if source is not None else None,
                                         _code_stamp(), chime, chime_there], default=str).encode()).hexdigest()
        entry = _cache_dir() / f"{name}.pickle"
        from kiosk import cachefile

        # Only a regular file this user wrote and nobody else can: unpickling runs code.
        raw = cachefile.read(entry)
        with suppress(ValueError, TypeError, LookupError, EOFError, AttributeError, ImportError,
                      pickle.UnpicklingError):
            kept_key, settings = pickle.loads(raw) if raw else (None, None)
            if kept_key == key and isinstance(settings, Settings):
                return settings, None, key
        return None, entry, key
    return None, None, ""


def _keep(entry: Path, key: str, settings: Settings) -> None:
    import pickle

    with suppress(OSError, pickle.PicklingError, TypeError, AttributeError):
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((key, settings), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, entry)  # atomic: another face never reads half a file


def load(
    config: str | os.PathLike[str] | None = None,
    *,
    db: str | os.PathLike[str] | None = None,
    printer: str | None = None,
    named: bool = False,
) -> Settings:
    """Settings from file, environment and explicit overrides, validated (or as validated
    before from the very same inputs: ``_cached``).

    ``named``: a config file named explicitly (``--config``, ``PST_KIOSK_CONFIG``) must
    exist (every command but ``init`` and ``restore``, which write it): a mistyped path
    would otherwise run silently on the defaults (office 0000). The default location may
    be missing; so may any file read without ``named`` (a use case, a test)."""
    path = config_path(config)
    named_by = config_source(config)
    if named and named_by and not path.exists():
        raise ConfigError("firstday.setup.no_config", path=str(path), source=named_by)
    source = _read_bytes(path)
    raw = _parse(path, source)
    env = os.environ
    identity: list[object] = [str(path.absolute()), str(db) if db else None, printer,
                              *(env.get(name) for name in ("PST_KIOSK_DB", "PST_KIOSK_PRINTER",
                                                           "PST_KIOSK_CENTRAL_DSN"))]
    cached, entry, key = _cached(identity, source, raw)
    if cached is not None:
        return cached
    settings = _validate(path, raw, db=db, printer=printer)
    if entry is not None:
        _keep(entry, key, settings)
    return settings


def _validate(path: Path, raw: dict[str, Any], *, db: str | os.PathLike[str] | None,
              printer: str | None) -> Settings:
    sources: Sources = {}  # a value not from the file: where it came from
    env = os.environ
    if env.get("PST_KIOSK_DB"):
        raw["db"], sources[("db",)] = env["PST_KIOSK_DB"], "PST_KIOSK_DB"
    process_printer = printer or env.get("PST_KIOSK_PRINTER") or None
    printer_source = "--printer" if printer else "PST_KIOSK_PRINTER"  # where it came from, told on error
    if env.get("PST_KIOSK_CENTRAL_DSN"):
        raw["central_dsn"], sources[("central_dsn",)] = env["PST_KIOSK_CENTRAL_DSN"], "PST_KIOSK_CENTRAL_DSN"
    if db:
        raw["db"], sources[("db",)] = str(db), "--db"
    if process_printer and not raw.get("printers"):
        # An office with one shared printer: the override is that printer (as it always was),
        # given as an address; a name can only be "default" (that very printer). A word that
        # is neither (``loket9``, ``lpt1``) is told as both: no printer has that name (these
        # do), and it is no address either (these are the forms).
        name = process_printer.strip()
        if name == "default":
            process_printer = None
        elif ":" not in name and name.lower() != "none":
            raise ConfigError("edges.process_printer_or_address", where=printer_source, name=excerpt(name),
                              known="default")
        else:
            raw.setdefault("printer", {})["url"] = process_printer
            sources[("printer", "url")] = printer_source
    try:
        settings = Settings.model_validate(raw)
        if process_printer and settings.printers:
            process_printer = process_printer.strip()
            if process_printer not in settings.printers and process_printer != "default":
                if ":" not in process_printer and process_printer != "none":  # a mistyped name
                    known = ", ".join(["default", *settings.printers])
                    raise _Invalid("firstday.setup.no_printer", where=printer_source, name=process_printer,
                                   known=known)
                _check_url(process_printer)  # an address of its own
            settings._process_printer = process_printer
    except ValidationError as exc:
        loc = tuple(str(part) for part in exc.errors()[0]["loc"])
        raise ConfigInvalid(_source_of(loc, sources, str(path)), exc) from exc
    except _Invalid as exc:  # the process's own printer (a name or a URL) is not one it knows
        if exc.key == "firstday.setup.no_printer":  # a name: the office's printers are in the file
            raise ConfigError("firstday.setup.process_printer", path=str(path), **exc.params) from exc
        raise ConfigError(exc.key, **exc.params) from exc
    if raw.get("db"):
        settings._db_source = sources.get(("db",)) or f"{path} (db)"
    return settings


def check_store_folder(settings: Settings) -> None:
    """Refuse a store path given explicitly (``--db``, ``PST_KIOSK_DB``, ``db`` in the file)
    whose folder does not exist: a typo or an unmounted disk would otherwise make a new,
    empty store there (``doctor`` calling it healthy, ``backup`` saving nothing). The
    folder existing but not the file is a first run: the store is made. The default
    location makes itself. ``init`` and ``restore`` do not call this (they make stores)."""
    source = settings._db_source
    if source is None or settings.db is None:
        return
    path = Path(settings.db).expanduser()
    if not path.parent.is_dir():
        raise ConfigError("firstday.setup.no_store_folder", path=str(path), folder=str(path.parent),
                          source=source)


def save_file(path: Path, raw: dict[str, Any], sources: Sources | None = None) -> None:
    """Write the config TOML (validated first), creating the directory, mode 0600. A value
    refused is told with its source (``sources``: ``init``'s options), else the file."""
    try:
        Settings.model_validate(raw)
    except ValidationError as exc:
        loc = tuple(str(part) for part in exc.errors()[0]["loc"])
        raise ConfigInvalid(_source_of(loc, sources or {}, str(path)), exc) from exc
    import tomli_w

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        tomli_w.dump(raw, fh)
    os.replace(tmp, path)

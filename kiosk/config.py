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
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import platformdirs

from kiosk.errors import ConfigError, excerpt

if TYPE_CHECKING:
    from pydantic import ValidationError

    from kiosk.config_models import PrinterSettings, Settings

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


def _check_url(value: str) -> str:
    """A mistyped printer is refused when the configuration loads, not by a face later."""
    from printers.connection import PrinterSpecError, parse_spec

    try:
        parse_spec(value)
    except PrinterSpecError:
        raise _Invalid("firstday.config.printer", value=value) from None
    return value.strip()


PRINTER_NAME = r"^[a-z][a-z0-9_-]{0,31}$"  # never a URL: no colon


class OfficeMethods:
    """What an office's settings compute (shared by the model and its cached view)."""

    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class SettingsMethods:
    """What the settings compute, shared by the pydantic model (``config_models.Settings``)
    and the view of validated settings read back from the cache (``SettingsView``)."""

    @property
    def db_path(self) -> Path:
        return Path(self.db) if self.db else default_db_path()

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

    def at_counter(self, counter: int | None) -> Settings:
        """These settings for a counter face serving ``counter`` (its documents print there)."""
        copy = self.model_copy()
        copy._process_printer, copy._counter = self._process_printer, counter
        return copy


_MODELS = ("Office", "PrinterSettings", "NamedPrinter", "KioskSettings", "DisplaySettings", "PhoneSettings",
           "NoticeSettings", "CounterSettings", "PrivacySettings", "RetentionSettings", "QueueSettings",
           "ServeSettings", "DeskSettings", "Settings")


def __getattr__(name: str) -> Any:
    """The pydantic models (``config.Settings``, ``config.Office``...) load on first use."""
    if name in _MODELS or name == "_Model":
        from kiosk import config_models

        return getattr(config_models, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SettingsView:
    """Validated settings read back from the cache without pydantic (issue 17): the same
    fields as plain attributes, the same properties and methods (``SettingsMethods``), and
    a copy with changes (``model_copy``) made the way pydantic makes it. Anything else of
    the model (``model_dump``, ``model_fields_set``, comparison) is asked of the very
    pydantic model these values were validated into, built on demand (``real``)."""

    _view_model = "Settings"

    def __init__(self, values: dict[str, Any], fields_set: frozenset[str]) -> None:
        self.__dict__.update(values)
        self.__dict__["_view_set"] = fields_set

    def real(self) -> Any:
        """The pydantic model of these values, as validated (not validated again)."""
        from kiosk import config_models

        model = getattr(config_models, self._view_model)
        values, private = {}, {}
        for name, value in self.__dict__.items():
            if name == "_view_set":
                continue
            if name in model.model_fields:
                values[name] = _real(value)
            else:
                private[name] = value
        made = model.model_construct(_fields_set=set(self._view_set), **values)
        for name, value in private.items():
            setattr(made, name, value)
        return made

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        if deep:
            return self.real().model_copy(update=update, deep=True)
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        if update:
            copy.__dict__.update(update)
            copy.__dict__["_view_set"] = self._view_set | set(update)
        return copy

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.real(), name)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SettingsView):
            other = other.real()
        return self.real() == other

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return repr(self.real())


class _OfficeView(OfficeMethods, SettingsView):
    _view_model = "Office"


class _TopView(SettingsMethods, SettingsView):
    _view_model = "Settings"


_VIEWS: dict[str, type[SettingsView]] = {"Office": _OfficeView, "Settings": _TopView}
for _name in _MODELS:  # one view class per model, by name (the cache pickles them by name)
    if _name not in _VIEWS:
        _VIEWS[_name] = type(f"_{_name}View", (SettingsView,), {"_view_model": _name, "__module__": __name__,
                                                                 "__qualname__": f"_{_name}View"})
        globals()[f"_{_name}View"] = _VIEWS[_name]


def _real(value: Any) -> Any:
    if isinstance(value, SettingsView):
        return value.real()
    if isinstance(value, dict):
        return {k: _real(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_real(v) for v in value]
    return value


def _view(value: Any) -> Any:
    """Validated settings (a pydantic model) as views, for the cache."""
    from pydantic import BaseModel

    if isinstance(value, dict):
        return {k: _view(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_view(v) for v in value]
    if not isinstance(value, BaseModel):
        return value
    cls = _VIEWS[type(value).__name__]
    values = {field: _view(getattr(value, field)) for field in type(value).model_fields}
    values.update(value.__pydantic_private__ or {})
    return cls(values, frozenset(value.model_fields_set))


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
# ... and those told by keys that came after that table (TOML tables cannot be reopened).
_PYDANTIC_MORE_WORDS = {"path_type": "configpath.path_type", "finite_number": "firstday.config.int_parsing",
                        "int_parsing_size": "configpath.too_large"}

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
        elif err["type"] in _PYDANTIC_MORE_WORDS:
            why = t(_PYDANTIC_MORE_WORDS[err["type"]], lang)
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
    """What validation runs: this module and the models', the printer specs' and the text
    checks' code, and pydantic's (its version file, found without importing pydantic): a
    changed check must never be skipped by a cached result."""
    from importlib.util import find_spec

    here = Path(__file__).resolve()
    spec = find_spec("pydantic")
    pydantic_version = Path(spec.origin).with_name("version.py") if spec and spec.origin else here
    stamp: list[object] = []
    for module_file in (here, here.parent / "config_models.py", here.parent / "text.py",
                        here.parent / "identity.py",  # the office's phone
                        here.parent.parent / "printers" / "connection.py", pydantic_version):
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
            if kept_key == key and isinstance(settings, _TopView):
                return settings, None, key
        return None, entry, key
    return None, None, ""


def _keep(entry: Path, key: str, settings: Settings) -> None:
    """Keep validated settings as plain views (read back without importing pydantic)."""
    import pickle

    settings = _view(settings)
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
    from pydantic import ValidationError

    from kiosk.config_models import Settings

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
    from pydantic import ValidationError

    from kiosk.config_models import Settings

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

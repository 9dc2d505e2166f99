"""Configuration: a TOML file in the platform's config dir, validated by pydantic.

Precedence, highest first: command-line options, environment (``PST_KIOSK_DB``,
``PST_KIOSK_PRINTER``, ``PST_KIOSK_CENTRAL_DSN``), the file (``--config`` or
``PST_KIOSK_CONFIG`` or the default path), built-in defaults.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kiosk.errors import ConfigError

APP_NAME = "pst-kiosk"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Office(_Model):
    """The office running this desk (seed 000: BPS Kota Sawahlunto is 1373)."""

    code: str = Field("0000", pattern=r"^[0-9]{4}$")
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
                raise ValueError("contains control or invisible characters (ESC, tab, bidi, zero-width)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class PrinterSettings(_Model):
    """Where tickets print. ``url`` as in DESIGN.md: network:HOST[:PORT], usb:VID:PID, ..."""

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
        """A mistyped printer is refused when the configuration loads, not by a face later."""
        from printers.connection import PrinterSpecError, parse_spec

        try:
            parse_spec(value)
        except PrinterSpecError as exc:
            raise ValueError(f"{exc} (also PST_KIOSK_PRINTER)") from None
        return value.strip()


class KioskSettings(_Model):
    language: Literal["id", "en"] = "id"
    idle_seconds: int = Field(60, ge=5)
    ticket_seconds: int = Field(20, ge=3)
    staff_exit_code: str = ""  # set by `init`, or made when a kiosk starts without a usable one (issue 12)


class DisplaySettings(_Model):
    voice: bool = True  # announce calls aloud where the machine can speak
    voice_text: str = "Nomor antrian {letter}, {digits}, silakan ke loket {counter}"
    voice_command: str = "espeak-ng -v id -s 135"  # the text is appended as the last argument

    @field_validator("voice_text")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        """Only {letter}, {digits}, {counter} and {number} may appear, or the display would
        fall silent at the first call."""
        import string

        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as exc:
            raise ValueError(f"not a valid template ({exc})") from None
        unknown = names - {"letter", "digits", "counter", "number"}
        if unknown:
            raise ValueError("unknown field(s) " + ", ".join("{" + n + "}" for n in sorted(unknown))
                             + "; use {letter}, {digits}, {counter}, {number}")
        try:  # a format spec or conversion the words cannot take ({counter:d}, {digits!z})
            value.format(letter="B", digits="nol nol tujuh", counter="satu", number="B-007")
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            raise ValueError(f"not a valid template ({exc}); fields are words: use plain {{counter}}") from None
        return value

    @field_validator("voice_command")
    @classmethod
    def _splits(cls, value: str) -> str:
        """Split as a shell would (an unbalanced quote would only fail at the first call)."""
        import shlex

        try:
            shlex.split(value)
        except ValueError as exc:
            raise ValueError(f"cannot be read as a command ({exc})") from None
        return value


class CounterSettings(_Model):
    lock_minutes: int = Field(5, ge=1, le=240)  # idle time before the counter screen locks


class PrivacySettings(_Model):
    retention_days: int = Field(730, ge=30)  # guests not seen for this long are anonymised


class QueueSettings(_Model):
    priority_every: int = Field(3, ge=2, le=20)  # every Nth call goes to the normal queue
    service_standard_minutes: int = Field(10, ge=1)


class Settings(_Model):
    db: Path | None = None
    central_dsn: str | None = None
    office: Office = Field(default_factory=Office)
    printer: PrinterSettings = Field(default_factory=PrinterSettings)
    kiosk: KioskSettings = Field(default_factory=KioskSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    counter: CounterSettings = Field(default_factory=CounterSettings)
    display: DisplaySettings = Field(default_factory=DisplaySettings)

    @property
    def db_path(self) -> Path:
        return Path(self.db) if self.db else default_db_path()


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_db_path() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME)) / "pst-kiosk.db"


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config file in force: ``--config``, else ``PST_KIOSK_CONFIG``, else the default."""
    chosen = explicit or os.environ.get("PST_KIOSK_CONFIG")
    return Path(chosen) if chosen else default_config_path()


def _describe(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}"


def read_file(path: Path) -> dict[str, Any]:
    """The raw TOML of ``path`` ({} when it does not exist)."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError("error.config", path=str(path), detail=str(exc)) from exc


def load(
    config: str | os.PathLike[str] | None = None,
    *,
    db: str | os.PathLike[str] | None = None,
    printer: str | None = None,
) -> Settings:
    """Settings from file, environment and explicit overrides, validated."""
    path = config_path(config)
    raw = read_file(path)
    env = os.environ
    if env.get("PST_KIOSK_DB"):
        raw["db"] = env["PST_KIOSK_DB"]
    if env.get("PST_KIOSK_PRINTER"):
        raw.setdefault("printer", {})["url"] = env["PST_KIOSK_PRINTER"]
    if env.get("PST_KIOSK_CENTRAL_DSN"):
        raw["central_dsn"] = env["PST_KIOSK_CENTRAL_DSN"]
    if db:
        raw["db"] = str(db)
    if printer:
        raw.setdefault("printer", {})["url"] = printer
    try:
        return Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("error.config", path=str(path), detail=_describe(exc)) from exc


def save_file(path: Path, raw: dict[str, Any]) -> None:
    """Write the config TOML (validated first), creating the directory, mode 0600."""
    try:
        Settings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError("error.config", path=str(path), detail=_describe(exc)) from exc
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        tomli_w.dump(raw, fh)
    os.replace(tmp, path)

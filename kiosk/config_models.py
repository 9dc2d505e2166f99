"""The settings' pydantic models (``kiosk.config`` loads and checks them).

Loaded only when settings are validated (a file not validated before, ``init``, a copy with
changes): a face started again with the same settings reads what was validated before from
the cache as plain objects (``config.SettingsView``) and never imports pydantic before its
first paint (issue 17). The methods and properties shared with those views live in
``config`` (``OfficeMethods``, ``SettingsMethods``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from kiosk.config import PRINTER_NAME, OfficeMethods, SettingsMethods, _check_url, _Invalid

_NUMBERS = {int, float, int | None, float | None}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, value: Any, info: Any) -> Any:  # noqa: ANN401
        """``detail_days = true`` is not a number of days (pydantic would read it as 1), and
        ``detail_days = "45"`` is text: said as such, so the reader drops the quotes."""
        if cls.model_fields[info.field_name].annotation in _NUMBERS:
            if isinstance(value, bool):
                raise _Invalid("firstday.config.int_type")
            if isinstance(value, str):
                raise _Invalid("confignumber.quoted", value=value)
            # 45.0 or 1e3 for a whole number is a slip, not a number of days (read as 45, 1000).
            if isinstance(value, float) and cls.model_fields[info.field_name].annotation in (int, int | None):
                raise _Invalid("firstday.config.int_type")
        return value


class Office(OfficeMethods, _Model):
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
    detail_days: int = Field(45, ge=31, le=3650)  # closed days' visit detail, then kept packed (kiosk/archive.py)


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


class Settings(SettingsMethods, _Model):
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

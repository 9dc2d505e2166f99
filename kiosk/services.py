"""The PST services offered at the desk, from ``data/services.toml``."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache

import data
from kiosk.errors import ConfigError, NotFound, excerpt

# Textual's Digits draws only these letters large on the display.
DISPLAY_LETTERS = set("ABCDEF")

_CODE = re.compile(r"[a-z][a-z0-9_-]*")
_LETTER = re.compile(r"[A-Z]")
_FIELDS = ("code", "letter", "name_id", "name_en", "short_id", "short_en")
_REQUIRED = {"code", "letter", "name_id", "name_en"}


@dataclass(frozen=True)
class Service:
    """One service (a plain frozen class: every face reads the services before its first
    paint, and pydantic is loaded only to tell what is wrong with a bad file)."""

    code: str
    letter: str
    name_id: str
    name_en: str
    short_id: str | None = None  # for narrow columns ("Penjualan")
    short_en: str | None = None

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id

    def short_name(self, lang: str) -> str:
        """A short name where the full one does not fit; the full name if none is given."""
        return (self.short_en if lang == "en" else self.short_id) or self.name(lang)


def _plainly_valid(raw: object) -> bool:
    """Whether ``raw`` is a services file the checks of ``_check`` accept as it is (text
    where text is due, patterns, lengths, unique letters and codes drawn by the display)."""
    if not isinstance(raw, dict) or set(raw) != {"service"}:
        return False
    entries = raw["service"]
    if not isinstance(entries, list) or not entries:
        return False
    for entry in entries:
        if not isinstance(entry, dict) or not set(entry) <= set(_FIELDS) or not _REQUIRED <= set(entry):
            return False
        if not all(type(v) is str and v for k, v in entry.items() if k in _REQUIRED):
            return False
        if not all(entry.get(k) is None or (type(entry[k]) is str and entry[k]) for k in ("short_id", "short_en")):
            return False
        if not _CODE.fullmatch(entry["code"]) or not _LETTER.fullmatch(entry["letter"]):
            return False
    letters = [e["letter"] for e in entries]
    codes = [e["code"] for e in entries]
    return len(set(letters)) == len(letters) and len(set(codes)) == len(codes) and set(letters) <= DISPLAY_LETTERS


def _check(raw: object) -> list[dict]:
    """The file's services by pydantic's checks, which tell what is wrong (ValidationError)."""
    from pydantic import BaseModel, ConfigDict, Field, model_validator

    class ServiceModel(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True)

        code: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
        letter: str = Field(pattern=r"^[A-Z]$")
        name_id: str = Field(min_length=1)
        name_en: str = Field(min_length=1)
        short_id: str | None = Field(None, min_length=1)
        short_en: str | None = Field(None, min_length=1)

    class ServiceList(BaseModel):
        service: list[ServiceModel] = Field(min_length=1)

        @model_validator(mode="after")
        def _unique(self) -> ServiceList:
            letters = [s.letter for s in self.service]
            codes = [s.code for s in self.service]
            if len(set(letters)) != len(letters) or len(set(codes)) != len(codes):
                raise ValueError("service letters and codes must be unique")
            bad = [s.letter for s in self.service if s.letter not in DISPLAY_LETTERS]
            if bad:
                raise ValueError(f"letters {bad} cannot be drawn by the display; use A-F")
            return self

    return [s.model_dump() for s in ServiceList.model_validate(raw).service]


@lru_cache(maxsize=1)
def all_services() -> tuple[Service, ...]:
    path = data.path("services.toml")
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError("error.config", path=str(path), detail=str(exc)) from exc
    if _plainly_valid(raw):
        entries = raw["service"]
    else:
        from pydantic import ValidationError

        try:
            entries = _check(raw)
        except ValidationError as exc:
            raise ConfigError("error.config", path=str(path), detail=str(exc)) from exc
    return tuple(Service(**{k: entry.get(k) for k in _FIELDS}) for entry in entries)


def find_service(text: str) -> Service:
    """A service by letter (``B``) or short name (``penjualan``), case-insensitive."""
    wanted = text.strip().lower()
    for service in all_services():
        if wanted in (service.code, service.letter.lower()):
            return service
    choices = ", ".join(f"{s.letter}/{s.code}" for s in all_services())
    raise NotFound("error.unknown_service", service=excerpt(text), choices=choices)


def by_code(code: str) -> Service:
    for service in all_services():
        if service.code == code:
            return service
    raise NotFound("error.unknown_service", service=excerpt(code),
                   choices=", ".join(s.code for s in all_services()))

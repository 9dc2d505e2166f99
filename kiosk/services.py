"""The PST services offered at the desk, from ``data/services.toml``."""

from __future__ import annotations

import tomllib
from functools import lru_cache

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

import data
from kiosk.errors import ConfigError, NotFound, excerpt

# Textual's Digits draws only these letters large on the display.
DISPLAY_LETTERS = set("ABCDEF")


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    letter: str = Field(pattern=r"^[A-Z]$")
    name_id: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    short_id: str | None = Field(None, min_length=1)  # for narrow columns ("Penjualan")
    short_en: str | None = Field(None, min_length=1)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id

    def short_name(self, lang: str) -> str:
        """A short name where the full one does not fit; the full name if none is given."""
        return (self.short_en if lang == "en" else self.short_id) or self.name(lang)


class ServiceList(BaseModel):
    service: list[Service] = Field(min_length=1)

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


@lru_cache(maxsize=1)
def all_services() -> tuple[Service, ...]:
    path = data.path("services.toml")
    try:
        with path.open("rb") as fh:
            parsed = ServiceList.model_validate(tomllib.load(fh))
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ConfigError("error.config", path=str(path), detail=str(exc)) from exc
    return tuple(parsed.service)


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

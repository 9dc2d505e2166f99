"""BPS's statistical subjects (``data/subjects.toml``): what a consultation was about."""

from __future__ import annotations

import tomllib
from functools import lru_cache

from pydantic import BaseModel, ConfigDict

import data


class Subject(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    code: str
    name_id: str
    name_en: str

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id


@lru_cache(maxsize=1)
def subjects() -> tuple[Subject, ...]:
    """Every subject in the file's order."""
    with data.path("subjects.toml").open("rb") as fh:
        return tuple(Subject.model_validate(s) for s in tomllib.load(fh)["subject"])


def subject_name(code: str | None, lang: str) -> str:
    """The subject's name; an unknown code (removed since) as it is; ``-`` for none."""
    if not code:
        return "-"
    return next((s.name(lang) for s in subjects() if s.code == code), code)


def known(code: str) -> bool:
    return any(s.code == code for s in subjects())

"""The one catalogue of user-facing text, Bahasa Indonesia first, English second.

Strings live in ``data/strings.toml`` as ``[key] id = "..." en = "..."``.
``t("kiosk.ahead", "en", count=3)`` formats the English text.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from typing import Any

import data

LANGUAGES = ("id", "en")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """All strings by key, loaded once."""
    with data.path("strings.toml").open("rb") as fh:
        raw = tomllib.load(fh)
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict[str, Any]) -> None:
        if "id" in node and isinstance(node["id"], str):
            flat[prefix] = {lang: node[lang] for lang in LANGUAGES if lang in node}
            return
        for name, child in node.items():
            walk(f"{prefix}.{name}" if prefix else name, child)

    walk("", raw)
    return flat


def t(key: str, lang: str = "id", /, **params: Any) -> str:
    """The text for ``key`` in ``lang`` (falling back to Indonesian), formatted with params."""
    entry = catalogue()[key]
    text = entry.get(lang) or entry["id"]
    return text.format(**params) if params else text

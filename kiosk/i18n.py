"""The one catalogue of user-facing text, Bahasa Indonesia first, English second.

Strings live in ``data/strings.toml`` as ``[key] id = "..." en = "..."``.
``t("kiosk.ahead", "en", count=3)`` formats the English text.
"""

from __future__ import annotations

import hashlib
import json
import os
import tomllib
from contextlib import suppress
from functools import lru_cache
from pathlib import Path
from typing import Any

import platformdirs

import data

LANGUAGES = ("id", "en")


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """All strings by key, loaded once per process.

    Parsing the TOML takes ~7 ms, a tenth of a face's start; the flattened catalogue is
    kept as JSON in the user's cache directory, keyed by the file's SHA-256, so an edited
    catalogue is never served stale. Any trouble with the cache just means parsing."""
    source = data.path("strings.toml").read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    cache = Path(platformdirs.user_cache_dir("pst-kiosk")) / "strings.json"
    from kiosk import cachefile

    with suppress(ValueError, LookupError, TypeError, AttributeError):
        cached = json.loads(cachefile.read(cache) or b"null")
        if cached["sha256"] == digest and isinstance(cached["strings"], dict):
            return cached["strings"]
    flat = _flatten(tomllib.loads(source.decode()))
    with suppress(OSError):
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps({"sha256": digest, "strings": flat}, ensure_ascii=False),
                           encoding="utf-8")
        os.replace(partial, cache)  # atomic: another face never reads half a file
    return flat


def _flatten(raw: dict[str, Any]) -> dict[str, dict[str, str]]:
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

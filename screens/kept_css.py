"""Textual's parsed CSS, kept between starts (issue 17).

Textual parses every CSS source a face uses when it starts: its ``.tcss`` file and each
widget's ``DEFAULT_CSS`` (Button's alone is ~7 KB), ~10-25 ms of a face's first paint, the
same rules every time. ``keep_parsed_css(app)`` lets the app's stylesheet look a source up
in a file in the user's cache directory first: one per face and Textual install, each rule
list keyed by the source's text, where it was read from, and the CSS variables (the theme)
it was parsed with, so an edited ``.tcss``, another theme or another Textual is parsed
afresh. Rules parsed anew are written after the first paint (``keep``). Any trouble with the
file, or a Textual whose stylesheet no longer has the parse cache this wraps, just means
parsing as before.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

MAX_KEPT = 400  # rule lists in one file; beyond, only what the last start used is kept


class _KeptRules:
    """Stands in for ``Stylesheet._parse_cache`` (Textual's in-memory LRU cache): misses
    are looked up in the kept file before Textual parses."""

    def __init__(self, stylesheet: Any, memory: Any, path: Path) -> None:
        self._stylesheet, self._memory, self._path = stylesheet, memory, path
        self._kept: dict[str, Any] | None = None
        self._new: dict[str, Any] = {}
        self._used: set[str] = set()
        self._variables: tuple[int, str] | None = None

    def _digest(self, key: tuple) -> str:
        variables = self._stylesheet._variables
        if self._variables is None or self._variables[0] != id(variables):
            text = repr(sorted(variables.items()))
            self._variables = (id(variables), hashlib.sha256(text.encode()).hexdigest())
        return hashlib.sha256(repr((key, self._variables[1])).encode()).hexdigest()

    def _load(self) -> dict[str, Any]:
        if self._kept is None:
            self._kept = {}
            from kiosk import cachefile

            # Only a regular file this user wrote and nobody else can: unpickling runs code.
            raw = cachefile.read(self._path)
            with suppress(ValueError, TypeError, LookupError, EOFError, AttributeError, ImportError,
                          pickle.UnpicklingError):
                kept = pickle.loads(raw) if raw else None
                if isinstance(kept, dict):
                    self._kept = kept
        return self._kept

    def __getitem__(self, key: tuple) -> Any:
        with suppress(KeyError):
            return self._memory[key]
        digest = self._digest(key)
        rules = self._load().get(digest)
        if rules is None:
            raise KeyError(key)
        self._used.add(digest)
        self._memory[key] = rules
        return rules

    def __setitem__(self, key: tuple, rules: Any) -> None:
        self._memory[key] = rules
        digest = self._digest(key)
        self._new[digest] = rules
        self._used.add(digest)

    def __contains__(self, key: tuple) -> bool:
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[Any]:
        return iter(self._memory)

    def __len__(self) -> int:
        return len(self._memory)

    def clear(self) -> None:  # new variables (Stylesheet.set_variables): the digests differ
        self._memory.clear()

    def keep(self) -> None:
        """Write the rules parsed anew since the file was read (atomically: another face
        never reads half a file)."""
        if not self._new:
            return
        kept = {**self._load(), **self._new}
        if len(kept) > MAX_KEPT:
            kept = {digest: rules for digest, rules in kept.items() if digest in self._used}
        self._new = {}
        with suppress(OSError, pickle.PicklingError, TypeError, AttributeError, RecursionError):
            self._path.parent.mkdir(parents=True, exist_ok=True)
            partial = self._path.with_name(f"{self._path.name}.{os.getpid()}.tmp")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(kept, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, self._path)


def _textual_stamp() -> str:
    """Which Textual parsed the rules (its files' times and sizes: ``textual.__version__``
    reads package metadata, ~15 ms of importlib.metadata)."""
    import textual
    from textual.css import styles

    stamp = []
    for module_file in (textual.__file__, styles.__file__):
        st = os.stat(module_file)
        stamp.append((module_file, st.st_mtime_ns, st.st_size))
    return hashlib.sha256(repr(stamp).encode()).hexdigest()[:16]


def keep_parsed_css(app: Any) -> _KeptRules | None:
    """Give ``app``'s stylesheet the kept rules (before it parses anything); None when this
    Textual's stylesheet has no parse cache to stand in for."""
    stylesheet = getattr(app, "stylesheet", None)
    memory = getattr(stylesheet, "_parse_cache", None)
    if memory is None or not hasattr(stylesheet, "_variables"):
        return None
    import platformdirs

    name = f"css-{type(app).__name__}-{_textual_stamp()}.pickle"
    kept = _KeptRules(stylesheet, memory, Path(platformdirs.user_cache_dir("pst-kiosk")) / name)
    stylesheet._parse_cache = kept
    return kept

"""Free text and numbers as people type them, checked before they are stored.

- ``free_text``: what a form or an option takes (names, notes, comments, reasons): control
  characters, escape sequences, bidi overrides/isolates and zero-width characters are
  refused with a message naming the field (``text.control``), never stored.
- ``clean``: text that arrives from elsewhere (restored from or published by the centre),
  where nobody can be asked again: the unsafe characters are dropped before it is stored.
- ``whole_number``: a number typed on a form or the command line. Only ASCII digits count:
  Python's ``int()`` also takes Devanagari ``३``, full-width ``１`` and Arabic-Indic
  digits, so ``--counter ३`` would have called to counter 3. They are refused, the same
  way everywhere, with a message saying to type 0-9 (``text.digits``).
- ``for_terminal``/``SafeOutput``: the command line's output goes through ``neutralise``,
  whatever the store holds (defence in depth; one place, in ``kiosk.cli``).

Which characters are unsafe is said once, in ``printers.text``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import IO, Any

from kiosk.errors import FieldInvalid
from printers.text import REPLACEMENT, neutralise, unsafe

__all__ = ["neutralise", "free_text", "clean", "whole_number", "for_terminal", "SafeOutput"]

_ASCII_INT = re.compile(r"[+-]?[0-9]+")


def has_unsafe(text: str) -> bool:
    """A control, format or separator character, or the trace one left (U+FFFD: a paste
    into a face is neutralised before the field shows it)."""
    return not (text.isascii() and text.isprintable()) and any(
        ch == REPLACEMENT or unsafe(ch) for ch in text)


def free_text(value: object, field_key: str, *, max_len: int | None = None,
              multiline: bool = False) -> str:
    """``value`` as stored (NFC, trimmed), or ``FieldInvalid('text.control')`` naming the
    field (``field_key`` is the catalogue key of its label) when it holds a control, bidi or
    zero-width character. ``multiline``: line breaks are allowed (a comment, a note)."""
    text = unicodedata.normalize("NFC", "" if value is None else str(value))
    checked = text.replace("\r\n", "\n").replace("\n", "") if multiline else text
    if has_unsafe(checked):
        raise FieldInvalid("text.control", field_key=field_key)
    text = text.replace("\r\n", "\n").strip()
    return text[:max_len] if max_len else text


def field_text(field: str, value: object, field_key: str, **options: Any) -> str:
    """``free_text`` for one field of a use case: a refusal is ``Invalid`` under ``field``
    (exit 9 on the command line, the message under the field on a form)."""
    from kiosk.errors import Invalid

    try:
        return free_text(value, field_key, **options)
    except FieldInvalid as exc:
        raise Invalid({field: exc}) from None


def clean(value: object) -> str:
    """Text from the centre or a restore: unsafe characters dropped (nobody to ask); line
    breaks stay (a note may have several lines)."""
    text = "" if value is None else str(value)
    if not has_unsafe(text):
        return text
    return "".join(ch for ch in text if ch == "\n" or not (ch == REPLACEMENT or unsafe(ch)))


def whole_number(text: object, field_key: str = "text.field.number") -> int:
    """A whole number typed in ASCII digits (an optional sign), else ``FieldInvalid``."""
    value = ("" if text is None else str(text)).strip()
    if not _ASCII_INT.fullmatch(value):
        raise FieldInvalid("text.digits", field_key=field_key)
    return int(value)


def for_terminal(text: str) -> str:
    """``text`` safe to write to a terminal: only its line breaks (LF, and CR LF as the CSV
    output ends its rows) and tabs stay as they are; a lone CR would overwrite the line."""
    if "\r\n" in text:
        return "\r\n".join(neutralise(part, keep="\n\t") for part in text.split("\r\n"))
    return neutralise(text, keep="\n\t")


class SafeOutput:
    """A text stream that writes through ``for_terminal`` to the one it wraps (standard
    output or error of a command): a name stored with an escape sequence before this
    check, or restored from elsewhere, cannot clear or recolour the reader's terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(for_terminal(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding, buffer...
        return getattr(self._stream, name)

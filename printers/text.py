"""The characters that must never reach a terminal or a printer, and the one function that
neutralises them (``neutralise``).

On a terminal an ESC starts an escape sequence (clear the screen, move the cursor, set a
title); on an ESC/POS printer ESC, GS, FS and DLE start printer commands (cut, open the
cash drawer, change the code page). Bidi overrides and isolates make a line read in
another order than it is stored, and zero-width characters hide inside what looks like a
plain word. So these never leave the program as they are:

- ``Cc``: C0 controls (U+0000-U+001F), DEL (U+007F), C1 controls (U+0080-U+009F);
- ``Cf``: format characters: bidi embeddings, overrides and isolates (U+202A-U+202E,
  U+2066-U+2069, U+200E/U+200F, U+061C), zero-width space/joiners (U+200B-U+200D), word
  joiner (U+2060), BOM (U+FEFF), soft hyphen and the like;
- ``Zl``/``Zp``: the line and paragraph separators (U+2028, U+2029);
- ``Cs``/``Co``: lone surrogates and private-use characters.

The store refuses them where text is typed (``kiosk.text``); this module is the last line
before the paper and the terminal (``printers.render``, the CLI's output), which the
layers above may use, as printers import nothing of theirs.
"""

from __future__ import annotations

import unicodedata

REPLACEMENT = "\ufffd"  # what stands where an unsafe character was: visible, never a command
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def unsafe(ch: str) -> bool:
    """Whether one character is a control, format (bidi, zero-width) or separator character."""
    return unicodedata.category(ch) in UNSAFE_CATEGORIES


def neutralise(text: str, *, keep: str = "") -> str:
    """``text`` with every unsafe character replaced by U+FFFD (a printer prints it as
    ``?``), except those in ``keep`` (the CLI keeps its own line breaks: ``"\\n"``)."""
    if text.isascii() and text.isprintable():  # the common case, at C speed
        return text
    return "".join(REPLACEMENT if ch not in keep and unsafe(ch) else ch for ch in text)

"""Free text typed at the desk (records, complaints): trimmed, bounded, and never carrying
control characters (C0, DEL, C1) to a terminal, a printer or the centre."""

from __future__ import annotations

from kiosk.errors import FieldInvalid
from kiosk.text import has_unsafe


def clean(value: object, *, limit: int, required: bool = False, lines: bool = False,
          ascii_digits: bool = False) -> str | None:
    """``value`` trimmed (None when empty), or FieldInvalid: too long, control characters
    (and the invisible ones ``kiosk.text`` refuses everywhere: bidi marks, zero-width
    spaces, the trace a neutralised paste left), or missing when ``required``. ``lines``:
    several lines allowed (CR LF read as LF). ``ascii_digits``: digits of other scripts
    refused (a phone number in a contact)."""
    text = "" if value is None else str(value)
    if lines:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    if has_unsafe(text.replace("\n", "") if lines else text):  # C0, DEL, C1, bidi, zero-width
        raise FieldInvalid("desk.error.control_chars")
    if ascii_digits and any(ch.isdigit() and not ch.isascii() for ch in text):
        raise FieldInvalid("desk.error.digits")
    if not text:
        if required:
            raise FieldInvalid("desk.error.required")
        return None
    if len(text) > limit:
        raise FieldInvalid("desk.error.too_long", limit=limit)
    return text

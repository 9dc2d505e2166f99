"""Secret digit codes people type: officers' PINs and the kiosk's staff exit code.

One rule for both (``weakness``): at least six ASCII digits, and none of the codes a
stranger tries first: one digit repeated (``000000``) or a short block repeated
(``121212``), an ascending or descending run (``123456``, ``987654``, ``890123``), a year
at either end (``198705``, ``122024``: birth years, this year), or digits the stranger
can read elsewhere (the username's, the office code).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

MIN_DIGITS = 6
MAX_DIGITS = 32
_YEAR = re.compile(r"(19|20)[0-9]{2}")


def weakness(code: str | None, *, avoid: Iterable[str] = ()) -> str | None:
    """Why ``code`` is guessable, as a catalogue key (``pin.short``, ``pin.repeated``,
    ``pin.run``, ``pin.year``, ``pin.known``), or None when it meets the rule. ``avoid``:
    texts whose digits must not appear in it (a username, the office code)."""
    code = code or ""
    if not re.fullmatch(f"[0-9]{{{MIN_DIGITS},{MAX_DIGITS}}}", code):
        return "pin.short"
    for block in range(1, 4):  # 000000, 121212, 123123
        if len(code) % block == 0 and code == code[:block] * (len(code) // block):
            return "pin.repeated"
    steps = {(int(b) - int(a)) % 10 for a, b in zip(code, code[1:], strict=False)}
    if steps in ({1}, {9}):
        return "pin.run"
    if _YEAR.fullmatch(code[:4]) or _YEAR.fullmatch(code[-4:]):
        return "pin.year"
    for text in avoid:
        digits = "".join(ch for ch in str(text or "") if "0" <= ch <= "9")
        if len(digits) >= 3 and (digits in code or code in digits):
            return "pin.known"
    return None


def make(digits: int = MIN_DIGITS, *, avoid: Iterable[str] = ()) -> str:
    """A random code of ``digits`` digits (the ``secrets`` module) that meets the rule."""
    avoid = tuple(avoid)
    while True:
        code = "".join(secrets.choice("0123456789") for _ in range(digits))
        if weakness(code, avoid=avoid) is None:
            return code

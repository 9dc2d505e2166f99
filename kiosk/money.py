"""Whole rupiah: ``Rp125.000`` and the amount in words (terbilang) for receipts."""

from __future__ import annotations

import re

from num2words import num2words

# num2words says "satu ribu" where Indonesian says "seribu" for a thousands group of
# exactly one (1.001.000 = "satu juta seribu"); "dua puluh satu ribu" stays as it is.
_ONE_THOUSAND = re.compile(r"(^|(?<=juta )|(?<=miliar )|(?<=triliun ))satu ribu\b")


def thousands(number: int) -> str:
    """A whole number with dot thousands, as Indonesian writes it: 2500000 -> ``2.500.000``."""
    return f"{number:,}".replace(",", ".")


def rupiah(amount: int) -> str:
    """``Rp125.000`` (dot thousands, no decimals); negative amounts keep their sign."""
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{thousands(abs(amount))}"


def terbilang(amount: int) -> str:
    """The amount in Indonesian words with "rupiah": 125000 -> "seratus dua puluh lima ribu rupiah"."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    words = num2words(amount, lang="id")
    words = _ONE_THOUSAND.sub("seribu", words)
    return f"{words} rupiah"

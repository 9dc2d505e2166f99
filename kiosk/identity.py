"""Validating what visitors type: names, ID numbers (NIK and NPWP by python-stdnum),
phones (phonenumbers, stored E.164), email (email-validator), passports loosely.

Each validator returns the normalised value or raises ``FieldInvalid`` with a catalogue
key; ``Invalid`` gathers them per field so a form can show each next to its field.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from contextlib import suppress
from functools import lru_cache
from typing import Any

import data
from kiosk.errors import FieldInvalid, Invalid

ID_TYPES = ("ktp", "sim", "passport", "other")
__all__ = ["FieldInvalid", "Invalid"]  # re-exported: forms import them from here


@lru_cache(maxsize=1)
def choices() -> dict[str, Any]:
    """The guestbook's choice lists and privacy notice version (data/guestbook.toml)."""
    with data.path("guestbook.toml").open("rb") as fh:
        return tomllib.load(fh)


def choice_codes(kind: str) -> list[str]:
    return [c["code"] for c in choices()[kind]]


def choice_name(kind: str, code: str, lang: str) -> str:
    for c in choices()[kind]:
        if c["code"] == code:
            return c["name_en"] if lang == "en" else c["name_id"]
    return code


def notice_version() -> str:
    return choices()["privacy"]["version"]


def npwp_required(segment: str) -> bool:
    return any(c["code"] == segment and c.get("npwp_required") for c in choices()["segment"])


def _clean(text: object) -> str:
    text = unicodedata.normalize("NFC", "" if text is None else str(text))
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") for ch in text):
        raise FieldInvalid("invalid.characters")
    return " ".join(text.split())


def name(text: str | None) -> str:
    value = _clean(text)
    if not value:
        raise FieldInvalid("invalid.required")
    if len(value) < 2 or len(value) > 100 or not any(ch.isalpha() for ch in value):
        raise FieldInvalid("invalid.name")
    if not re.fullmatch(_NAME_CHARS + "+", value):
        # Say which characters: "2-100 letters" for a 13-character name with an emoji is a puzzle.
        bad = "".join(dict.fromkeys(ch for ch in value if not re.fullmatch(_NAME_CHARS, ch)))
        raise FieldInvalid("firstday.name_chars", chars=" ".join(bad))
    return value


_NAME_CHARS = r"[\w .,'’()\-/@]"


_INSTITUTION_MARKS = set(" .,&'\"()/-+#’“”")


def institution(text: str | None) -> str:
    """An institution's name: letters, digits, spaces and . , & ' " ( ) / - + #, 2-120 long
    ("PT Maju & Jaya", 'CV. Karya "Baru"')."""
    value = _clean(text)
    if not value:
        raise FieldInvalid("invalid.required")
    if not 2 <= len(value) <= 120 or not any(ch.isalpha() for ch in value):
        raise FieldInvalid("invalid.institution")
    if not all(ch.isalpha() or ch in "0123456789" or ch in _INSTITUTION_MARKS for ch in value):
        raise FieldInvalid("invalid.institution")
    return value


def nik(text: str | None) -> str:
    """A 16-digit NIK ``PPRRSSDDMMYYXXXX``. A refusal names the part that is wrong: the
    length, the region (province 11-96; regency and district never 00), the birth date (a
    real date, 40 added to the day for women) or the serial (never 0000). Region codes
    python-stdnum does not know yet are accepted: new regions appear."""
    value = re.sub(r"[\s.\-]", "", _clean(text))
    if not value:
        raise FieldInvalid("invalid.required")
    if not value.isascii() or not value.isdigit():
        raise FieldInvalid("invalid.nik")
    if len(value) != 16:
        raise FieldInvalid("identity.nik_length", count=len(value))
    if not 11 <= int(value[:2]) <= 96:
        raise FieldInvalid("identity.nik_province", code=value[:2])
    if value[2:4] == "00":
        raise FieldInvalid("identity.nik_regency", code=value[:4])
    if value[4:6] == "00":
        raise FieldInvalid("identity.nik_district", code=value[:6])
    # The validators are imported where used: a face starts without paying for them.
    from stdnum.exceptions import ValidationError
    from stdnum.id import nik as stdnum_nik

    try:
        stdnum_nik.get_birth_date(value)
    except ValidationError as exc:
        raise FieldInvalid("identity.nik_birth_date", date=value[6:12]) from exc
    if value[12:] == "0000":
        raise FieldInvalid("identity.nik_serial")
    return value


def normalise_id(text: str) -> str:
    """An ID number as stored and looked up: upper-case ``A-Z`` and ``0-9`` only."""
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def id_number(id_type: str, text: str | None) -> str:
    """An ID number for its type, normalised: upper-case ``A-Z0-9`` only (separators that
    people type, space . - /, are dropped), so a card is found however it was typed."""
    if id_type not in ID_TYPES:
        raise FieldInvalid("invalid.choice")
    if id_type == "ktp":
        return nik(text)
    typed = _clean(text)
    if not typed:
        raise FieldInvalid("invalid.required")
    value = re.sub(r"[\s.\-/]", "", typed).upper()
    # Only ASCII digits count: str.isdigit and \d also take Arabic-Indic and other digits.
    if id_type == "sim":
        if not re.fullmatch(r"[0-9]{12,16}", value):
            raise FieldInvalid("invalid.sim")
    elif id_type == "passport":
        if not re.fullmatch(r"[A-Z0-9]{6,9}", value):
            raise FieldInvalid("invalid.passport")
    elif not re.fullmatch(r"[A-Z0-9]{4,30}", value):
        raise FieldInvalid("invalid.id_other")
    return value


def country(text: str | None) -> str:
    """An issuing country as its ISO 3166 alpha-2 code, from what a visitor types: the
    code (``MY``, ``MYS``, and ``UK``, which everyone uses for ``GB``) or the name in
    English or Indonesian (``Malaysia``, ``Belanda``), by pycountry."""
    import pycountry

    value = _clean(text)
    if not value:
        raise FieldInvalid("invalid.required")
    wanted = "GB" if value.upper() == "UK" else value
    with suppress(LookupError):  # not an English name or code: perhaps an Indonesian name
        return pycountry.countries.lookup(wanted).alpha_2
    code = _indonesian_country_names().get(value.casefold())
    if code is None:
        raise FieldInvalid("invalid.country")
    return code


def country_name(code: str, lang: str) -> str:
    """An ISO alpha-2 code with its country's name in ``lang``: ``Malaysia (MY)``."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name = _indonesian().gettext(country.name) if lang == "id" else country.name
    return f"{name} ({code})"


@lru_cache(maxsize=1)
def _indonesian() -> Any:
    """pycountry's own Indonesian translations of the country names (gettext)."""
    import gettext

    import pycountry

    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["id"], fallback=True)


@lru_cache(maxsize=1)
def _indonesian_country_names() -> dict[str, str]:
    """Country names in Indonesian -> alpha-2 code."""
    import pycountry

    return {_indonesian().gettext(c.name).casefold(): c.alpha_2 for c in pycountry.countries}


def email(text: str | None) -> str:
    from email_validator import EmailNotValidError, validate_email

    value = _clean(text)
    if not value:
        raise FieldInvalid("invalid.required")
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise FieldInvalid("invalid.email") from exc


# Mail domains most visitors use, and endings a slip of the finger makes of ".com" and
# ".co.id": an address that looks like a slip on one of them is questioned, never refused.
_COMMON_DOMAINS = ("gmail.com", "yahoo.com", "yahoo.co.id", "hotmail.com", "outlook.com",
                   "ymail.com", "icloud.com", "live.com", "rocketmail.com", "bps.go.id")
_SLIPPED_ENDINGS = {"con": "com", "cmo": "com", "cpm": "com", "comm": "com", "vom": "com",
                    "xom": "com", "co.di": "co.id", "coid": "co.id"}
# Real domains a letter away from a common one: never questioned.
_OTHER_REAL_DOMAINS = {"email.com", "mail.com", "gmx.com", "aol.com", "zoho.com", "yandex.com",
                       "proton.me", "protonmail.com", "live.co.uk"}


def email_suggestion(text: str | None) -> str | None:
    """The address the visitor probably meant when the domain of a valid ``text`` looks like
    a slip ("siti@gmial.con" -> "siti@gmail.com"); None when it looks right or is not valid."""
    import difflib

    try:
        value = email(text)
    except FieldInvalid:
        return None
    local, _, domain = value.rpartition("@")
    if domain in _COMMON_DOMAINS or domain in _OTHER_REAL_DOMAINS:
        return None
    fixed = domain
    for slip, right in _SLIPPED_ENDINGS.items():
        if domain.endswith("." + slip):
            fixed = domain[: -len(slip)] + right
            break
    close = difflib.get_close_matches(fixed, _COMMON_DOMAINS, n=1, cutoff=0.8)
    if close:
        fixed = close[0]
    return f"{local}@{fixed}" if fixed != domain else None


def phone(text: str | None, region: str = "ID") -> str:
    """A phone number in E.164 (``+6281234567890``); local numbers are Indonesian."""
    import phonenumbers

    value = _clean(text)
    if not value:
        raise FieldInvalid("invalid.required")
    if any(ch.isdigit() and not ch.isascii() for ch in value):  # phonenumbers would read '０８１२'
        raise FieldInvalid("text.phone_digits")
    compact = re.sub(r"[\s().\-]", "", value)
    candidates = [value]
    if compact.startswith("62") and compact.isascii() and compact.isdigit():
        # Indonesia's country code typed without "+" (62 21 5551234, 62 812 ...): a number
        # read in Indonesia starts with the trunk 0, so a leading 62 is the country code,
        # for every area code; read as typed only when that is not a valid number.
        candidates.insert(0, "+" + compact)
    for candidate in candidates:
        try:
            parsed = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    raise FieldInvalid("invalid.phone")


def npwp(text: str | None) -> str:
    """The NPWP as stored since 2024: 16 digits (the NIK for a person, 0 + the legacy 15
    digits otherwise, PMK 112/2022). A legacy 15-digit number is converted by that rule
    (``npwp_conversion`` tells the form); a branch's 22-digit NITKU (the NPWP and a 6-digit
    branch number) is kept whole. The all-zero placeholder some forms use is refused. A
    wrong count of digits (``invalid.npwp_length``, with the count) and a check digit that
    does not match (``invalid.npwp_check``) are told apart."""
    compact = _npwp_digits(text)
    if len(compact) == 22:
        return npwp(compact[:16]) + compact[16:]
    if len(compact) not in (15, 16):
        raise FieldInvalid("invalid.npwp_length", count=len(compact))
    if len(compact) == 16 and not compact.startswith("0"):
        try:
            return nik(compact)  # the same (lenient) NIK rules as the ID field
        except FieldInvalid as exc:
            raise FieldInvalid("invalid.npwp") from exc
    legacy = compact[1:] if len(compact) == 16 else compact
    from stdnum.exceptions import InvalidChecksum, ValidationError
    from stdnum.id import npwp as stdnum_npwp

    if int(legacy[:9]) == 0:
        raise FieldInvalid("invalid.npwp")
    try:
        return "0" + stdnum_npwp.validate(legacy)
    except InvalidChecksum as exc:
        raise FieldInvalid("invalid.npwp_check") from exc
    except ValidationError as exc:
        raise FieldInvalid("invalid.npwp") from exc


def _npwp_digits(text: str | None) -> str:
    """What was typed as an NPWP, digits only (dots, dashes and spaces dropped)."""
    value = _clean(text)
    if not value:
        raise FieldInvalid("invalid.required")
    compact = re.sub(r"[\s.\-/]", "", value)
    # '²' and other non-ASCII digits pass isdigit(), not int()
    if not compact.isascii() or not compact.isdigit():
        raise FieldInvalid("invalid.npwp")
    return compact


def npwp_conversion(text: str | None) -> tuple[str, str] | None:
    """(the legacy number as written, the 16 digits stored) when a valid legacy 15-digit
    NPWP was typed and is stored converted; None otherwise, also for a number not valid."""
    try:
        compact = _npwp_digits(text)
        if len(compact) != 15:
            return None
        stored = npwp(compact)
    except FieldInvalid:
        return None
    from stdnum.id import npwp as stdnum_npwp

    return stdnum_npwp.format(compact), stored


def choice(kind: str, code: str | None) -> str:
    if code not in choice_codes(kind):
        raise FieldInvalid("invalid.choice")
    return code


def mask(number: str) -> str:
    """``3273********0001``: the ends stay, the middle is hidden (UU 27/2022 practice)."""
    if len(number) >= 12:
        return number[:4] + "*" * (len(number) - 8) + number[-4:]
    if len(number) >= 6:
        return number[:2] + "*" * (len(number) - 4) + number[-2:]
    return "*" * len(number)


# Titles written before a name without a dot ("H Ahmad", "Hj Siti", "Dr Budi"): a greeting
# uses the name after them. A word that ends in a dot is a title or an initial too.
_TITLES = {"dr", "drs", "dra", "h", "hj", "ir", "prof", "kh", "mr", "mrs", "ms"}


def first_name(full: str) -> str:
    """The name a returning visitor is greeted by: the first word that is not a title or an
    initial ("Dr. H. Ahmad Fauzi, M.Si." -> "Ahmad"); the first word when all are."""
    words = full.split()
    for word in words:
        if word.endswith(".") or word.casefold() in _TITLES:
            continue
        return word.rstrip(",") or word
    return words[0].rstrip(",") if words else full

"""Reference data the centre publishes, applied locally: the catalogue and tariffs, the
holidays, the office's officer accounts. Invalid data is refused and the old kept."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kiosk.catalogue import Catalogue
from kiosk.clock import iso
from kiosk.ids import new_id
from kiosk.store import Store
from kiosk.text import clean


class Officer(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    username: str = Field(pattern=r"^[a-z0-9._-]{3,32}$")
    name: str = Field(min_length=1)
    role: str = Field(pattern=r"^(petugas|bendahara|admin)$")
    pin_hash: str = Field(pattern=r"^\$argon2id\$")
    active: bool = True

    @field_validator("name")
    @classmethod
    def _printable(cls, value: str) -> str:
        """Published names reach terminals and receipts: control, bidi and zero-width
        characters are dropped (nobody to ask: the centre sent them)."""
        value = " ".join(clean(value).split())
        if not value:
            raise ValueError("the name is empty once its control characters are dropped")
        return value


class Officers(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    users: list[Officer]


class Holidays(BaseModel):
    model_config = ConfigDict(defer_build=True)  # built when first used, not at import
    dates: list[date]


_HOLIDAYS_NATIONAL = "reference.holidays.national"
_HOLIDAYS_OFFICE = "reference.holidays.office"
_HOLIDAYS_OLD = "reference.holidays"  # one list, whichever came last (before 2026-11)


def _set(store: Store, key: str, value: str) -> None:
    store.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key)"
                       " DO UPDATE SET value = excluded.value", (key, value))


def _check_codes_kept(store: Store, new: Catalogue) -> None:
    """Refuse (ValueError, the old catalogue kept) a catalogue that drops a regulation or a
    product code an order uses: the order's line and its regulation must stay readable."""
    known = {(r.code, p.code) for r in new.regulation for p in r.product}
    regulations = {r.code for r in new.regulation}
    used = store.conn.execute(
        "SELECT DISTINCT o.regulation, l.product FROM order_lines l JOIN orders o ON o.id = l.order_id"
        " WHERE l.removed_at IS NULL").fetchall()
    missing = sorted({f"{reg}/{product}" for reg, product in used if (reg, product) not in known}
                     | {reg for (reg,) in store.conn.execute("SELECT DISTINCT regulation FROM orders")
                        if reg not in regulations})
    if missing:
        shown = ", ".join(missing[:5]) + (f" (+{len(missing) - 5})" if len(missing) > 5 else "")
        raise ValueError(f"catalogue drops codes orders use: {shown}")


KINDS = {"catalogue": Catalogue, "holidays": Holidays, "officers": Officers}


def validate(kind: str, payload: Any) -> BaseModel:
    """The payload as the model it is applied with; raises ValueError (pydantic's
    ValidationError is one) if bad. The centre checks with it before publishing."""
    if kind not in KINDS:
        raise ValueError(f"unknown reference kind {kind!r}")
    return KINDS[kind].model_validate(payload)


def apply(store: Store, kind: str, payload: Any, *, office_code: str | None = None) -> None:
    """Validate, then apply in one transaction. Raises (ValidationError, ValueError) if bad.
    ``office_code``: the data was published for this office only (None: for every office)."""
    checked = validate(kind, payload)
    if isinstance(checked, Catalogue):
        new = checked
        with store.write():
            _check_codes_kept(store, new)
            _set(store, "reference.catalogue", json.dumps(payload))
    elif isinstance(checked, Holidays):
        holidays = checked
        # The national list and the office's own are kept apart and merged when read: a
        # publish for one office must not replace the national holidays, nor the reverse.
        with store.write():
            _set(store, _HOLIDAYS_OFFICE if office_code else _HOLIDAYS_NATIONAL,
                 json.dumps([d.isoformat() for d in holidays.dates]))
            store.conn.execute("DELETE FROM meta WHERE key = ?", (_HOLIDAYS_OLD,))
    elif isinstance(checked, Officers):
        officers = checked
        stamp = iso(store.clock.now())
        with store.write():
            for o in officers.users:
                found = store.row("SELECT id FROM users WHERE username = ?", (o.username,))
                if found:
                    # A new hash: whether its PIN meets the rule is not known here (NULL).
                    store.conn.execute("UPDATE users SET name = ?, role = ?,"
                                       " pin_rule = CASE WHEN pin_hash = ? THEN pin_rule END,"
                                       " pin_hash = ?, active = ?, updated_at = ? WHERE id = ?",
                                       (o.name, o.role, o.pin_hash, o.pin_hash, int(o.active), stamp,
                                        found["id"]))
                else:
                    store.conn.execute(
                        "INSERT INTO users(id, created_at, updated_at, terminal_id, username, name, role,"
                        " pin_hash, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (new_id(), stamp, stamp, store.terminal_id, o.username, o.name, o.role,
                         o.pin_hash, int(o.active)))


def catalogue(store: Store) -> Catalogue | None:
    raw = store.meta("reference.catalogue")
    return Catalogue.model_validate(json.loads(raw)) if raw else None


def holidays(store: Store) -> frozenset[date]:
    """The published holidays: national and this office's own together."""
    found: set[date] = set()
    for key in (_HOLIDAYS_NATIONAL, _HOLIDAYS_OFFICE, _HOLIDAYS_OLD):
        raw = store.meta(key)
        found |= {date.fromisoformat(d) for d in json.loads(raw)} if raw else set()
    return frozenset(found)


__all__ = ["apply", "catalogue", "holidays", "re"]

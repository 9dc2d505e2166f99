"""The product catalogue and PNBP tariffs from ``data/catalogue.toml``, validated on load.

A bad file is refused with the line at fault. ``price(product, quantity, measure)`` is
the one place a tariff is computed.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

import data
from kiosk.errors import ConfigError, FieldInvalid, Invalid, NotFound, excerpt

Kind = Literal["publication", "microdata", "map"]
DOCUMENTS = ("abstraksi", "sppd")


class Product(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    code: str = Field(pattern=r"^[a-z0-9-]+$")
    kind: Kind
    name_id: str
    name_en: str
    unit_id: str
    unit_en: str
    rule: Literal["per_unit", "tiered", "listed"]
    price: int | None = Field(None, ge=0)
    base_price: int | None = Field(None, ge=0)
    included: int | None = Field(None, gt=0)
    step: int | None = Field(None, gt=0)
    step_price: int | None = Field(None, ge=0)
    measure_id: str | None = None
    measure_en: str | None = None
    documents: list[Literal["abstraksi", "sppd"]] = Field(default_factory=list, validate_default=True)
    confirm: bool = False

    @field_validator("documents")
    @classmethod
    def _documents_for_data(cls, documents: list[str], info: ValidationInfo) -> list[str]:
        # Microdata and maps are sold only with the statement of use and the signed SPPD.
        if info.data.get("kind") in ("microdata", "map") and set(documents) != set(DOCUMENTS):
            raise ValueError(f"{info.data['kind']} needs documents = {list(DOCUMENTS)}")
        return documents

    @model_validator(mode="after")
    def _rule_fields(self) -> Product:
        needed = {"per_unit": ("price",), "listed": (),
                  "tiered": ("base_price", "included", "step", "step_price", "measure_id")}[self.rule]
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"rule {self.rule!r} needs {', '.join(missing)}")
        return self

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id

    def unit(self, lang: str) -> str:
        return self.unit_en if lang == "en" else self.unit_id

    def measure(self, lang: str) -> str:
        return (self.measure_en if lang == "en" else self.measure_id) or ""

    @property
    def needs_documents(self) -> bool:
        return bool(self.documents)


class Regulation(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    code: str
    title: str
    effective_from: date
    confirm: bool = False
    product: list[Product] = Field(default_factory=list)

    @field_validator("product")
    @classmethod
    def _unique_products(cls, products: list[Product]) -> list[Product]:
        _unique("product code", [p.code for p in products])
        return products


def _unique(what: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            raise ValueError(f"duplicate {what} {code!r}")
        seen.add(code)


class ZeroBasis(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    code: str
    name_id: str
    name_en: str
    segments: list[str]

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_id


class Catalogue(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    regulation: list[Regulation] = Field(min_length=1)
    zero_basis: list[ZeroBasis] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_codes(self) -> Catalogue:
        _unique("regulation code", [r.code for r in self.regulation])
        _unique("zero_basis code", [b.code for b in self.zero_basis])
        return self

    def in_force(self, on: date) -> Regulation:
        """The regulation in force on a day: the latest that had started."""
        started = [r for r in self.regulation if r.effective_from <= on]
        if not started:
            raise NotFound("sales.no_regulation", date=on.isoformat())
        return max(started, key=lambda r: r.effective_from)

    def by_code(self, code: str) -> Regulation | None:
        """The regulation an order was priced under (None when this catalogue lacks it)."""
        return next((r for r in self.regulation if r.code == code), None)

    def product(self, code: str, on: date) -> Product:
        regulation = self.in_force(on)
        for product in regulation.product:
            if product.code == code:
                return product
        raise NotFound("sales.unknown_product", product=excerpt(code), regulation=regulation.title)

    def basis(self, code: str) -> ZeroBasis:
        for basis in self.zero_basis:
            if basis.code == code:
                return basis
        raise NotFound("sales.unknown_basis", basis=code)


def _line_of(text: str, loc: tuple) -> int | None:
    """Best effort: the line of the TOML item a pydantic error location points to."""
    lines = text.splitlines()
    headers = {"regulation": r"^\[\[regulation\]\]", "product": r"^\[\[regulation\.product\]\]",
               "zero_basis": r"^\[\[zero_basis\]\]"}
    position = 0
    field = None
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        if part in headers and parts and isinstance(parts[0], int):
            index = parts.pop(0)
            pattern = re.compile(headers[part])
            seen = -1
            for number in range(position, len(lines)):
                if pattern.match(lines[number].strip()):
                    seen += 1
                    if seen == index:
                        position = number
                        break
        elif isinstance(part, str):
            field = part
    if field:
        for number in range(position, len(lines)):
            if re.match(rf"^\s*{re.escape(field)}\s*=", lines[number]):
                return number + 1
            if number > position and lines[number].startswith("[["):
                break
    return position + 1 if position else None


def load(path: Path | None = None) -> Catalogue:
    """Parse and validate a catalogue file; ConfigError names the line at fault."""
    path = path or data.path("catalogue.toml")
    try:
        text = path.read_text(encoding="utf-8")
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("error.config", path=str(path), detail=str(exc)) from exc
    except OSError as exc:
        raise ConfigError("error.config", path=str(path), detail=str(exc)) from exc
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        line = _line_of(text, tuple(first["loc"]))
        where = ".".join(str(p) for p in first["loc"])
        detail = f"line {line}: {where}: {first['msg']}" if line else f"{where}: {first['msg']}"
        raise ConfigError("error.config", path=str(path), detail=detail) from exc


@lru_cache(maxsize=1)
def shipped() -> Catalogue:
    return load()


def active(store) -> Catalogue:  # noqa: ANN001 - kiosk.store.Store
    """The catalogue in use: the one the centre published last, else the shipped one."""
    from kiosk import reference

    return reference.catalogue(store) or shipped()


MAX_AMOUNT = 1_000_000_000_000  # Rp1.000.000.000.000: one line, and a listed price
MAX_MEASURE = 1_000_000_000_000  # 10^12 of the product's measure (bytes, pages, ...)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def price(product: Product, quantity: int, measure: int | None = None,
          listed_price: int | None = None) -> int:
    """The tariff of one order line, whole rupiah, at most ``MAX_AMOUNT`` (SQLite holds 64
    bits and the order list sums the lines: a bigger figure is invalid input, never a crash)."""
    errors: dict[str, FieldInvalid] = {}
    if not _whole(quantity) or quantity < 1 or quantity > 10_000:
        errors["quantity"] = FieldInvalid("sales.bad_quantity")
    if measure is not None and _whole(measure) and measure < 0:
        # -5 pages is no size: "at most 10^12" would tell the officer nothing.
        errors["measure"] = FieldInvalid("salescounter.measure_range", max="1.000.000.000.000")
    elif measure is not None and (not _whole(measure) or measure > MAX_MEASURE):
        errors["measure"] = FieldInvalid("sales.measure_too_large", max="1.000.000.000.000")
    elif product.rule == "tiered" and (measure is None or measure < 1):
        errors["measure"] = FieldInvalid("sales.bad_measure", measure=product.measure("id"))
    if listed_price is not None and (not _whole(listed_price) or listed_price > MAX_AMOUNT):
        errors["listed_price"] = FieldInvalid("sales.amount_too_large", max="Rp1.000.000.000.000")
    elif product.rule == "listed" and (listed_price is None or listed_price < 0):
        errors["listed_price"] = FieldInvalid("sales.bad_listed_price")
    if errors:
        raise Invalid(errors)
    if product.rule == "per_unit":
        amount = quantity * product.price
    elif product.rule == "listed":
        amount = quantity * listed_price
    else:
        extra = max(0, measure - product.included)
        steps = -(-extra // product.step)  # whole-number ceiling: no float rounding
        amount = quantity * (product.base_price + steps * product.step_price)
    if amount > MAX_AMOUNT:
        field = {"listed": "listed_price", "tiered": "measure"}.get(product.rule, "quantity")
        raise Invalid({field: FieldInvalid("sales.amount_too_large", max="Rp1.000.000.000.000")})
    return amount

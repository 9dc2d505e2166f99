"""The satisfaction survey at the kiosk and the index (IKM) with its grade.

A visitor rates a finished service by ticket number or the ticket's QR; one rating per
visit (per ticket when the visitor gave no guestbook entry)."""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

import data
from kiosk.clock import iso
from kiosk.errors import FieldInvalid, Invalid, Refused
from kiosk.ids import new_id
from kiosk.queue import Queue, Ticket
from kiosk.store import Store
from kiosk.text import free_text

ELEMENTS = tuple(f"u{i}" for i in range(1, 10))
_QR = re.compile(r"^PST:[0-9]{4}:([0-9a-f-]{36}):")


@lru_cache(maxsize=1)
def definition() -> dict[str, Any]:
    with data.path("survey.toml").open("rb") as fh:
        return tomllib.load(fh)


def _element(code: str) -> dict[str, Any]:
    return next(e for e in definition()["element"] if e["code"] == code)


def element_name(code: str, lang: str) -> str:
    item = _element(code)
    return item["en"] if lang == "en" else item["id"]


def element_question(code: str, lang: str) -> str:
    """The element's question as the regulation's sample questionnaire asks it."""
    item = _element(code)
    return item.get(f"question_{lang}") or item.get("question_id") or element_name(code, lang)


def answer_labels(code: str, lang: str) -> list[str]:
    """The element's own words for the answers 1-4 (cost: "sangat mahal" ... "gratis"); the
    general scale for an element without its own."""
    item = _element(code)
    labels = item.get(f"labels_{lang}") or item.get("labels_id")
    return labels or [s["en"] if lang == "en" else s["id"] for s in definition()["scale"]]


PROFILE = ("age_group", "gender", "education", "occupation")
FROM_GUESTBOOK = ("gender", "education")  # the guestbook asks these with the same codes


def profile_items() -> list[dict[str, Any]]:
    """The respondent profile: code, names and choices of each question, in order."""
    return definition()["profile"]


def profile_choices(code: str, lang: str) -> list[tuple[str, str]]:
    """(label, code) of a profile question's answers in ``lang``."""
    item = next(p for p in profile_items() if p["code"] == code)
    return [(c["en"] if lang == "en" else c["id"], c["code"]) for c in item["choices"]]


def profile_name(code: str, lang: str) -> str:
    item = next(p for p in profile_items() if p["code"] == code)
    return item["en"] if lang == "en" else item["id"]


def grade(index: float) -> tuple[str, dict[str, Any]]:
    """The grade letter and its names for an index value (25-100)."""
    for g in definition()["grades"]:
        if index >= g["min"]:
            return g["grade"], g
    last = definition()["grades"][-1]
    return last["grade"], last


class Rateable(BaseModel):
    ticket_id: str
    visit_id: str | None
    number: str
    service: str
    # What the guestbook already holds of the profile (gender, education): not asked again,
    # and never shown (whoever types a ticket number at the kiosk is not told about its visitor).
    known: dict[str, str] = {}

    def to_ask(self) -> list[str]:
        """The profile questions the visitor is asked: those the guestbook does not answer."""
        return [code for code in PROFILE if code not in self.known]


def _root(store: Store, ticket_id: str) -> str:
    """The first ticket of a visit (a transfer keeps the number in a new row)."""
    while True:
        row = store.row("SELECT transferred_from FROM tickets WHERE id = ?", (ticket_id,))
        if row is None or row["transferred_from"] is None:
            return ticket_id
        ticket_id = row["transferred_from"]


def find_rateable(store: Store, queue: Queue, text: str) -> Rateable:
    """The visit to rate from what the visitor typed or scanned; refused unless served."""
    text = (text or "").strip()
    match = _QR.match(text)
    ticket: Ticket
    if match:
        ticket = queue.get(match.group(1))
        if ticket.status == "transferred" and ticket.transferred_to:
            ticket = queue.get(ticket.transferred_to)
    else:
        ticket = queue.find(text)
    # Follow transfers to the last ticket of the visit: that one says whether it was served.
    while ticket.status == "transferred" and ticket.transferred_to:
        ticket = queue.get(ticket.transferred_to)
    if ticket.status != "done":
        raise Refused("survey.not_served", number=ticket.number)
    root = _root(store, ticket.id)
    visit = store.row("SELECT id, gender, education FROM visits WHERE ticket_id = ?", (root,))
    if store.row("SELECT 1 FROM ratings WHERE ticket_id = ?", (root,)):
        raise Refused("survey.already", number=ticket.number)
    known = {code: visit[code] for code in FROM_GUESTBOOK
             if visit and visit[code] in {c for _, c in profile_choices(code, "id")}}
    return Rateable(ticket_id=root, visit_id=visit["id"] if visit else None, number=ticket.number,
                    service=ticket.service, known=known)


def submit(store: Store, queue: Queue, rateable: Rateable, scores: dict[str, int],
           comment: str | None = None, profile: dict[str, str | None] | None = None) -> str:
    """Store one rating with the respondent profile: what the guestbook knows, and what the
    visitor answered of the rest (each optional: a visitor may leave one unanswered)."""
    errors = {code: FieldInvalid("survey.choose") for code in ELEMENTS
              if not isinstance(scores.get(code), int) or not 1 <= scores[code] <= 4}
    answered: dict[str, str | None] = {}
    for code in PROFILE:
        value = rateable.known.get(code) or (profile or {}).get(code) or None
        if value is not None and value not in {c for _, c in profile_choices(code, "id")}:
            errors[code] = FieldInvalid("invalid.choice")
        answered[code] = value
    try:
        comment = free_text(comment, "text.field.comment", multiline=True)
    except FieldInvalid as exc:
        errors["comment"] = exc
        comment = ""
    if len(comment) > 500:
        errors["comment"] = FieldInvalid("survey.too_long")
    if errors:
        raise Invalid(errors)
    now = store.clock.now()
    row = {"id": new_id(), "created_at": iso(now), "terminal_id": store.terminal_id,
           "day": now.astimezone(queue.tz).date().isoformat(), "ticket_id": rateable.ticket_id,
           "visit_id": rateable.visit_id, "service": rateable.service,
           **{code: scores[code] for code in ELEMENTS}, "comment": comment or None, **answered}
    with store.write():
        if store.row("SELECT 1 FROM ratings WHERE ticket_id = ?", (rateable.ticket_id,)):
            raise Refused("survey.already", number=rateable.number)
        store.db["ratings"].insert(row)
        store.record_change("rating", row["id"], "add", row)
    return row["id"]


class Index(BaseModel):
    respondents: int
    elements: dict[str, float]  # mean score per element (1-4)
    element_index: dict[str, float]  # x 25
    element_grade: dict[str, str]  # A-D of each element's index
    ikm: float | None
    grade: str | None


def compute(rows: list[dict[str, Any]]) -> Index:
    """IKM: mean per element, then the mean of the nine means x 25."""
    if not rows:
        return Index(respondents=0, elements={}, element_index={}, element_grade={}, ikm=None, grade=None)
    return _index(len(rows), [sum(r[code] for r in rows) / len(rows) for code in ELEMENTS])


def _index(respondents: int, means: list[float]) -> Index:
    value = round(sum(means) / len(ELEMENTS) * 25, 2)
    per = {k: round(v * 25, 2) for k, v in zip(ELEMENTS, means)}
    return Index(respondents=respondents, elements={k: round(v, 3) for k, v in zip(ELEMENTS, means)},
                 element_index=per, element_grade={k: grade(v)[0] for k, v in per.items()},
                 ikm=value, grade=grade(value)[0])


def from_means(respondents: int, means: list[float]) -> Index:
    """The index from the nine element means (the centre takes them in SQL as well)."""
    return _index(respondents, means) if respondents else compute([])


def index(store: Store, start: str, end: str, service: str | None = None) -> Index:
    """The IKM of ratings given on local days ``start``..``end`` (ISO dates), per service;
    the element means are taken in SQL (same formula as ``compute``)."""
    sql = (f"SELECT COUNT(*), {', '.join(f'AVG({e})' for e in ELEMENTS)} FROM ratings"
           " WHERE day BETWEEN ? AND ?")
    params: list[Any] = [start, end]
    if service:
        sql += " AND service = ?"
        params.append(service)
    count, *means = store.conn.execute(sql, tuple(params)).fetchone()
    if not count:
        return compute([])
    return _index(count, means)


__all__ = ["ELEMENTS", "PROFILE", "Index", "Rateable", "answer_labels", "compute", "element_question",
           "find_rateable", "from_means", "grade", "index", "profile_choices", "profile_items", "profile_name", "submit"]

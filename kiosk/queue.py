"""Queue tickets: take, call next (priority first, fairly), call, recall, no-show,
transfer keeping the number, start, finish. Numbers restart at local midnight.

Every action is one transaction that also writes the outbox. ``call_next`` picks and
marks the ticket in one UPDATE inside ``BEGIN IMMEDIATE``, so two counters in two
processes never get the same ticket.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from kiosk import audit
from kiosk.accounts import ROLES, require
from kiosk.archive import next_seq as archived_next_seq
from kiosk.clock import iso
from kiosk.errors import EmptyQueue, NotFound, Refused, excerpt
from kiosk.ids import new_id
from kiosk.plain import Record, adapter
from kiosk.services import Service, all_services, by_code, find_service
from kiosk.store import Store

if TYPE_CHECKING:
    from kiosk.accounts import User

Status = Literal["waiting", "called", "serving", "done", "no_show", "transferred"]
ACTIVE = ("called", "serving")
_NUMBER = re.compile(r"^\s*([A-Za-z])\s*-?\s*0*([0-9]{1,5})\s*$")  # ASCII digits: not ००७


@dataclass(kw_only=True)
class Ticket(Record):
    """A ticket as read from the store (a plain record: kiosk/plain.py)."""

    id: str
    number: str
    service: str
    letter: str
    seq: int
    day: date
    status: Status
    priority: bool
    counter: int | None = None
    issued_at: datetime
    queued_at: datetime
    called_at: datetime | None = None
    last_called_at: datetime | None = None
    recalls: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    no_show_at: datetime | None = None
    transferred_at: datetime | None = None
    transferred_from: str | None = None
    transferred_to: str | None = None
    wait_seconds: float | None = None  # queued -> first call
    # The wait under the service standard as the seeds word it: from the later of entering
    # the queue and the finish of the visitor before (``standard_from``) to the first call.
    standard_from: datetime | None = None
    standard_wait_seconds: float | None = None
    service_seconds: float | None = None  # start -> finish

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Ticket:
        """The ticket of a store row: read directly when the row has the store's own forms
        (every face reads the queue before its first paint, without pydantic), else
        validated by pydantic (the same checks and errors as before)."""
        plain = _plain_ticket(row)
        return plain if plain is not None else adapter(cls).validate_python(row)

    def waited_seconds(self, now: datetime) -> float:
        """Time in this queue: from queued until called (or now, while waiting)."""
        end = self.called_at or now
        return max(0.0, (end - self.queued_at).total_seconds())

    def public(self) -> dict[str, Any]:
        """The JSON the command line prints and the outbox carries (DESIGN.md: stable keys):
        pydantic's JSON of the ticket, made directly for the values a ticket holds (taking
        a ticket need not build pydantic's serializer), else by pydantic."""
        out: dict[str, Any] = {}
        for name in _FIELDS:
            value = getattr(self, name)
            kind = type(value)
            if kind is datetime:
                value = value.isoformat()
                if value.endswith("+00:00"):  # pydantic writes UTC as Z
                    value = value[:-6] + "Z"
            elif kind is date:
                value = value.isoformat()
            elif kind is float:
                if not math.isfinite(value):
                    return self.model_dump(mode="json")
            elif kind not in (str, int, bool) and value is not None:
                return self.model_dump(mode="json")
            out[name] = value
        return out


_STATUSES = frozenset(("waiting", "called", "serving", "done", "no_show", "transferred"))
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_STORED_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")  # clock.iso
_TEXT = ("id", "number", "service", "letter")
_TIMES = ("issued_at", "queued_at")
_OPTIONAL_TIMES = ("called_at", "last_called_at", "started_at", "finished_at", "no_show_at", "transferred_at",
                   "standard_from")
_OPTIONAL_TEXT = ("transferred_from", "transferred_to")
_SECONDS = ("wait_seconds", "standard_wait_seconds", "service_seconds")


_FIELDS = tuple(f.name for f in fields(Ticket))


def _plain_ticket(row: dict[str, Any]) -> Ticket | None:
    """A ticket made from a row whose every value is in the form the store writes (None:
    something else, for pydantic to validate or refuse)."""
    get = row.get
    if not all(type(get(name)) is str for name in _TEXT) or get("status") not in _STATUSES:
        return None
    seq, recalls, counter, priority, day = get("seq"), get("recalls", 0), get("counter"), get("priority"), get("day")
    if type(seq) is not int or type(recalls) is not int or not (counter is None or type(counter) is int):
        return None
    if priority not in (0, 1) or type(priority) not in (int, bool) or type(day) is not str or not _DAY.fullmatch(day):
        return None
    values: dict[str, Any] = {}
    for name in _TIMES + _OPTIONAL_TIMES:
        text = get(name)
        if text is None and name in _OPTIONAL_TIMES:
            values[name] = None
        elif type(text) is str and _STORED_TIME.fullmatch(text):
            values[name] = datetime.fromisoformat(text)
        else:
            return None
    for name in _SECONDS:
        number = get(name)
        if number is not None and type(number) not in (int, float):
            return None
        values[name] = None if number is None else float(number)
    for name in _OPTIONAL_TEXT:
        text = get(name)
        if text is not None and type(text) is not str:
            return None
        values[name] = text
    try:
        day_value = date.fromisoformat(day)
    except ValueError:
        return None
    return Ticket(id=row["id"], number=row["number"], service=row["service"], letter=row["letter"], seq=seq,
                  day=day_value, status=row["status"], priority=bool(priority), counter=counter,
                  recalls=recalls, **values)


def format_number(letter: str, seq: int) -> str:
    return f"{letter}-{seq:03d}"


class Queue:
    """The use cases of the queue for one store and office time zone."""

    FINISH_FROM = ("serving",)  # a visit is finished once started (the counter asks nothing before)

    def __init__(self, store: Store, *, tz: ZoneInfo, priority_every: int = 3,
                 actor: User | None = None, counters: int | None = None) -> None:
        self.store = store
        self.tz = tz
        self.priority_every = priority_every
        self.actor = actor  # the logged-in officer; None for visitors and an open desk
        self.counters = counters  # counters 1..N at the desk (None: not checked)

    def as_user(self, actor: User | None) -> Queue:
        return Queue(self.store, tz=self.tz, priority_every=self.priority_every, actor=actor,
                     counters=self.counters)

    def _check_counter(self, counter: int) -> None:
        if not isinstance(counter, int) or counter < 1 or (self.counters and counter > self.counters):
            raise NotFound("error.bad_counter", max=self.counters or "N")

    def _officer(self) -> None:
        """Every queue action but taking a ticket is an officer's (any role)."""
        require(self.store, self.actor, *ROLES)

    # -- helpers --------------------------------------------------------------------

    @property
    def conn(self):  # noqa: ANN201 - sqlite3.Connection
        return self.store.conn

    def now(self) -> datetime:
        return self.store.clock.now()

    def today(self) -> date:
        return self.now().astimezone(self.tz).date()

    def _get(self, ticket_id: str) -> Ticket:
        row = self.store.row("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        if row is None:
            raise NotFound("error.unknown_ticket", number=excerpt(ticket_id))
        return Ticket.from_row(row)

    def _update(self, ticket_id: str, op: str, sets: dict[str, Any],
                allowed: tuple[str, ...]) -> Ticket:
        """Change one ticket if its status is allowed, and record the change."""
        sets = {**sets, "updated_at": iso(self.now())}
        assignments = ", ".join(f"{k} = :{k}" for k in sets)
        marks = ", ".join(f":s{i}" for i in range(len(allowed)))
        params = {**sets, "id": ticket_id, **{f"s{i}": s for i, s in enumerate(allowed)}}
        row = self.store.row(
            f"UPDATE tickets SET {assignments} WHERE id = :id AND status IN ({marks}) RETURNING *",
            params,
        )
        if row is None:
            current = self._get(ticket_id)
            raise Refused(f"error.refused.{op}", number=current.number,
                          status_key=f"status.{current.status}")
        ticket = Ticket.from_row(row)
        self.store.record_change("ticket", ticket.id, op, ticket.public())
        audit.record(self.store, self.actor, f"ticket.{op}", "ticket", ticket.id,
                     {"number": ticket.number, "counter": ticket.counter})
        return ticket

    def _check_counter_free(self, counter: int) -> None:
        # Only today's tickets: one left open yesterday must not block the counter today.
        busy = self.store.row(
            "SELECT number, status FROM tickets WHERE counter = ? AND status IN ('called', 'serving')"
            " AND day = ?", (counter, self.today().isoformat()),
        )
        if busy:
            raise Refused("error.counter_busy", counter=counter, number=busy["number"],
                          status_key=f"status.{busy['status']}")

    def _standard_start(self, ticket: Ticket, counter: int, *, by_service: bool) -> datetime:
        """Where the wait under the standard starts: the later of the ticket's entry into
        this queue (its issue, unless transferred here) and the end (finish, no-show or
        transfer) of the previous visitor - of the ticket's service when the counter calls
        from that service alone, else of the counter, which calls across services."""
        column, value = ("service", ticket.service) if by_service else ("counter", counter)
        prev = self.conn.execute(
            "SELECT MAX(COALESCE(finished_at, no_show_at, transferred_at)) FROM tickets"
            f" WHERE day = ? AND {column} = ? AND id != ? AND COALESCE(finished_at, no_show_at, transferred_at) <= ?",
            (ticket.day.isoformat(), value, ticket.id, iso(self.now()))).fetchone()[0]
        return max(ticket.queued_at, datetime.fromisoformat(prev)) if prev else ticket.queued_at

    def _set_standard(self, ticket: Ticket, counter: int, *, by_service: bool) -> Ticket:
        start = self._standard_start(ticket, counter, by_service=by_service)
        row = self.store.row(
            "UPDATE tickets SET standard_from = ?, standard_wait_seconds = ? WHERE id = ? RETURNING *",
            (iso(start), max(0.0, (self.now() - start).total_seconds()), ticket.id))
        return Ticket.from_row(row)

    # -- use cases ------------------------------------------------------------------

    def take(self, service: str | Service, *, priority: bool = False) -> Ticket:
        """Issue the next number of the day for a service."""
        with self.store.write():
            return self.take_in_tx(service, priority=priority)

    def take_in_tx(self, service: str | Service, *, priority: bool = False) -> Ticket:
        svc = service if isinstance(service, Service) else find_service(service)
        now = self.now()
        day = now.astimezone(self.tz).date().isoformat()
        seq = max(self.conn.execute(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM tickets"
            " WHERE day = ? AND letter = ? AND transferred_from IS NULL",
            (day, svc.letter),
        ).fetchone()[0], archived_next_seq(self.store, day, svc.letter))
        stamp = iso(now)
        row = {
            "id": new_id(), "created_at": stamp, "updated_at": stamp,
            "terminal_id": self.store.terminal_id, "day": day, "service": svc.code,
            "letter": svc.letter, "seq": seq, "number": format_number(svc.letter, seq),
            "priority": int(priority), "status": "waiting", "issued_at": stamp, "queued_at": stamp,
        }
        self.store.insert("tickets", row)
        ticket = Ticket.from_row(row)
        self.store.record_change("ticket", ticket.id, "take", ticket.public())
        return ticket

    def ahead_of(self, ticket: Ticket) -> int:
        """How many waiting tickets will be called before this one, in ``call_next``'s order
        across every service (a counter calls from all of them unless filtered): priority
        first, then by queue time. Fairness turns can only bring a normal ticket forward."""
        return self.conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE status = 'waiting' AND day = :day"
            " AND id != :id AND (priority > :p OR (priority = :p AND"
            " (queued_at < :q OR (queued_at = :q AND (seq < :s OR (seq = :s AND id < :id))))))",
            {"day": ticket.day.isoformat(), "id": ticket.id,
             "p": int(ticket.priority), "q": iso(ticket.queued_at), "s": ticket.seq},
        ).fetchone()[0]

    def call_next(self, counter: int, services: list[str] | None = None) -> Ticket:
        """Call the next ticket to ``counter``: priority first, but every Nth call normal."""
        codes = [find_service(s).code for s in services] if services else [
            s.code for s in all_services()]
        marks = ", ".join("?" for _ in codes)
        with self.store.write():
            self._officer()
            self._check_counter(counter)
            self._check_counter_free(counter)
            day = self.today().isoformat()
            recent = [r[0] for r in self.conn.execute(
                f"SELECT priority FROM tickets WHERE day = ? AND service IN ({marks})"
                " AND called_at IS NOT NULL ORDER BY called_at DESC LIMIT ?",
                (day, *codes, self.priority_every - 1),
            )]
            # After N-1 priority calls in a row, the normal queue gets its turn.
            normal_turn = len(recent) == self.priority_every - 1 and all(recent)
            order = "priority ASC" if normal_turn else "priority DESC"
            stamp = iso(self.now())
            row = self.store.row(
                "UPDATE tickets SET status = 'called', counter = ?, called_at = ?,"
                " last_called_at = ?, updated_at = ?,"
                " wait_seconds = (julianday(?) - julianday(queued_at)) * 86400.0 WHERE id = ("
                f" SELECT id FROM tickets WHERE status = 'waiting' AND day = ? AND service IN ({marks})"
                f" ORDER BY {order}, queued_at, seq, id LIMIT 1) RETURNING *",  # ids are time-ordered
                (counter, stamp, stamp, stamp, stamp, day, *codes),
            )
            if row is None:
                raise EmptyQueue("error.empty_queue")
            ticket = Ticket.from_row(row)
            ticket = self._set_standard(ticket, counter, by_service=len(set(codes)) == 1)
            self.store.record_change("ticket", ticket.id, "call", ticket.public())
            audit.record(self.store, self.actor, "ticket.call", "ticket", ticket.id,
                         {"number": ticket.number, "counter": counter})
            return ticket

    def find(self, number: str, day: date | None = None) -> Ticket:
        """Today's live ticket with a number such as ``B-007``, ``b7`` or ``B007``."""
        match = _NUMBER.match(number or "")
        if not match:
            raise NotFound("error.bad_number", number=excerpt(number))
        letter, seq = match.group(1).upper(), int(match.group(2))
        row = self.store.row(
            "SELECT * FROM tickets WHERE day = ? AND letter = ? AND seq = ?"
            " ORDER BY (status = 'transferred'), created_at DESC LIMIT 1",
            ((day or self.today()).isoformat(), letter, seq),
        )
        if row is None:
            raise NotFound("error.unknown_ticket", number=format_number(letter, seq))
        return Ticket.from_row(row)

    def call(self, counter: int, number: str) -> Ticket:
        """Call a specific waiting (or earlier no-show) ticket to ``counter``."""
        with self.store.write():
            self._officer()
            self._check_counter(counter)
            self._check_counter_free(counter)
            ticket = self.find(number)
            if ticket.status in ACTIVE and ticket.counter not in (None, counter):
                raise Refused("firstday.held_by", number=ticket.number, counter=ticket.counter,
                              status_key=f"status.{ticket.status}")
            stamp = iso(self.now())
            sets = {"status": "called", "counter": counter, "last_called_at": stamp, "no_show_at": None}
            if ticket.called_at is None:  # a no-show called again keeps its first call time
                sets.update(called_at=stamp, wait_seconds=(self.now() - ticket.queued_at).total_seconds())
                start = self._standard_start(ticket, counter, by_service=False)
                sets.update(standard_from=iso(start),
                            standard_wait_seconds=max(0.0, (self.now() - start).total_seconds()))
            return self._update(ticket.id, "call", sets, ("waiting", "no_show"))

    def recall(self, ticket_id: str) -> Ticket:
        with self.store.write():
            self._officer()
            current = self._get(ticket_id)
            return self._update(ticket_id, "recall", {
                "last_called_at": iso(self.now()), "recalls": current.recalls + 1}, ("called",))

    def no_show(self, ticket_id: str) -> Ticket:
        with self.store.write():
            self._officer()
            return self._update(ticket_id, "no_show", {
                "status": "no_show", "no_show_at": iso(self.now())}, ("called",))

    def start(self, ticket_id: str) -> Ticket:
        with self.store.write():
            self._officer()
            return self._update(ticket_id, "start", {
                "status": "serving", "started_at": iso(self.now())}, ("called",))

    def finish(self, ticket_id: str) -> Ticket:
        with self.store.write():
            self._officer()
            current = self._get(ticket_id)
            seconds = (self.now() - current.started_at).total_seconds() if current.started_at else None
            return self._update(ticket_id, "finish", {
                "status": "done", "finished_at": iso(self.now()), "service_seconds": seconds}, self.FINISH_FROM)

    def transfer(self, ticket_id: str, service: str) -> Ticket:
        """Send a ticket to another service's queue, keeping its number; returns the new one."""
        target = find_service(service)
        with self.store.write():
            self._officer()
            old = self._get(ticket_id)
            if old.service == target.code:
                raise Refused("error.same_service", number=old.number)
            stamp = iso(self.now())
            row = {
                "id": new_id(), "created_at": stamp, "updated_at": stamp,
                "terminal_id": self.store.terminal_id, "day": old.day.isoformat(),
                "service": target.code, "letter": old.letter, "seq": old.seq,
                "number": old.number, "priority": int(old.priority), "status": "waiting",
                "issued_at": iso(old.issued_at), "queued_at": stamp, "transferred_from": old.id,
            }
            self.store.insert("tickets", row)
            # Refused (and rolled back with the insert) unless the old ticket is still live.
            self._update(ticket_id, "transfer", {
                "status": "transferred", "transferred_at": stamp,
                "transferred_to": row["id"]}, ("waiting", "called", "serving"))
            ticket = Ticket.from_row(row)
            self.store.record_change("ticket", ticket.id, "take", ticket.public())
            return ticket

    # -- reading --------------------------------------------------------------------

    def get(self, ticket_id: str) -> Ticket:
        return self._get(ticket_id)

    def last_by_counter(self) -> dict[int, Ticket]:
        """Today's ticket each counter called last, whatever its status now: the board keeps
        a finished one (dimmed) until that counter calls again."""
        rows = self.store.rows(
            "SELECT * FROM tickets WHERE id IN (SELECT id FROM ("
            " SELECT id, ROW_NUMBER() OVER (PARTITION BY counter ORDER BY last_called_at DESC) AS nth"
            " FROM tickets WHERE day = ? AND counter IS NOT NULL AND last_called_at IS NOT NULL)"
            " WHERE nth = 1)", (self.today().isoformat(),))
        return {r["counter"]: Ticket.from_row(r) for r in rows}

    def active(self, counter: int) -> Ticket | None:
        """Today's ticket called to or being served at ``counter``."""
        row = self.store.row(
            "SELECT * FROM tickets WHERE counter = ? AND status IN ('called', 'serving')"
            " AND day = ? ORDER BY last_called_at DESC LIMIT 1", (counter, self.today().isoformat()))
        return Ticket.from_row(row) if row else None

    def list(self, *, status: str | None = None, day: date | None = None) -> list[Ticket]:
        """Tickets of a day (today by default) in issue order, optionally by status."""
        sql = "SELECT * FROM tickets WHERE day = ?"
        params: list[Any] = [(day or self.today()).isoformat()]
        if status:
            sql += " AND status = ?"
            params.append(status)
        sql += " ORDER BY issued_at, queued_at"
        return [Ticket.from_row(r) for r in self.store.rows(sql, tuple(params))]

    def waiting(self, services: list[str] | None = None) -> list[Ticket]:
        """Today's waiting tickets, priority first, then by time in the queue."""
        sql = "SELECT * FROM tickets WHERE status = 'waiting' AND day = ?"
        params: list[Any] = [self.today().isoformat()]
        if services:
            codes = [find_service(s).code for s in services]
            sql += f" AND service IN ({', '.join('?' for _ in codes)})"
            params.extend(codes)
        sql += " ORDER BY priority DESC, queued_at, seq, id"  # the order call_next takes them in
        return [Ticket.from_row(r) for r in self.store.rows(sql, tuple(params))]

    def waiting_counts(self) -> dict[str, int]:
        """Waiting tickets today per service code (every service listed, zeros too)."""
        counts = {s.code: 0 for s in all_services()}
        for code, count in self.conn.execute(
            "SELECT service, COUNT(*) FROM tickets WHERE status = 'waiting' AND day = ?"
            " GROUP BY service", (self.today().isoformat(),)):
            counts[code] = count
        return counts

    def last_calls(self, limit: int = 8) -> list[Ticket]:
        """Today's most recent calls and recalls, newest first."""
        rows = self.store.rows(
            "SELECT * FROM tickets WHERE day = ? AND last_called_at IS NOT NULL"
            " ORDER BY last_called_at DESC LIMIT ?", (self.today().isoformat(), limit))
        return [Ticket.from_row(r) for r in rows]


def service_of(ticket: Ticket) -> Service:
    return by_code(ticket.service)


__all__ = ["ACTIVE", "Queue", "Ticket", "format_number", "service_of"]

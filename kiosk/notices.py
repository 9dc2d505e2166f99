"""A message by WhatsApp or SMS when a visitor's turn nears (``notice.enabled``, off by
default). At the kiosk a visitor who gave a phone number in the guestbook may ask for it,
with consent recorded; when ``notice.remaining`` numbers or fewer are ahead, a background
worker posts the message to the office's gateway (a URL and a JSON template, e.g. a
self-hosted WhatsApp gateway), never from a face's UI thread.

At most once: a notice is claimed (``waiting`` -> ``sending``) in a write transaction before
the request goes out, so two workers never send the same one; the request carries an
``Idempotency-Key``. A refusal the gateway states (an HTTP error answer, a connection that
could not be made) is retried with back-off up to ``notice.attempts``; an outcome nobody
knows (a time-out after sending, a worker killed mid-request: a ``sending`` row found
later) is never retried, it becomes ``unknown``. A notice whose ticket was called first is
``cancelled``. The phone number stays in the office: notices are not in the outbox.

    request(store, settings, ticket_id)      # the visitor asked at the kiosk
    run_due(store, settings)                 # the worker: send what is due, once
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from kiosk.clock import iso
from kiosk.errors import Refused
from kiosk.i18n import t
from kiosk.ids import new_id

if TYPE_CHECKING:
    from kiosk.config import NoticeSettings, Settings
    from kiosk.store import Store

STALE_SENDING = timedelta(minutes=2)  # a claim this old belongs to a worker that died
BACKOFF_SECONDS = (10, 30, 60, 120, 300)


@dataclass(frozen=True)
class Answer:
    """What became of one request: ``ok``; else whether it may be tried again."""

    ok: bool
    retry: bool
    detail: str = ""


def phone_for(store: Store, ticket_id: str) -> str | None:
    """The phone number the visitor gave in the guestbook for this ticket's visit."""
    from kiosk.guestbook import VISIT_OF_TICKET

    row = store.row(f"SELECT g.phone {VISIT_OF_TICKET} LIMIT 1", (ticket_id,))
    return row["phone"] if row and row["phone"] else None


def offered(store: Store, settings: Settings, ticket_id: str) -> bool:
    """Whether the kiosk offers the notice for this ticket: switched on, a gateway set, a
    phone in the guestbook, and not asked for yet."""
    n = settings.notice
    if not (n.enabled and n.gateway_url) or phone_for(store, ticket_id) is None:
        return False
    return store.row("SELECT 1 FROM notices WHERE ticket_id = ?", (ticket_id,)) is None


def request(store: Store, settings: Settings, ticket_id: str) -> str:
    """Record the visitor's request and consent; the notice's id."""
    from kiosk import identity

    with store.write():
        phone = phone_for(store, ticket_id)
        ticket = store.row("SELECT day, status FROM tickets WHERE id = ?", (ticket_id,))
        if not settings.notice.enabled or phone is None or ticket is None:
            raise Refused("notice.unavailable")
        if ticket["status"] != "waiting":
            raise Refused("notice.not_waiting")
        existing = store.row("SELECT id FROM notices WHERE ticket_id = ?", (ticket_id,))
        if existing:
            return existing["id"]
        stamp = iso(store.clock.now())
        notice_id = new_id()
        store.db["notices"].insert({
            "id": notice_id, "created_at": stamp, "updated_at": stamp, "terminal_id": store.terminal_id,
            "ticket_id": ticket_id, "day": ticket["day"], "phone": phone, "consent_at": stamp,
            "consent_version": identity.notice_version(), "status": "waiting"})
        return notice_id


def _ahead(store: Store, settings: Settings, ticket_id: str) -> int | None:
    """Tickets to be called before this one, or None once it is no longer waiting."""
    from kiosk.queue import Ticket
    from kiosk.tickets import queue_for

    row = store.row("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
    while row and row["transferred_to"]:
        row = store.row("SELECT * FROM tickets WHERE id = ?", (row["transferred_to"],))
    if row is None or row["status"] != "waiting":
        return None
    ticket = Ticket.from_row(row)
    return queue_for(store, settings).ahead_of(ticket)


def message(settings: Settings, number: str, ahead: int, lang: str = "id") -> str:
    return t("notice.message", lang, office=settings.office.name, number=number, ahead=ahead)


def body(template: str, phone: str, text: str) -> bytes:
    """The gateway's JSON body: the template with the values JSON-escaped in place."""
    def esc(value: str) -> str:
        return json.dumps(value)[1:-1]

    filled = (template.replace("{phone_e164}", esc(phone)).replace("{phone}", esc(phone.lstrip("+")))
              .replace("{message}", esc(text)))
    json.loads(filled)  # the template was checked when the configuration loaded
    return filled.encode()


def post(notice: NoticeSettings, payload: bytes, key: str) -> Answer:
    """POST to the gateway; a 2xx answer is sent. Whether a failure may be retried: yes when
    the gateway said no or could not be reached, no when nobody knows (a time-out)."""
    import urllib.error  # loaded when a notice is sent, not with the kiosk (~10 ms)
    import urllib.request

    req = urllib.request.Request(notice.gateway_url, data=payload, method="POST", headers={
        "Content-Type": "application/json", "Idempotency-Key": key, **notice.headers})
    try:
        with urllib.request.urlopen(req, timeout=notice.timeout) as response:  # noqa: S310 - configured URL
            return Answer(True, False, str(response.status))
    except urllib.error.HTTPError as exc:
        return Answer(False, exc.code >= 500 or exc.code == 429, f"HTTP {exc.code}")
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            return Answer(False, False, "timeout")
        return Answer(False, True, str(exc.reason))
    except TimeoutError:
        return Answer(False, False, "timeout")
    except OSError as exc:
        return Answer(False, True, str(exc))


def run_due(store: Store, settings: Settings, send: Callable[[bytes, str], Answer] | None = None) -> int:
    """Send every notice that is due now, each at most once; how many were sent."""
    n = settings.notice
    if not (n.enabled and n.gateway_url):
        return 0
    send = send or (lambda payload, key: post(n, payload, key))
    now = store.clock.now()
    with store.write():  # claims left by a worker that died: nobody knows, never again
        store.conn.execute(
            "UPDATE notices SET status = 'unknown', updated_at = ?, last_error = 'interrupted'"
            " WHERE status = 'sending' AND claimed_at < ?", (iso(now), iso(now - STALE_SENDING)))
    sent = 0
    for row in store.rows("SELECT * FROM notices WHERE status = 'waiting' AND (next_attempt_at IS NULL"
                          " OR next_attempt_at <= ?) ORDER BY created_at", (iso(now),)):
        ahead = _ahead(store, settings, row["ticket_id"])
        if ahead is None:
            with store.write():
                store.conn.execute("UPDATE notices SET status = 'cancelled', updated_at = ?"
                                   " WHERE id = ? AND status = 'waiting'", (iso(now), row["id"]))
            continue
        if ahead > n.remaining:
            continue
        with store.write():  # the claim: only one worker gets it
            claimed = store.conn.execute(
                "UPDATE notices SET status = 'sending', claimed_at = ?, updated_at = ?,"
                " attempts = attempts + 1 WHERE id = ? AND status = 'waiting'",
                (iso(now), iso(now), row["id"])).rowcount
        if not claimed:
            continue
        number = store.row("SELECT number FROM tickets WHERE id = ?", (row["ticket_id"],))["number"]
        answer = send(body(n.template, row["phone"], message(settings, number, ahead,
                                                              settings.kiosk.language)), row["id"])
        stamp = iso(store.clock.now())
        with store.write():
            if answer.ok:
                store.conn.execute("UPDATE notices SET status = 'sent', sent_at = ?, updated_at = ?,"
                                   " last_error = NULL WHERE id = ?", (stamp, stamp, row["id"]))
                sent += 1
            elif answer.retry and row["attempts"] + 1 < n.attempts:
                wait = BACKOFF_SECONDS[min(row["attempts"], len(BACKOFF_SECONDS) - 1)]
                store.conn.execute(
                    "UPDATE notices SET status = 'waiting', next_attempt_at = ?, updated_at = ?,"
                    " last_error = ? WHERE id = ?",
                    (iso(store.clock.now() + timedelta(seconds=wait)), stamp, answer.detail, row["id"]))
            else:
                # Out of attempts, or refused for good: failed; a time-out: nobody knows.
                store.conn.execute("UPDATE notices SET status = ?, updated_at = ?, last_error = ?"
                                   " WHERE id = ?", ("unknown" if answer.detail == "timeout" else "failed",
                                                     stamp, answer.detail, row["id"]))
    return sent


def status(store: Store, ticket_id: str) -> str | None:
    row = store.row("SELECT status FROM notices WHERE ticket_id = ?", (ticket_id,))
    return row["status"] if row else None


__all__ = ["Answer", "body", "message", "offered", "phone_for", "post", "request", "run_due", "status"]

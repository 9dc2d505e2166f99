"""The queue on a visitor's phone: a small page on the office network that shows a ticket's
number, how many are ahead, the wait estimate and, the moment it is called, the counter.

The ticket's address is ``<phone.public_url>/t/<token>``: the token is an HMAC of the
ticket's id and day under a key kept in the store (``phone.key`` in ``meta``, never synced),
so it cannot be guessed from a ticket number, and it means nothing after the ticket's day:
the page of yesterday's ticket, or of a made-up token, says "not found". No personal data
is on the page. Plain HTML with server-sent events (``/t/<token>/events``), no script or
style from outside, readable on an old Android browser (EventSource since Android 4.4; a
meta refresh without it).

    pst-kiosk queue-page [--host 0.0.0.0] [--port 8080]     # serve it
    ticket_link(store, settings, ticket)                    # what the ticket's QR carries
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
from typing import TYPE_CHECKING, Any

from kiosk.estimate import describe, estimate_for
from kiosk.i18n import t

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.queue import Ticket
    from kiosk.store import Store

TOKEN_CHARS = 22  # base32 characters of the HMAC: 110 bits
POLL_SECONDS = 0.25  # how often an open page's server side looks for a change in the store
HEARTBEAT_SECONDS = 15  # a comment line keeps proxies and old browsers from closing the stream


def _key(store: Store) -> bytes:
    """The page key, made on first use (inside the caller's transaction, if any)."""
    stored = store.meta("phone.key")
    if stored is None:
        sql = "INSERT INTO meta(key, value) VALUES ('phone.key', ?) ON CONFLICT(key) DO NOTHING"
        if store.conn.in_transaction:
            store.conn.execute(sql, (secrets.token_hex(32),))
        else:
            with store.write():
                store.conn.execute(sql, (secrets.token_hex(32),))
        stored = store.meta("phone.key")
    return bytes.fromhex(stored)


def token_for(key: bytes, ticket_id: str, day: str) -> str:
    digest = hmac.new(key, f"{ticket_id}|{day}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode().rstrip("=").lower()[:TOKEN_CHARS]


def ticket_token(store: Store, ticket: Ticket) -> str:
    return token_for(_key(store), ticket.id, ticket.day.isoformat())


def ticket_link(store: Store, settings: Settings, ticket: Ticket) -> str | None:
    """The page's address for ``ticket``, or None where no public address is configured."""
    base = settings.phone.public_url.rstrip("/")
    return f"{base}/t/{ticket_token(store, ticket)}" if base else None


def find_ticket(store: Store, settings: Settings, token: str) -> Ticket | None:
    """Today's ticket whose token this is (compared in constant time), else None."""
    from kiosk.tickets import queue_for

    if len(token) != TOKEN_CHARS or not token.isalnum():
        return None
    queue = queue_for(store, settings)
    key = _key(store)
    day = queue.today().isoformat()
    found = None
    # Every row of the day: a transferred ticket's link was made for its first row.
    for row in store.rows("SELECT id FROM tickets WHERE day = ? AND transferred_from IS NULL", (day,)):
        if hmac.compare_digest(token_for(key, row["id"], day), token):
            found = row["id"]
    if found is None:
        return None
    ticket = queue.get(found)
    while ticket.transferred_to:  # a transfer keeps the number: follow it to the live row
        ticket = queue.get(ticket.transferred_to)
    return ticket


def ticket_state(store: Store, settings: Settings, ticket: Ticket, lang: str = "id") -> dict[str, Any]:
    """What the page shows, as plain values (no personal data)."""
    from kiosk.tickets import queue_for

    queue = queue_for(store, settings)
    ticket = queue.get(ticket.id)
    while ticket.transferred_to:
        ticket = queue.get(ticket.transferred_to)
    state: dict[str, Any] = {"number": ticket.number, "status": ticket.status}
    if ticket.status == "waiting":
        state["ahead"] = queue.ahead_of(ticket)
        state["line"] = t("phone.ahead", lang, count=state["ahead"])
        state["estimate"] = describe(estimate_for(queue, ticket), lang)
    elif ticket.status in ("called", "serving"):
        state["counter"] = ticket.counter
        state["line"] = t("phone.called", lang, counter=ticket.counter)
        state["estimate"] = ""
    else:
        state["line"] = t(f"phone.status_{ticket.status}", lang)
        state["estimate"] = ""
    return state


_PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
{refresh}<title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 0; padding: 1em; text-align: center; background: #fff; color: #111; }}
h1 {{ font-size: 1.1em; font-weight: normal; margin: .2em 0; }}
#number {{ font-size: 4.5em; font-weight: bold; margin: .2em 0; letter-spacing: .05em; }}
#line {{ font-size: 1.6em; margin: .3em 0; }}
#line.called {{ background: #ffd54a; padding: .4em; font-weight: bold; }}
#estimate {{ font-size: 1.2em; color: #333; }}
p.note {{ color: #555; font-size: .9em; margin-top: 2em; }}
</style></head>
<body>
<h1>{office}</h1>
<div>{your_number}</div>
<div id="number">{number}</div>
<div id="line" class="{line_class}">{line}</div>
<div id="estimate">{estimate}</div>
<p class="note">{note}</p>
<p class="note"><a href="?lang={other}">{other_name}</a></p>
<script>
(function () {{
  if (!window.EventSource) return;
  var source = new EventSource(location.pathname.replace(/\\/$/, "") + "/events" + location.search);
  source.onmessage = function (e) {{
    var s = JSON.parse(e.data);
    document.getElementById("line").textContent = s.line;
    document.getElementById("line").className = s.counter ? "called" : "";
    document.getElementById("estimate").textContent = s.estimate;
    if (s.status === "done" || s.status === "no_show" || s.status === "expired") source.close();
  }};
}})();
</script>
</body></html>
"""

_NOT_FOUND = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: sans-serif; text-align: center; padding: 1em">
<h1 style="font-size: 1.3em">{title}</h1><p>{text}</p></body></html>
"""


def render_page(settings: Settings, state: dict[str, Any], lang: str = "id") -> str:
    e = html.escape
    return _PAGE.format(
        lang=lang, title=e(t("phone.title", lang, number=state["number"])),
        refresh="<noscript><meta http-equiv=\"refresh\" content=\"30\"></noscript>\n",
        office=e(settings.office.name), your_number=e(t("phone.your_number", lang)),
        number=e(state["number"]), line=e(state["line"]),
        line_class="called" if state.get("counter") else "", estimate=e(state["estimate"]),
        note=e(t("phone.note", lang)), other="id" if lang == "en" else "en",
        other_name="Bahasa Indonesia" if lang == "en" else "English")


def render_not_found(lang: str = "id") -> str:
    return _NOT_FOUND.format(lang=lang, title=html.escape(t("phone.not_found_title", lang)),
                             text=html.escape(t("phone.not_found", lang)))


def make_app(settings: Settings, *, max_clients: int | None = None):  # noqa: ANN201 - aiohttp.web.Application
    """The page's web app (aiohttp, the stack textual-serve runs on). Each open page holds one
    event stream; past ``max_clients`` streams a page still loads but gets no live updates."""
    import asyncio

    from aiohttp import web

    from kiosk.store import Store

    limit = max_clients or settings.phone.max_clients
    streams = {"open": 0}
    routes = web.RouteTableDef()

    def lang_of(request: web.Request) -> str:
        wanted = request.query.get("lang") or settings.kiosk.language  # the office's language first
        return "en" if wanted == "en" else "id"

    @routes.get("/t/{token}")
    async def page(request: web.Request) -> web.Response:
        lang = lang_of(request)
        with Store(settings.db_path) as store:
            ticket = find_ticket(store, settings, request.match_info["token"])
            if ticket is None:
                return web.Response(status=404, text=render_not_found(lang), content_type="text/html")
            state = ticket_state(store, settings, ticket, lang)
        return web.Response(text=render_page(settings, state, lang), content_type="text/html",
                            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})

    @routes.get("/t/{token}/events")
    async def events(request: web.Request) -> web.StreamResponse:
        lang = lang_of(request)
        if streams["open"] >= limit:
            return web.Response(status=503, text="busy")
        streams["open"] += 1
        try:
            with Store(settings.db_path) as store:
                ticket = find_ticket(store, settings, request.match_info["token"])
                if ticket is None:
                    return web.Response(status=404, text="not found")
                response = web.StreamResponse(headers={
                    "Content-Type": "text/event-stream", "Cache-Control": "no-store",
                    "X-Accel-Buffering": "no"})
                await response.prepare(request)
                last_sent, version, quiet = None, None, 0.0
                day = ticket.day
                while True:
                    if store.data_version() != version or quiet >= HEARTBEAT_SECONDS:
                        version = store.data_version()
                        from kiosk.tickets import queue_for

                        if queue_for(store, settings).today() != day:
                            await response.write(b"data: " + json.dumps(
                                {"status": "expired", "line": t("phone.not_found", lang), "estimate": ""}).encode()
                                + b"\n\n")
                            break
                        state = ticket_state(store, settings, ticket, lang)
                        if state != last_sent:
                            await response.write(b"data: " + json.dumps(state).encode() + b"\n\n")
                            last_sent, quiet = state, 0.0
                        elif quiet >= HEARTBEAT_SECONDS:
                            await response.write(b": keep-alive\n\n")
                            quiet = 0.0
                        if state["status"] in ("done", "no_show"):
                            break
                    await asyncio.sleep(POLL_SECONDS)
                    quiet += POLL_SECONDS
                return response
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        finally:
            streams["open"] -= 1

    app = web.Application()
    app.add_routes(routes)
    return app


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the page until interrupted (SIGTERM or Ctrl+C)."""
    from aiohttp import web

    web.run_app(make_app(settings), host=host, port=port, print=None, handle_signals=True)


__all__ = ["find_ticket", "make_app", "render_page", "serve", "ticket_link", "ticket_state", "ticket_token"]

"""A notice when the turn nears (kiosk/notices.py), against a real local HTTP gateway: sent
once when the position reaches the threshold, not at all without consent, retried when the
gateway fails, never twice after the sending process is killed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk import config, notices
from kiosk.errors import Refused
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store
from kiosk.tickets import queue_for
from tests.screens.helpers import GUEST


class Gateway:
    """A WhatsApp-gateway stand-in: records every request; answers per ``mode``: "ok",
    "fail N" (HTTP 503 for the first N), or "hang" (reads the request, never answers)."""

    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode
        self.requests: list[dict] = []
        self.received = threading.Event()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                length = int(self.headers["Content-Length"])
                gateway.requests.append({"body": json.loads(self.rfile.read(length)),
                                         "key": self.headers.get("Idempotency-Key"),
                                         "auth": self.headers.get("Authorization")})
                gateway.received.set()
                if gateway.mode == "hang":
                    time.sleep(30)
                    return
                if gateway.mode.startswith("fail") and len(gateway.requests) <= int(gateway.mode.split()[1]):
                    self.send_response(503)
                else:
                    self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    server = Gateway()
    yield server
    server.close()


def notice_settings(tmp_path: Path, url: str, *, enabled: bool = True):
    path = tmp_path / "notice.toml"
    config.save_file(path, {
        "db": str(tmp_path / "pst.db"),
        "office": {"code": "1373", "name": "PST BPS Kota Sawahlunto", "counters": 3},
        "kiosk": {"staff_exit_code": "246810"},
        "notice": {"enabled": enabled, "gateway_url": url, "timeout": 2,
                   "template": '{"to": "{phone}", "text": "{message}", "channel": "wa"}',
                   "headers": {"Authorization": "Bearer rahasia"}}})
    return path, config.load(path)


def visitors(store, settings, count: int, phone: str | None = "0812 3456 7890"):
    """``count`` guestbook visitors for sales, each with their ticket."""
    tickets = []
    for n in range(count):
        guest = {**GUEST, "id_number": f"32730141019000{n + 10:02d}", "email": f"v{n}@example.com",
                 "phone": phone if phone else ""}
        tickets.append(register_visit(store, settings, service="B", purpose="skripsi", consent=True,
                                      guest=validate_guest(guest)).issued.ticket)
    return tickets


def test_sent_once_when_three_remain_and_never_without_consent(tmp_path, clock, gateway):
    _, settings = notice_settings(tmp_path, gateway.url)
    with Store(settings.db_path, clock=clock) as store:
        tickets = visitors(store, settings, 7)
        last = tickets[-1]
        assert notices.offered(store, settings, last.id)
        notices.request(store, settings, last.id)
        assert not notices.offered(store, settings, last.id)  # asked once
        assert notices.run_due(store, settings) == 0  # 6 ahead
        queue = queue_for(store, settings)
        queue.call_next(1)
        queue.call_next(2)
        assert notices.run_due(store, settings) == 0  # 4 ahead
        queue.call_next(3)
        assert notices.run_due(store, settings) == 1  # 3 ahead: now
        for _ in range(3):
            assert notices.run_due(store, settings) == 0
        assert notices.status(store, last.id) == "sent"
    # Only the visitor who asked was told, once; the others (with phones) never.
    assert len(gateway.requests) == 1
    sent = gateway.requests[0]
    assert sent["body"]["to"] == "6281234567890" and sent["body"]["channel"] == "wa"
    assert "B-007" in sent["body"]["text"] and "tinggal 3 nomor" in sent["body"]["text"]
    assert sent["auth"] == "Bearer rahasia" and sent["key"]


def test_off_by_default_and_no_phone_no_offer(tmp_path, clock, gateway, store, settings):
    ticket = visitors(store, settings, 1)[0]
    assert not settings.notice.enabled and not notices.offered(store, settings, ticket.id)
    with pytest.raises(Refused):
        notices.request(store, settings, ticket.id)
    (tmp_path / "on").mkdir()
    _, on = notice_settings(tmp_path / "on", gateway.url)
    with Store(on.db_path, clock=clock) as other:
        silent = visitors(other, on, 1, phone=None)[0]
        assert not notices.offered(other, on, silent.id)


def test_a_failing_gateway_is_retried_and_a_called_ticket_cancels(tmp_path, clock, gateway):
    gateway.mode = "fail 2"
    _, settings = notice_settings(tmp_path, gateway.url)
    with Store(settings.db_path, clock=clock) as store:
        first, second = visitors(store, settings, 2)
        notices.request(store, settings, second.id)
        assert notices.run_due(store, settings) == 0  # 503
        assert notices.run_due(store, settings) == 0  # not yet due again
        clock.advance(seconds=11)
        assert notices.run_due(store, settings) == 0  # 503 again
        clock.advance(seconds=31)
        assert notices.run_due(store, settings) == 1
        assert notices.status(store, second.id) == "sent"
        assert len(gateway.requests) == 3 and len({r["key"] for r in gateway.requests}) == 1
        # A notice whose ticket is called before its time is dropped, not sent late.
        gateway.mode = "ok"
        third = visitors(store, settings, 6)[-1]
        notices.request(store, settings, third.id)
        queue = queue_for(store, settings)
        queue.call(1, third.number)
        assert notices.run_due(store, settings) == 0
        assert notices.status(store, third.id) == "cancelled"


_WORKER = """
import sys
from kiosk import config, notices
from kiosk.store import Store
settings = config.load(sys.argv[1])
with Store(settings.db_path) as store:
    notices.run_due(store, settings)
"""


def test_never_twice_after_the_sender_is_killed(tmp_path, clock, gateway):
    gateway.mode = "hang"
    path, settings = notice_settings(tmp_path, gateway.url)
    with Store(settings.db_path) as store:
        ticket = visitors(store, settings, 1)[0]
        notices.request(store, settings, ticket.id)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    worker = subprocess.Popen([sys.executable, "-c", _WORKER, str(path)], env=env)
    try:
        assert gateway.received.wait(30), "the worker never reached the gateway"
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    gateway.mode = "ok"
    with Store(settings.db_path) as store:
        assert notices.status(store, ticket.id) == "sending"
        assert notices.run_due(store, settings) == 0  # a fresh claim: not the dead worker's
    clock.set(datetime.now(timezone.utc) + timedelta(minutes=5))  # past the claim's staleness
    with Store(settings.db_path, clock=clock) as store:
        for _ in range(2):
            assert notices.run_due(store, settings) == 0
        assert notices.status(store, ticket.id) == "unknown"
    assert len(gateway.requests) == 1


async def test_the_kiosk_offers_the_notice_and_its_worker_sends_it(tmp_path, clock, gateway):
    from screens.kiosk_app import KioskApp
    from tests.screens.helpers import click, new_visitor_ticket, shown

    _, settings = notice_settings(tmp_path, gateway.url)
    with Store(settings.db_path) as store:
        visitors(store, settings, 4)  # four ahead of the kiosk's visitor
    app = KioskApp(settings, spool=False)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await new_visitor_ticket(pilot, "penjualan")
        assert "Pesan dikirim sekali ke nomor ponsel di buku tamu" in shown(app)
        await click(pilot, "#notify")
        assert "Anda akan dikabari saat tinggal 3 nomor lagi" in shown(app)
        assert not screen.query("#notify")
        with Store(settings.db_path) as store:
            row = store.row("SELECT ticket_id, phone, status, consent_version FROM notices")
            assert row["ticket_id"] == screen.issued.ticket.id and row["phone"] == "+6281234567890"
            assert row["status"] == "waiting" and row["consent_version"]
            queue_for(store, settings).call_next(1)  # 3 ahead now: the kiosk's worker sends it
        for _ in range(200):
            if gateway.requests:
                break
            await pilot.pause(0.05)
        assert len(gateway.requests) == 1 and screen.issued.ticket.number in gateway.requests[0]["body"]["text"]

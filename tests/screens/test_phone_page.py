"""The queue on a visitor's phone (kiosk/phone.py, `pst-kiosk queue-page`): the ticket's
link opens its page in a real headless browser, the page changes by itself when the
ticket is called, a made-up address shows nothing, and the page holds no personal data."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

from kiosk import config, phone
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store
from kiosk.tickets import issue_ticket, queue_for
from tests.screens.helpers import GUEST
from tests.screens.test_serve import CHROMIUM, _free_port, _wait_port, needs_browser


def phone_settings(tmp_path, port: int):
    path = tmp_path / "phone.toml"
    config.save_file(path, {"db": str(tmp_path / "pst.db"),
                            "office": {"code": "1373", "name": "PST BPS Kota Sawahlunto", "counters": 3},
                            "kiosk": {"staff_exit_code": "246810"},
                            "phone": {"public_url": f"http://127.0.0.1:{port}"}})
    return path, config.load(path)


def test_a_token_is_unguessable_and_lasts_the_day(tmp_path, clock):
    _, settings = phone_settings(tmp_path, 8080)
    with Store(settings.db_path, clock=clock) as store:
        issued = issue_ticket(store, settings, "B")
        token = issued.link.rsplit("/", 1)[1]
        assert issued.link.startswith("http://127.0.0.1:8080/t/") and len(token) == phone.TOKEN_CHARS
        assert issued.ticket.number not in issued.link and issued.ticket.id not in issued.link
        assert phone.find_ticket(store, settings, token).id == issued.ticket.id
        assert phone.find_ticket(store, settings, "a" * phone.TOKEN_CHARS) is None
        assert phone.find_ticket(store, settings, token[:-1] + ("a" if token[-1] != "a" else "b")) is None
        # A transfer keeps the number: the link follows the ticket to its new service.
        moved = queue_for(store, settings).transfer(issued.ticket.id, "C")
        assert phone.find_ticket(store, settings, token).id == moved.id
        assert phone.ticket_state(store, settings, issued.ticket)["number"] == "B-001"
        clock.advance(days=1)  # the next day the address means nothing
        assert phone.find_ticket(store, settings, token) is None


def test_no_public_address_no_link(store, settings):
    issued = issue_ticket(store, settings, "B")
    assert issued.link is None
    job = store.row("SELECT unpack_text(document) AS document FROM print_jobs WHERE id = ?", (issued.job_id,))
    assert "Pantau antrian" not in job["document"]


@needs_browser
def test_the_page_opens_from_the_ticket_and_shows_the_call(tmp_path, clock):
    from playwright.sync_api import sync_playwright

    from printers.document import Document
    from printers.render import render_text

    port = _free_port()
    path, settings = phone_settings(tmp_path, port)
    with Store(settings.db_path) as store:
        visit = register_visit(store, settings, service="B", purpose="skripsi", consent=True,
                               guest=validate_guest(GUEST))
        issued = visit.issued
        job = store.row("SELECT unpack_text(document) AS document FROM print_jobs WHERE id = ?", (issued.job_id,))
    printed = render_text(Document.model_validate_json(job["document"]))
    assert issued.link in printed and "Pantau antrian di ponsel" in printed  # under its own QR
    env = {**os.environ, "PST_KIOSK_CONFIG": str(path)}
    server = subprocess.Popen([sys.executable, "-m", "screens.main", "queue-page", "--host", "127.0.0.1",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, start_new_session=True)
    outside: list[str] = []
    try:
        _wait_port(port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            page = browser.new_page(viewport={"width": 360, "height": 640})  # a small phone
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith(f"http://127.0.0.1:{port}/") else None)
            page.goto(issued.link, wait_until="load")
            assert page.inner_text("#number") == issued.ticket.number
            assert page.inner_text("#line") == "0 orang di depan Anda"
            assert page.inner_text("#estimate") == "waktu tunggu belum dapat diperkirakan"
            content = page.content()
            for private in (GUEST["name"], GUEST["id_number"], GUEST["email"], "3456"):
                assert private not in content
            time.sleep(1.0)  # the page's event stream is open
            with Store(settings.db_path) as store:
                queue_for(store, settings).call_next(2)
            called_at = time.monotonic()
            page.wait_for_function(
                "document.getElementById('line').textContent.indexOf('Dipanggil ke loket 2') === 0",
                timeout=15_000)
            latency = time.monotonic() - called_at
            print(f"page showed the call {latency:.2f} s after it was made")
            assert page.eval_on_selector("#line", "e => e.className") == "called"
            # A made-up address shows nothing of anybody's ticket.
            response = page.goto(f"http://127.0.0.1:{port}/t/{'a' * phone.TOKEN_CHARS}")
            assert response.status == 404 and "Antrian tidak ditemukan" in page.content()
            response = page.goto(f"http://127.0.0.1:{port}/t/B-001")
            assert response.status == 404
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    assert outside == []

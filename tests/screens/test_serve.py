"""`pst-kiosk serve counter` in a real headless browser (Debian's chromium, driven by
Playwright): the page loads with nothing from outside, and a key press reaches the app
(it calls the next ticket, which the store then holds)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.store import Store
from kiosk.tickets import issue_ticket

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_browser = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                   reason="chromium is not installed (.ci/run installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, timeout: float = 30) -> None:
    end = time.time() + timeout
    while time.time() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("server did not start")


def _serve_and_press(settings, tmp_path, *, listen: str, page_host: str) -> None:
    """Serve the counter listening on ``listen``, open it as http://``page_host``:PORT/, press
    "n" until the store holds the call; nothing may be fetched from any other address."""
    from playwright.sync_api import sync_playwright

    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
    port = _free_port()
    env = {**os.environ, "PST_KIOSK_CONFIG": str(settings.db_path.parent / "config.toml"),
           "PST_KIOSK_DB": str(settings.db_path)}
    server = subprocess.Popen([sys.executable, "-m", "screens.main", "serve", "counter", "--counter", "1",
                               "--host", listen, "--port", str(port)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    origin = f"{page_host}:{port}"
    outside: list[str] = []
    try:
        _wait_port(port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.on("request", lambda r: outside.append(r.url)
                    if not r.url.startswith((f"http://{origin}/", "data:")) else None)
            page.on("websocket", lambda ws: outside.append(ws.url)
                    if not ws.url.startswith(f"ws://{origin}/") else None)
            page.goto(f"http://{origin}/", wait_until="load")
            page.wait_for_selector("#terminal", timeout=20_000)
            page.screenshot(path=str(tmp_path / "counter.png"))
            deadline = time.time() + 40
            called = False
            while time.time() < deadline and not called:
                page.click("#terminal")
                page.keyboard.press("n")
                time.sleep(1.0)
                with Store(settings.db_path) as store:
                    called = store.row("SELECT status FROM tickets")["status"] == "called"
            page.screenshot(path=str(tmp_path / "counter-called.png"))
            browser.close()
        assert called, "the key press never reached the counter"
        assert outside == [], f"the page fetched from elsewhere: {outside}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@needs_browser
def test_counter_in_the_browser_takes_a_key(settings, tmp_path):
    _serve_and_press(settings, tmp_path, listen="127.0.0.1", page_host="127.0.0.1")


@needs_browser
def test_served_on_every_address_the_page_works_from_another_name(settings, tmp_path):
    # Listening on 0.0.0.0 (the office LAN); another PC reaches it by its own address for
    # this host, here 127.0.0.2 (loopback: the test never leaves this machine).
    _serve_and_press(settings, tmp_path, listen="0.0.0.0", page_host="127.0.0.2")


def test_a_port_in_use_is_refused_in_words_before_any_banner(settings, capsys, monkeypatch):
    import socket

    from screens.main import main

    monkeypatch.setenv("PST_KIOSK_CONFIG", str(settings.db_path.parent / "config.toml"))  # the fixture's
    monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["serve", "display", "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 6 and out == "" and "Serving" not in err
    assert err.strip() == f"pst-kiosk: Port {port} di 127.0.0.1 sudah dipakai program lain: pilih port lain dengan --port"
    code = main(["--lang", "en", "serve", "display", "--host", "192.0.2.1", "--port", str(port)])
    assert code == 6 and "192.0.2.1 is not an address of this machine" in capsys.readouterr().err


def test_a_served_display_is_silent_and_a_local_one_can_be_made_so(settings):
    import argparse

    from screens.serve import face_command

    served = face_command("display", argparse.Namespace(db=str(settings.db_path), config=None, lang=None))
    assert served.endswith("display --silent")
    assert not face_command("counter", argparse.Namespace(db=None, config=None, lang=None, counter=2)).endswith(
        "--silent")


@needs_browser
def test_a_served_display_comes_back_by_itself_after_the_server_restarts(settings, tmp_path):
    """A wall screen has nobody to press Restart: when the server goes and comes back, the
    display's page starts a new session by itself. (A counter page waits for its officer.)"""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "PST_KIOSK_CONFIG": str(settings.db_path.parent / "config.toml"),
           "PST_KIOSK_DB": str(settings.db_path)}

    def serve(face: str) -> subprocess.Popen:
        server = subprocess.Popen([sys.executable, "-m", "screens.main", "serve", face, "--port", str(port)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(port)
        return server

    def stop(server: subprocess.Popen) -> None:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()

    # A page that started again is a new document: the mark left on the old one is gone.
    connected = ("!window.pstOldSession && document.getElementById('terminal') !== null"
                 " && document.getElementById('terminal').classList.contains('-connected')")
    closed = "document.body.classList.contains('-closed')"
    mark = "window.pstOldSession = true"
    servers = [serve("display")]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(f"http://127.0.0.1:{port}/", wait_until="load")
            page.wait_for_function(connected, timeout=30_000)
            page.evaluate(mark)
            stop(servers.pop())
            page.wait_for_function(closed, timeout=30_000)
            time.sleep(6)  # a first retry finds nobody: the page keeps asking
            servers.append(serve("display"))
            page.wait_for_function(connected, timeout=40_000)  # a new session, nobody clicked
            page.screenshot(path=str(tmp_path / "display-back.png"))
            stop(servers.pop())
            # A counter page does not restart on its own.
            servers.append(serve("counter"))
            page.goto(f"http://127.0.0.1:{port}/", wait_until="load")
            page.wait_for_function(connected, timeout=30_000)
            page.evaluate(mark)
            stop(servers.pop())
            page.wait_for_function(closed, timeout=30_000)
            servers.append(serve("counter"))
            time.sleep(12)
            assert page.evaluate(closed) and page.evaluate("window.pstOldSession === true"), \
                "a counter page restarted without its officer"
            browser.close()
    finally:
        for server in servers:
            stop(server)


@needs_browser
def test_stopping_the_server_ends_every_tab_s_app_at_once(settings, tmp_path):
    """systemd stops a service with SIGTERM: with a tab open the server used to wait a minute
    for its websocket and, killed then, leave the tab's app running on the store."""
    from playwright.sync_api import sync_playwright

    port = _free_port()
    db = str(settings.db_path)
    env = {**os.environ, "PST_KIOSK_CONFIG": str(settings.db_path.parent / "config.toml")}

    def apps() -> list[int]:  # this test's tab processes: their command names this store
        found = []
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                pid = int(cmdline.parent.name)
                if db.encode() in cmdline.read_bytes() and pid != server.pid:
                    found.append(pid)
            except OSError:
                continue
        return found

    server = subprocess.Popen([sys.executable, "-m", "screens.main", "--db", db, "serve", "display",
                               "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/", wait_until="load")
            page.wait_for_function("document.getElementById('terminal').classList.contains('-connected')",
                                   timeout=30_000)
            deadline = time.monotonic() + 20
            while not apps() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert apps(), "the tab's app should be running"
            time.sleep(2)  # the board is up
            started = time.monotonic()
            server.terminate()
            server.wait(timeout=15)
            assert time.monotonic() - started < 10
            deadline = time.monotonic() + 10
            while apps() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert apps() == [], "a tab's app outlived the server"
            browser.close()
    finally:
        if server.poll() is None:
            server.kill()

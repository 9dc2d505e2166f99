"""`pst-kiosk serve` on the office network, as a real process with real browsers (Debian's
chromium): HTTPS with a throwaway certificate, the warning when PINs would cross the LAN
in clear, the cap on tabs' apps, and no app outliving its browser or the server. Whether
an app runs is read from the process table (/proc), never from the server's word."""

from __future__ import annotations

import base64
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.screens.test_serve import CHROMIUM, _free_port, needs_browser

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table in /proc")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
CONNECTED = "document.getElementById('terminal') && document.getElementById('terminal').classList.contains('-connected')"


def _processes() -> dict[int, tuple[int, bytes]]:
    """pid -> (parent pid, command line) of every process now."""
    found = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            found[int(entry.name)] = (int(stat[1]), (entry / "cmdline").read_bytes())
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
    return found


def _wait(condition, timeout: float, what: str, every: float = 0.1):
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        time.sleep(every)


class Served:
    """`pst-kiosk serve FACE` in a session of its own; ``apps()`` are the processes running
    this test's store (their command line names its file) other than the server."""

    def __init__(self, settings, face: str, *extra: str) -> None:
        self.db = str(settings.db_path)
        self.port = _free_port()
        env = {**os.environ, "PST_KIOSK_CONFIG": str(settings.db_path.parent / "config.toml")}
        self.log = settings.db_path.parent / f"serve-{self.port}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "screens.main", "--db", self.db, "serve", face, "--port", str(self.port), *extra],
            env=env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)
        _wait(self._listening, 60, "serve listens")

    def _listening(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"serve ended: {self.log.read_text(errors='replace')[-2000:]}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.port)) == 0

    def apps(self) -> list[int]:
        return [pid for pid, (_, cmd) in _processes().items()
                if pid != self.process.pid and self.db.encode() in cmd and b"screens.main" in cmd]

    def children(self) -> list[int]:
        return [pid for pid, (parent, _) in _processes().items() if parent == self.process.pid]

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            with _suppress():
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        for pid in self.apps():  # never leave one behind for the next test, whatever failed
            with _suppress():
                os.kill(pid, signal.SIGKILL)


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        return kind is not None and issubclass(kind, OSError)


@pytest.fixture
def serve(settings):
    started: list[Served] = []

    def start(face: str, *extra: str) -> Served:
        started.append(Served(settings, face, *extra))
        return started[-1]

    yield start
    for served in started:
        served.stop()


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        launched.close()


# -- HTTPS -------------------------------------------------------------------------------------


@needs_browser
def test_https_with_a_throwaway_certificate_page_and_websocket(serve, browser, tmp_path):
    from tests.pg_cluster import make_certs

    (tmp_path / "certs").mkdir()
    certs = make_certs(tmp_path / "certs", names=("localhost",), ips=("127.0.0.1",))
    served = serve("counter", "--certfile", str(certs.server_crt), "--keyfile", str(certs.server_key))
    # The certificate is the one given: a client trusting the office's CA verifies it.
    trusted = ssl.create_default_context(cafile=str(certs.ca))
    with urllib.request.urlopen(f"https://localhost:{served.port}/", context=trusted, timeout=30) as answer:
        assert answer.status == 200 and b'id="terminal"' in answer.read()
    with pytest.raises(OSError):  # plain HTTP is not answered as a page
        urllib.request.urlopen(f"http://localhost:{served.port}/", timeout=30).read()

    context = browser.new_context(ignore_https_errors=True)  # chromium has no test CA in its store
    page = context.new_page()
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.goto(f"https://localhost:{served.port}/", wait_until="load")
    page.wait_for_function(CONNECTED, timeout=60_000)
    assert sockets and all(url.startswith(f"wss://localhost:{served.port}/") for url in sockets)
    _wait(served.apps, 30, "the tab's app runs")
    assert "tanpa HTTPS" not in served.output()
    context.close()


def test_on_the_office_network_without_a_certificate_serve_warns_in_clear_words(serve, settings):
    served = serve("display", "--host", "0.0.0.0")
    warning = _wait(lambda: [line for line in served.output().splitlines() if "PERINGATAN" in line], 30,
                    "the warning")
    assert "0.0.0.0 tanpa HTTPS: PIN petugas" in warning[0] and "--certfile" in warning[0]
    local = serve("display")  # loopback: nothing crosses the network
    _wait(lambda: "Serving" in local.output(), 30, "the banner")
    assert "PERINGATAN" not in local.output()


def test_a_certificate_that_cannot_be_used_is_refused_in_words(settings, tmp_path, capsys, monkeypatch):
    from screens.main import main
    from tests.pg_cluster import make_certs

    monkeypatch.setenv("PST_KIOSK_CONFIG", str(settings.db_path.parent / "config.toml"))
    (tmp_path / "certs").mkdir()
    certs = make_certs(tmp_path / "certs")
    port = str(_free_port())
    assert main(["serve", "display", "--port", port, "--keyfile", str(certs.server_key)]) == 6
    assert "tanpa sertifikatnya" in capsys.readouterr().err
    assert main(["serve", "display", "--port", port, "--certfile", str(tmp_path / "none.pem")]) == 6
    assert "none.pem tidak dapat dibaca: berkasnya tidak ada" in capsys.readouterr().err
    # A key that is not the certificate's (the CA's key) is refused before anything listens.
    assert main(["--lang", "en", "serve", "display", "--port", port, "--certfile", str(certs.server_crt),
                 "--keyfile", str(tmp_path / "certs" / "ca.key")]) == 6
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the key unencrypted and matching the certificate" in err
    # The configuration says the same, checked by pydantic when it loads.
    (settings.db_path.parent / "config.toml").write_text(
        (settings.db_path.parent / "config.toml").read_text() + f'\n[serve]\nkeyfile = "{certs.server_key}"\n')
    assert main(["serve", "display", "--port", port]) == 6
    assert "serve.keyfile" in capsys.readouterr().err


# -- the cap -----------------------------------------------------------------------------------


@needs_browser
@linux_only
def test_a_tab_past_the_cap_gets_a_page_and_starts_nothing(serve, browser, settings):
    config = settings.db_path.parent / "config.toml"  # the cap as an office sets it: [serve] max_apps
    config.write_text(config.read_text() + "\n[serve]\nmax_apps = 1\n")
    served = serve("display")
    first = browser.new_page()
    first.goto(f"http://127.0.0.1:{served.port}/", wait_until="load")
    first.wait_for_function(CONNECTED, timeout=60_000)
    running = _wait(served.apps, 30, "the first tab's app")
    assert len(running) == 1

    second = browser.new_page()
    answer = second.goto(f"http://127.0.0.1:{served.port}/", wait_until="load")
    assert answer.status == 503
    text = second.inner_text("body")
    assert text.index("Tampilan ini sudah penuh") < text.index("This screen is full")  # Indonesian first
    assert "Sudah ada 1 tab" in text
    # A websocket opened past the cap (a stale page, a script) is refused too.
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as raw:
        raw.sendall(_upgrade(served.port))
        assert raw.recv(64).startswith(b"HTTP/1.1 503")
    assert served.apps() == running and served.children() == running  # nothing else started

    first.close()  # the slot frees once its app has ended
    _wait(lambda: not served.apps(), 10, "the closed tab's app ends")
    _wait(lambda: second.goto(f"http://127.0.0.1:{served.port}/", wait_until="load").status == 200, 30,
          "the page is served again", every=0.5)
    second.wait_for_function(CONNECTED, timeout=60_000)
    _wait(served.apps, 30, "the second tab's app")


# -- apps whose browser has gone ---------------------------------------------------------------


@needs_browser
@linux_only
def test_an_app_whose_page_left_at_once_is_gone_within_10_s(serve, tmp_path):
    """The issue's reproduction: chromium takes a screenshot and leaves."""
    served = serve("display")
    seen: set[int] = set()
    shot = subprocess.Popen([CHROMIUM, "--headless", *ARGS, f"--screenshot={tmp_path / 'shot.png'}",
                             "--virtual-time-budget=15000", f"http://127.0.0.1:{served.port}/"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while shot.poll() is None:
        seen.update(served.apps())
        time.sleep(0.05)
    left = time.monotonic()
    seen.update(served.apps())
    assert seen, "the page never started an app (too quick to see?)"
    _wait(lambda: not (seen & set(served.apps())), 10, "the app of a page that left at once ends")
    assert time.monotonic() - left <= 10.5


@needs_browser
@linux_only
def test_an_app_whose_browser_crashed_is_gone_within_10_s(serve, browser):
    served = serve("counter")
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{served.port}/", wait_until="load")
    page.wait_for_function(CONNECTED, timeout=60_000)
    apps = _wait(served.apps, 30, "the tab's app")
    table = _processes()
    ours, grew = {os.getpid()}, True  # this test's browser only: descendants of this process
    while grew:
        more = {pid for pid, (parent, _) in table.items() if parent in ours} - ours
        ours |= more
        grew = bool(more)
    renderers = [pid for pid in ours if b"--type=renderer" in table[pid][1]]
    assert renderers
    for pid in renderers:  # the tab's process dies as in a crash: no close frame, no goodbye
        with _suppress():
            os.kill(pid, signal.SIGKILL)
    _wait(lambda: not (set(apps) & set(served.apps())), 10, "the app of a crashed tab ends")


@linux_only
def test_an_app_whose_network_was_cut_is_gone_within_10_s(serve):
    """A socket that answers nothing (a cable pulled: no FIN, no pong): the server's ping
    finds it gone and the app ends."""
    served = serve("display")
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as raw:
        raw.sendall(_upgrade(served.port))
        assert raw.recv(64).startswith(b"HTTP/1.1 101")
        apps = _wait(served.apps, 30, "the socket's app")
        cut = time.monotonic()
        _wait(lambda: not (set(apps) & set(served.apps())), 10, "the app of a silent socket ends")
        assert time.monotonic() - cut <= 10.5


def _upgrade(port: int) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (f"GET /ws?width=100&height=30 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode()


# -- stopping serve ----------------------------------------------------------------------------


@needs_browser
@linux_only
@pytest.mark.parametrize("how", ["SIGTERM to its process group", "SIGINT to its process group (Ctrl+C)",
                                 "SIGKILL to serve alone"])
def test_after_serve_stops_no_process_it_started_is_left(serve, browser, how):
    served = serve("counter")
    pages = [browser.new_page() for _ in range(2)]
    for page in pages:
        page.goto(f"http://127.0.0.1:{served.port}/", wait_until="load")
        page.wait_for_function(CONNECTED, timeout=60_000)
    started = set(_wait(lambda: len(served.apps()) == 2 and served.apps(), 30, "both tabs' apps"))
    assert set(served.children()) == started  # the apps themselves, no shell between
    if how.startswith(("SIGTERM", "SIGINT")):
        os.killpg(served.process.pid, signal.SIGTERM if how.startswith("SIGTERM") else signal.SIGINT)
    else:  # nothing of serve runs to end them: the kernel does (PR_SET_PDEATHSIG)
        served.process.kill()
    served.process.wait(timeout=30)
    _wait(lambda: not (started & set(_processes())) and not served.apps(), 10, f"every app ends after {how}")


@pytest.mark.parametrize("pipe", ["stdin ends", "stdout breaks"])
def test_a_served_app_leaves_by_itself_when_its_server_s_pipe_goes(settings, pipe):
    """Textual's own web driver kept the app running, holding the store, when its server's
    pipes went (stdin at its end, stdout broken); ours asks it to exit, and ends it if not."""
    env = {**os.environ, "TEXTUAL_DRIVER": "screens.served_driver:ServedDriver", "COLUMNS": "100", "ROWS": "30",
           "PST_KIOSK_SERVE_PID": str(os.getpid()), "PST_KIOSK_CONFIG": str(settings.db_path.parent / "config.toml")}
    app = subprocess.Popen([sys.executable, "-m", "screens.main", "--db", str(settings.db_path), "display",
                            "--silent"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                           env=env)
    try:
        seen = b""
        deadline = time.monotonic() + 60
        while b"__GANGLION__" not in seen and time.monotonic() < deadline:
            seen += os.read(app.stdout.fileno(), 65536)
        assert b"__GANGLION__" in seen, "the app never started"
        if pipe == "stdin ends":
            app.stdin.close()
        else:
            app.stdout.close()
        app.wait(timeout=10)
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()

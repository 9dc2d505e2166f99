"""The central face with a reader's credentials against the real PostgreSQL: driven with
the Pilot (sort by a header click and by key, an office's detail, refreshed as an office
syncs) and served to headless chromium."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest

from kiosk.central import sync
from kiosk.clock import FixedClock
from kiosk.store import Store
from kiosk.tickets import issue_ticket
from screens.central_dashboard import TOTAL_KEY, CentralDashboardApp, OfficeDetail
from tests.kiosk.test_central_report import OPEN, centre  # noqa: F401 - the module's centre fixture
from tests.screens.test_serve import CHROMIUM, _free_port, _wait_port, needs_browser

NOON = datetime(2026, 3, 2, 5, tzinfo=UTC)


async def _until(pilot, condition, seconds=30.0):
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "condition not met in time"
        await pilot.pause(0.1)


def _line(app, y):
    """Line ``y`` of the screen as shown."""
    return app.screen._compositor.render_strips()[y].text


def _order(table):
    return [row.key.value for row in table.ordered_rows]


def _cell(table, office, column):
    return str(table.get_cell(office, column))


async def test_the_offices_side_by_side_sorted_opened_and_refreshed(centre):  # noqa: F811
    app = CentralDashboardApp(dsn=centre["national"], lang="en", tz=ZoneInfo("Asia/Jakarta"), interval=1.0,
                              now=lambda: NOON)
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: app.refreshes >= 1)
        table = app.query_one("#offices")
        assert _order(table) == ["1371", "1373", "1471", TOTAL_KEY]
        assert _cell(table, "1373", "issued") == "6" and _cell(table, TOTAL_KEY, "issued") == "9"
        assert _cell(table, "1373", "complaints") == "3/1/1" and _cell(table, "1373", "ikm") == "87.5 (B)"
        # A click on the Tickets header sorts by it; a second click reverses. Clicked where
        # the screen shows it once the rows show (the table measures its columns as it
        # draws them: on a busy machine the header first shows narrower), as a user does.
        y = table.region.y
        await _until(pilot, lambda: "Tickets" in _line(app, y) and "1371" in _line(app, y + 1))
        await pilot.click(offset=(_line(app, y).index("Tickets") + 1, y))
        await _until(pilot, lambda: _order(table) == ["1471", "1371", "1373", TOTAL_KEY])
        await pilot.click(offset=(_line(app, y).index("Tickets") + 1, y))
        await _until(pilot, lambda: _order(table) == ["1373", "1371", "1471", TOTAL_KEY])
        assert "▼" in str(table.columns["issued"].label)
        # S moves the sort to the next column (Served), R reverses it; the total stays last.
        await pilot.press("s")
        assert app.sort_column == "served" and _order(table)[-1] == TOTAL_KEY
        await pilot.press("r")
        assert _order(table)[0] == "1373"
        # Enter opens the office under the cursor.
        table.move_cursor(row=table.get_row_index("1373"))
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, OfficeDetail))
        text = str(app.screen.query_one("#detail-text").render())
        assert "kependudukan / jumlah penduduk per desa / desa / 2025" in text
        assert "Complaints: 3 received, 1 answered in time, 1 still open" in text
        assert "Siti" not in text
        await pilot.press("escape")
        await _until(pilot, lambda: not isinstance(app.screen, OfficeDetail))
        # An office syncs: the next poll shows it, without a key.
        settings = centre["stores"]["1471"]
        with Store(settings.db_path, clock=FixedClock(OPEN + timedelta(hours=2))) as store:
            issue_ticket(store, settings, "A")
            assert sync.run(store, settings).ok
        await _until(pilot, lambda: _cell(table, "1471", "issued") == "2")
        assert _cell(table, TOTAL_KEY, "issued") == "10"


async def test_an_unreachable_centre_is_said_and_the_face_stays(centre):  # noqa: F811
    bad = centre["national"].replace("host=127.0.0.1", f"host=127.0.0.1 port={_free_port()}")  # nobody listens
    app = CentralDashboardApp(dsn=bad, lang="en", tz=ZoneInfo("Asia/Jakarta"), interval=60, now=lambda: NOON)
    async with app.run_test(size=(80, 24)) as pilot:
        await _until(pilot, lambda: app.error is not None)
        status = str(app.query_one("#status").render())
        assert status.startswith("The centre could not be read") and "Reader-Password" not in status
        assert app.query_one("#offices").row_count == 0


def _reader_connections(centre):
    user = centre["national"].split("user=")[1].split()[0]
    with psycopg.connect(centre["dsn"]) as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND datname = %s",
                            (user, centre["db"])).fetchone()[0]


@needs_browser
def test_the_central_face_served_to_a_browser(centre, tmp_path):  # noqa: F811
    from playwright.sync_api import sync_playwright

    port = _free_port()
    (tmp_path / "reader.toml").touch()  # an explicit config file must exist (empty: a reader's PC)
    env = {**os.environ, "PST_KIOSK_CONFIG": str(tmp_path / "reader.toml"), "PST_KIOSK_DB": str(tmp_path / "x.db"),
           "PST_KIOSK_CENTRAL_DSN": centre["national"]}
    server = subprocess.Popen([sys.executable, "-m", "screens.main", "--lang", "en", "serve", "central",
                               "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    origin = f"127.0.0.1:{port}"
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
            page.goto(f"http://{origin}/", wait_until="load")
            page.wait_for_selector("#terminal", timeout=20_000)
            # The tab's app reads the centre as the reader, then Q (a key from the page) ends it.
            # In two full-suite runs of about seven this stop, the first tab's app never reached
            # the centre in 40 s (loaded) and 120 s (not); alone it passed every time, and the
            # cause is not found: a reload (a new tab, a new app) is tried once, and a miss
            # says what the server and the database saw.
            for attempt in (1, 2):
                deadline = time.time() + 60
                while time.time() < deadline and _reader_connections(centre) == 0:
                    time.sleep(0.3)
                if _reader_connections(centre) or attempt == 2:
                    break
                page.reload(wait_until="load")
                page.wait_for_selector("#terminal", timeout=20_000)
            if _reader_connections(centre) == 0:
                with psycopg.connect(centre["dsn"]) as conn:
                    seen = conn.execute("SELECT usename, datname, state FROM pg_stat_activity"
                                        " WHERE datname IS NOT NULL").fetchall()
                server.terminate()
                said = server.communicate(timeout=20)[0].decode(errors="replace")[-3000:]
                pytest.fail(f"the served face never read the centre; sessions: {seen}; the server said:\n{said}")
            page.screenshot(path=str(tmp_path / "central.png"))
            deadline = time.time() + 40
            while time.time() < deadline and _reader_connections(centre) > 0:
                page.click("#terminal")
                page.keyboard.press("q")
                time.sleep(1.0)
            assert _reader_connections(centre) == 0, "the key never reached the served face"
            browser.close()
        assert outside == [], f"the page fetched from elsewhere: {outside}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()

"""Issue 17's start-up: a face paints its real first screen before it loads what that screen
does not need, and what follows the paint (the counter's desk reminders) still shows.
Checked by what is shown and by module, not by time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from kiosk.desk import complaints
from kiosk.store import Store
from kiosk.tickets import issue_ticket, queue_for
from screens.counter_app import CounterApp, CounterScreen
from tests.screens.helpers import shown
from tests.screens.test_first_day import until

ROOT = Path(__file__).resolve().parents[2]


async def test_the_counter_shows_its_lists_and_the_desk_reminders_after_its_first_paint(settings, clock):
    """The waiting list and counts paint first; the unrecorded visits, the open complaints
    and the printer line come just after the paint, and every one of them shows."""
    with Store(settings.db_path, clock=clock) as store:
        served = issue_ticket(store, settings, "C").ticket
        issue_ticket(store, settings, "B")
        queue = queue_for(store, settings)
        queue.call_next(1)
        queue.start(served.id)
        queue.finish(served.id)  # done, no service record yet
        complaints.submit(store, settings, kind="complaint", text="Antrian lama")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    seen: dict[str, str] = {}
    display = app._display

    def first_frame(screen, renderable) -> None:  # noqa: ANN001
        display(screen, renderable)
        if isinstance(screen, CounterScreen) and renderable is not None and not app._batch_count \
                and "frame" not in seen:  # the first frame sent to the terminal (as bench/first_paint.py)
            seen["frame"] = shown(app)

    app._display = first_frame  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await until(pilot, lambda: "belum dicatat" in shown(app))  # the reminders follow the first frame
        text = shown(app)
        assert "B-001" in seen["frame"] and "B-001" in text  # the waiting list, from the first frame
        assert "1 kunjungan belum dicatat (V)" in text and "Aduan terbuka: 1, lewat batas: 0 (A)" in text
        assert "belum dicatat" not in seen["frame"]  # they came after the first frame
        assert "Tanpa printer" in text
        assert app.screen.query_one("#printer-warning").display


PROBE = textwrap.dedent("""
    import asyncio, json, sys
    face, config_path = sys.argv[1], sys.argv[2]
    from kiosk import config
    settings = config.load(config_path)
    if face == "kiosk":
        from screens.kiosk_app import KioskApp as Face
        app, target = Face(settings, spool=False), "HomeScreen"
    elif face == "counter":
        from screens.counter_app import CounterApp as Face
        app, target = Face(settings, counter=1, spool=False), "CounterScreen"
    else:
        from screens.display_app import DisplayApp as Face
        app, target = Face(settings), "Screen"
    loaded = {}
    display = app._display
    def first_frame(screen, renderable):
        display(screen, renderable)
        if renderable is not None and not app._batch_count and type(screen).__name__ == target:
            loaded.setdefault("modules", sorted(sys.modules))
    app._display = first_frame
    async def drive():
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
    asyncio.run(drive())
    print(json.dumps(loaded.get("modules")))
""")

# pydantic (~300 M instructions to import, a third of a minimal Textual app's start): the
# settings come back from the cache as plain views, the records read are dataclasses.
WITHOUT_PYDANTIC = ["pydantic", "pydantic_core", "kiosk.config_models"]
NOT_BEFORE_THE_FIRST_PAINT = {
    "kiosk": ["kiosk.printing", "urllib.request", "screens.guestbook", "kiosk.sales", "kiosk.reports",
              *WITHOUT_PYDANTIC],
    "counter": ["kiosk.printing", "kiosk.desk.complaints", "kiosk.reference", "kiosk.catalogue",
                "screens.counter_dialogs", "screens.login", "kiosk.sales", "argon2", *WITHOUT_PYDANTIC],
    "display": ["kiosk.printing", "kiosk.guestbook", "kiosk.sales", "kiosk.reports", *WITHOUT_PYDANTIC],
}


def test_a_face_paints_before_it_loads_what_its_first_screen_does_not_need(settings):
    config_path = os.environ.get("PST_KIOSK_CONFIG") or str(settings.db_path.parent / "config.toml")
    for face, absent in NOT_BEFORE_THE_FIRST_PAINT.items():
        proc = subprocess.run([sys.executable, "-c", PROBE, face, config_path], capture_output=True,
                              text=True, cwd=ROOT, env=os.environ, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        modules = json.loads(proc.stdout.strip().splitlines()[-1])
        assert modules, f"{face}: its first screen was never painted"
        assert [m for m in absent if m in modules] == [], face


async def test_the_counter_is_its_own_first_screen_and_steps_aside_for_the_first_login(settings, clock):
    """An open desk starts on the counter's screen (no blank screen painted first); when the
    first account appears, the login comes over it with its own title, and the same screen
    is back after the login, now with Ctrl+L."""
    from kiosk import accounts
    from screens.login import LoginScreen
    from tests.screens.helpers import login

    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        first = app.screen
        assert isinstance(first, CounterScreen) and app.screen_stack == [first]
        first.services = ["penjualan"]  # filtered (G) on the open desk
        with Store(settings.db_path, clock=clock) as store:
            accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        await pilot.pause()
        first.tick()  # the second's tick of the screen under the login leaves its title alone
        assert app.title == "PST Loket"
        await login(pilot, "admin", "975318")
        await until(pilot, lambda: app.screen is first)  # the PIN is checked off the UI thread and app.screen_stack == [first]
        assert "Keluar akun" in shown(app) and "Admin (admin)" in app.title
        assert first.services == []  # the officer who logs in starts unfiltered, as on a new screen


async def test_the_waiting_list_knows_its_width_before_the_first_layout(settings, clock):
    """The rows are filled before the first frame with the service names fitted to the width
    the layout will give (WaitingTable.expected_width), so the first frame shows them whole."""
    for width in (80, 97, 100, 133, 200):
        app = CounterApp(settings, counter=1, clock=clock, spool=False)
        async with app.run_test(size=(width, 30)) as pilot:
            await pilot.pause()
            table = app.screen.query_one("#waiting")
            assert table.expected_width() == table.scrollable_content_region.width, width


async def test_the_display_reads_the_estimates_just_after_its_first_paint(settings, clock):
    """The side column's estimate lines are blank in the first frame (never "no estimate yet"
    before anything was read) and filled just after it."""
    from screens.display_app import DisplayApp

    with Store(settings.db_path, clock=clock) as store:
        issue_ticket(store, settings, "B")
    app = DisplayApp(settings, clock=clock)
    seen: dict[str, str] = {}
    display = app._display

    def first_frame(screen, renderable) -> None:  # noqa: ANN001
        display(screen, renderable)
        if renderable is not None and not app._batch_count and "frame" not in seen:
            seen["frame"] = shown(app)

    app._display = first_frame  # type: ignore[method-assign]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await until(pilot, lambda: "belum diperkirakan" in shown(app))
        assert "B  Penjualan" in seen["frame"] and "belum diperkirakan" not in seen["frame"]
        assert shown(app).count("belum diperkirakan") == 4  # one under each service


def test_the_glyph_store_draws_the_very_pixels_pillow_draws():
    """BigNumber draws ticket numbers from glyphs Pillow drew once per size (kept on disk),
    not with Pillow each time: the drawing is the same, cell for cell."""
    from screens import bignumber

    for text in ("B-001", "C-042", "A-0", "D-1234", "F-999"):
        for width, height in ((15, 3), (17, 5), (30, 6), (44, 8), (90, 14), (200, 50)):
            assert bignumber._draw_glyphs(text, width, height) == bignumber._draw_pillow(text, width, height)


def test_a_board_started_again_draws_its_numbers_without_loading_pillow():
    probe = ("import sys\nfrom screens.bignumber import draw\n"
             "lines = [draw(n, 30, 6) for n in ('B-001', 'C-002', 'D-015')]\n"
             "print(all(lines), 'PIL' in sys.modules)\n")
    said = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                              env=os.environ, timeout=120)
        assert proc.returncode == 0, proc.stderr[-2000:]
        said.append(proc.stdout.split())
    assert said == [["True", "True"], ["True", "False"]]


async def test_the_css_kept_between_starts_is_the_css_textual_parses(settings, clock):
    """The second start reads the rules kept by the first (the file is the user's alone) and
    they are the very rules Textual parses; another theme's variables are parsed afresh."""
    from screens.kept_css import keep_parsed_css
    from screens.kiosk_app import KioskApp

    async def start() -> tuple[str, str, KioskApp]:
        app = KioskApp(settings, clock=clock, spool=False)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            rules = [(rule.selectors, rule.is_default_rules, rule.tie_breaker, sorted(rule.styles._rules.items()))
                     for rule in app.stylesheet.rules]
            return repr(rules), shown(app), app

    css, screen, first = await start()
    path = first._kept_css._path
    assert path.exists() and (path.stat().st_mode & 0o777) == 0o600
    again_css, again_screen, again = await start()
    assert (again_css, again_screen) == (css, screen)
    assert again._kept_css._used and not again._kept_css._new  # every rule came from the file
    other = KioskApp(settings, clock=clock, spool=False)
    other.stylesheet.set_variables({**other.stylesheet._variables, "primary": "#123456"})
    kept = keep_parsed_css(other)
    assert kept is not None and all(digest not in kept._load() for digest in [
        kept._digest((source.content, read_from, source.is_defaults, source.tie_breaker, source.scope))
        for read_from, source in first.stylesheet.source.items()])


CLI_PROBE = textwrap.dedent("""
    import sys
    from textual.app import App
    def run(self, *args, **kwargs):  # the face as started by the command line, stopped before it runs
        print("pydantic" in sys.modules, type(self).__name__)
    App.run = run
    from screens import main
    sys.exit(main.main(["--config", sys.argv[1], sys.argv[2]]))
""")


def test_the_command_line_starts_a_face_without_pydantic(settings):
    """``pst-kiosk kiosk|counter|display`` as an office starts them: the settings validated
    before come back from the cache and nothing on the way to the app loads pydantic."""
    config_path = str(settings.db_path.parent / "config.toml")
    for face, app in (("kiosk", "KioskApp"), ("counter", "CounterApp"), ("display", "DisplayApp")):
        said = []
        for _ in range(2):  # the first start may validate (its own options): the second reads the cache
            proc = subprocess.run([sys.executable, "-c", CLI_PROBE, config_path, face], capture_output=True,
                                  text=True, cwd=ROOT, env=os.environ, timeout=120)
            assert proc.returncode == 0, proc.stderr[-2000:]
            said.append(proc.stdout.split()[-2:])
        assert said[1] == ["False", app], (face, said)

"""The counter and the display, driven with the Pilot; the display sees calls made by
another process."""

import subprocess
import sys
import textwrap
from datetime import datetime

import pytest
from textual.content import Content

from kiosk.store import Store
from tests.conftest import JAKARTA
from kiosk.tickets import issue_ticket, queue_for
from screens.counter_app import CounterApp, CounterScreen
from screens.counter_dialogs import CallNumberScreen, ChooseServiceScreen, CounterPickScreen, YesNoScreen
from screens.display_app import DisplayApp
from screens.kiosk_app import KioskApp
from tests.screens.helpers import login, new_visitor_ticket, printed, shown

SIZE = (120, 40)


def seed(settings, clock, *services, priority=False):
    with Store(settings.db_path, clock=clock) as store:
        return [issue_ticket(store, settings, s, priority=priority).ticket for s in services]


def waiting_numbers(screen):
    table = screen.query_one("#waiting")
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_pick_counter_and_serve_a_ticket(settings, clock):
    seed(settings, clock, "B")
    clock.advance(seconds=30)
    seed(settings, clock, "A")
    clock.advance(minutes=10, seconds=30)
    seed(settings, clock, "C")
    app = CounterApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, CounterPickScreen)
        await pilot.click("#counter-2")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CounterScreen) and screen.counter == 2
        assert waiting_numbers(screen) == ["B-001", "A-001", "C-001"]
        # Past the 10-minute standard the wait is flagged.
        table = screen.query_one("#waiting")
        assert str(table.get_row_at(0)[1]) == "! 11:00"
        assert str(table.get_row_at(1)[1]) == "! 10:30"
        assert str(table.get_row_at(2)[1]) == "00:00"
        await pilot.press("n")
        await pilot.pause()
        assert screen.query_one("#current-number").value == "B-001"
        assert "dipanggil" in str(screen.query_one("#current-info").render())
        await pilot.press("f")  # finishing before starting is refused, with a message
        await pilot.pause()
        assert screen.current.status == "called"
        await pilot.press("s")
        clock.advance(minutes=4)
        await pilot.press("f")
        await pilot.pause()
        assert screen.current is None
        assert screen.query_one("#current-number").value == "---"
    with Store(settings.db_path) as store:
        row = store.row("SELECT status, counter, started_at, finished_at FROM tickets WHERE number = 'B-001'")
    assert row["status"] == "done" and row["counter"] == 2 and row["finished_at"] > row["started_at"]


async def test_counter_fits_an_80_by_24_terminal(settings, clock):
    """On a small terminal the wait (with its 10-minute flag) stays in view, the main keys
    are in the footer and the others in the line above it."""
    seed(settings, clock, "B")
    clock.advance(minutes=11)
    app = CounterApp(settings, clock=clock, spool=False, counter=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#waiting")
        waited = table.columns["col_waited"]
        assert table.region.x + sum(c.get_render_width(table) for c in list(table.columns.values())[:2]) \
            <= table.region.right
        assert waited.label.plain == "Menunggu" and str(table.get_row_at(0)[1]) == "! 11:00"
        hint = str(screen.query_one("#more-keys").render())
        for key, label in (("k", "Loker"), ("o", "Penjualan"), ("d", "Ringkasan"), ("p", "Cetak ulang")):
            assert f"{key} {label}" in hint
        assert screen.query_one("#more-keys").region.bottom <= 24
        assert "Loket 1 • 09:11" in app.title  # the office's clock, not the PC's


async def test_call_specific_recall_no_show_transfer(settings, clock):
    seed(settings, clock, "B", "B", "B")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, CounterScreen)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CallNumberScreen)
        app.screen.query_one("#number").value = "b3"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current.number == "B-003"
        clock.advance(seconds=20)
        await pilot.press("r")
        await pilot.pause()
        assert screen.current.recalls == 1
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, YesNoScreen)  # X next to C: asked first
        await pilot.press("y")
        await pilot.pause()
        assert screen.current is None
        assert any("B-003 tidak hadir" in str(n.message) for n in app._notifications)
        # Enter on a waiting row calls that ticket.
        table = screen.query_one("#waiting")
        table.focus()
        table.move_cursor(row=1)
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current.number == "B-002"
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, ChooseServiceScreen)
        options = app.screen.query_one("#services")
        assert "penjualan" not in [options.get_option_at_index(i).id for i in range(options.option_count)]
        options.focus()
        options.highlighted = [options.get_option_at_index(i).id for i in range(options.option_count)].index("konsultasi")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current is None
        queue = app.queue
        moved = queue.find("B-002")
        assert moved.service == "konsultasi" and moved.status == "waiting"


async def test_refusals_are_shown_not_raised(settings, clock):
    app = CounterApp(settings, counter=3, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert any("Tidak ada antrian" in str(n.message) for n in app._notifications)
        await pilot.press("r", "x", "s", "f", "t")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, CounterScreen)


async def test_an_office_without_a_printer_is_told_once_not_warned_per_ticket(settings, clock):
    """printer.url = none: tickets are not printed by choice; no "N print jobs failed"."""
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await new_visitor_ticket(pilot, "penjualan")
    counter = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with counter.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        warning = str(counter.screen.query_one("#printer-warning").render())
        assert "Tanpa printer" in warning and "gagal" not in warning
        # At 80 columns the waiting counts and the extra keys wrap between items, never inside one.
        counts = str(counter.screen.query_one("#counts").render()).splitlines()
        assert len(counts) == 2 and "B Penjualan Produk Statistik: 1" in counts[0]
        assert counts[1].startswith("C Konsultasi Statistik: 0")
        keys = str(counter.screen.query_one("#more-keys").render()).splitlines()
        # An open desk has no account to leave: no "Keluar akun" (issue 17).
        assert all(len(line) <= 78 for line in keys) and "Keluar akun" not in " ".join(keys)
        assert "v Catatan  a Aduan" in " ".join(keys)  # the service record and complaints keys (issue 15)
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        assert len(str(counter.screen.query_one("#counts").render()).splitlines()) == 1


async def test_counter_warns_about_failed_printing_and_reprints(tmp_path, clock, capture):
    from tests.conftest import write_config
    from tests.printer_server import refused_port

    dead = write_config(tmp_path / "dead.toml", tmp_path / "pst.db", printer=f"network:127.0.0.1:{refused_port()}")
    app = KioskApp(dead, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await new_visitor_ticket(pilot, "penjualan")
        for _ in range(100):
            if app.screen.print_result is not None:
                break
            await pilot.pause(0.05)
    fixed = write_config(tmp_path / "ok.toml", tmp_path / "pst.db", printer=capture.url)
    counter = CounterApp(fixed, counter=1, clock=clock, spool=False)
    async with counter.run_test(size=SIZE) as pilot:
        warning = counter.screen.query_one("#printer-warning")
        assert warning.display and "1 pekerjaan cetak gagal" in str(warning.render())
        await pilot.press("u")
        for _ in range(100):
            if capture.jobs:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        assert b"B-001" in capture.jobs[0]
        assert not counter.screen.query_one("#printer-warning").display
        # Reprint the selected waiting ticket: marked as a copy.
        counter.screen.query_one("#waiting").focus()
        await pilot.press("p")
        jobs = await printed(pilot, capture, 2)
    assert len(jobs) == 2 and b"CETAK ULANG" in jobs[1]


async def test_display_shows_a_call_made_by_another_process(settings):
    # The other process runs on the real clock, so this test does too (a fixed day would
    # differ from the other process's "today" around midnight).
    from kiosk.clock import SystemClock

    seed(settings, SystemClock(), "B", "C")
    app = DisplayApp(settings)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one("#counter-2")
        assert panel.query_one("Digits").value == "---"
        assert "B  Penjualan: 1" in str(app.query_one("#waiting").render())  # the short name fits
        script = textwrap.dedent(f"""
            from kiosk.config import load
            from kiosk.store import Store
            from kiosk.tickets import queue_for
            settings = load({str(settings_path(settings))!r})
            with Store(settings.db_path) as store:
                print(queue_for(store, settings).call_next(2, ["B"]).number)
        """)
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
        assert out.stdout.strip() == "B-001", out.stderr
        for _ in range(20):  # within one second
            await pilot.pause(0.05)
            if panel.query_one("Digits").value == "B-001":
                break
        assert panel.query_one("Digits").value == "B-001"
        assert panel.has_class("-latest")
        assert "B-001  →  Loket 2" in str(app.query_one("#latest").render())
        assert "B  Penjualan: 0" in str(app.query_one("#waiting").render())


async def test_the_board_clears_at_midnight_with_nothing_written_overnight(settings, clock):
    clock.set(datetime(2026, 11, 23, 23, 58, tzinfo=JAKARTA))
    seed(settings, clock, "B", "B")
    with Store(settings.db_path, clock=clock) as store:
        queue_for(store, settings).call_next(1)
    app = DisplayApp(settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        panel = app.query_one("#counter-1")
        assert panel.query_one("Digits").value == "B-001"
        assert "B-001" in str(app.query_one("#latest").render())
        clock.advance(minutes=7)  # 00:05: a new day in Jakarta, and no one has written since
        for _ in range(40):
            await pilot.pause(0.05)
            if panel.query_one("Digits").value == "---":
                break
        assert panel.query_one("Digits").value == "---"
        assert "B-001" not in str(app.query_one("#latest").render())
        assert ": 1" not in str(app.query_one("#waiting").render())  # yesterday's queue is gone


async def test_display_keeps_a_counter_that_serves_long_and_ignores_unknown_counters(settings, clock, tmp_path):
    """Counter 1 serves one visitor while counters 2 and 3 call ten more: its panel still
    shows its ticket. A call to a counter the board has no panel for (one added to the
    configuration since) shows in the latest list and ends nothing."""
    from tests.conftest import write_config

    seed(settings, clock, "A", *["B"] * 10)
    app = DisplayApp(settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        with Store(settings.db_path, clock=clock) as store:
            queue = queue_for(store, settings)
            first = queue.call_next(1, ["A"])
            queue.start(first.id)
            for i in range(10):
                clock.advance(seconds=30)
                t = queue.call_next(2 + i % 2, ["B"])
                queue.start(t.id)
                queue.finish(t.id)
            wider = write_config(tmp_path / "wider.toml", settings.db_path, counters=5)
            seed(settings, clock, "C")
            queue_for(store, wider).call_next(5, ["C"])
        for _ in range(20):
            await pilot.pause(0.05)
            if "C-001" in str(app.query_one("#latest").render()):
                break
        assert app.query_one("#counter-1").query_one("Digits").value == "A-001"
        assert "C-001  →  Loket 5" in str(app.query_one("#latest").render())
        assert app.is_running


def settings_path(settings):
    # The config file that produced these settings sits beside the store in tests.
    return settings.db_path.parent / "config.toml"


async def test_pick_counter_by_typing_and_bad_numbers(settings, clock):
    app = CounterApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("9", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CounterPickScreen)
        assert "1 sampai 3" in str(app.screen.query_one("#pick-error").render())
        app.screen.query_one("#pick-input").value = ""
        await pilot.press("3", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen) and app.screen.counter == 3


async def test_faces_show_the_sync_state(settings, clock):
    seed(settings, clock, "B")
    app = DisplayApp(settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = str(app.query_one(".sync-bar").render())
        assert "Pusat belum diatur" in text and "1 perubahan" in text


async def test_display_reads_calls_and_recalls_aloud(settings, clock, tmp_path):
    """A stand-in speaker (a real program, writing what it is told to say) behind the
    configured voice command."""
    said = tmp_path / "said.txt"
    speaker = tmp_path / "speaker.py"
    speaker.write_text("import sys\nopen(sys.argv[1], 'a').write(sys.argv[-1] + '\\n')\n")
    voiced = settings.model_validate({**settings.model_dump(mode="json"), "display": {
        "voice": True, "voice_command": f"{sys.executable} {speaker} {said}"}})
    (ticket,) = seed(voiced, clock, "B")
    app = DisplayApp(voiced, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        with Store(voiced.db_path, clock=clock) as store:
            queue = queue_for(store, voiced)
            queue.call_next(2)
        for _ in range(60):
            await pilot.pause(0.05)
            if said.exists():
                break
        with Store(voiced.db_path, clock=clock) as store:
            clock.advance(seconds=30)
            queue_for(store, voiced).recall(ticket.id)
        for _ in range(60):
            await pilot.pause(0.05)
            if said.exists() and len(said.read_text().splitlines()) == 2:
                break
    assert said.read_text().splitlines() == ["Nomor antrian B, nol nol satu, silakan ke loket dua"] * 2


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_display_says_when_its_calls_go_unspoken(settings, clock, tmp_path, size):
    """Voice on, its program not installed: the room's footer says the calls are silent and
    names the program (a TV with no sound otherwise looks like it works); voice off, or a
    program that is there, says nothing."""
    def display(**voice):
        return settings.model_validate({**settings.model_dump(mode="json"), "display": voice})

    seed(settings, clock, "B")
    speaker = tmp_path / "speaker.py"
    speaker.write_text("")
    for shown, configured in (
            (True, display(voice=True, voice_command="no-such-speaker-pst -v id")),
            (False, display(voice=False, voice_command="no-such-speaker-pst -v id")),
            (False, display(voice=True, voice_command=f"{sys.executable} {speaker}"))):
        app = DisplayApp(configured, clock=clock)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            footer = str(app.query_one("#footer").render())
            assert "Silakan menuju loket" in footer
            assert ("Panggilan tidak bersuara: program 'no-such-speaker-pst' tidak terpasang" in footer) is shown
            assert app.query_one("#footer").region.bottom <= size[1] - 1  # above the sync bar, whole
            assert app.query_one("#footer").region.height == len(Content(footer).wrap(size[0]))  # nothing cut


async def test_display_reads_every_call_when_two_counters_call_at_once(settings, clock, tmp_path):
    """Two calls landing within one poll of the board are both read aloud, in call order."""
    said = tmp_path / "said.txt"
    speaker = tmp_path / "speaker.py"
    speaker.write_text("import sys\nopen(sys.argv[1], 'a').write(sys.argv[-1] + '\\n')\n")
    voiced = settings.model_validate({**settings.model_dump(mode="json"), "display": {
        "voice": True, "voice_command": f"{sys.executable} {speaker} {said}"}})
    seed(voiced, clock, "B", "C")
    app = DisplayApp(voiced, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        with Store(voiced.db_path, clock=clock) as store:
            queue = queue_for(store, voiced)
            queue.call_next(1, services=["B"])
            clock.advance(seconds=1)
            queue.call_next(2, services=["C"])
        for _ in range(80):
            await pilot.pause(0.05)
            if said.exists() and len(said.read_text().splitlines()) == 2:
                break
    assert said.read_text().splitlines() == [
        "Nomor antrian B, nol nol satu, silakan ke loket satu",
        "Nomor antrian C, nol nol satu, silakan ke loket dua"]


def on_screen(screen, selector):
    """The text a widget shows where it sits on the screen (cut there if it overflows)."""
    region = screen.query_one(selector).region
    strips = screen._compositor.render_strips()
    return "\n".join(strips[y].crop(region.x, region.right).text for y in range(region.y, region.bottom))


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_dashboard_shows_every_figure_of_the_day(settings, clock, size):
    from kiosk import lockers, survey
    from kiosk.guestbook import register_visit, validate_guest
    from screens.dashboard import DashboardScreen

    guest = {"id_type": "ktp", "segment": "akademisi", "gender": "p", "education": "s1"}
    with Store(settings.db_path, clock=clock) as store:
        ani, budi, _ = (register_visit(store, settings, service=service, purpose="tugas", consent=True, guest=validate_guest(
            {**guest, "name": name, "id_number": nik, "email": f"{name.lower()}@example.com"})).issued.ticket
            for service, name, nik in (("A", "Ani", "3273014101900001"), ("B", "Budi", "3273010101900002"),
                                       ("C", "Cici", "3273014201900003")))
    seed(settings, clock, "B", "B")
    with Store(settings.db_path, clock=clock) as store:
        q = queue_for(store, settings)
        clock.advance(minutes=4)                                              # 09:04, Ani waited 4
        q.call_next(1, ["A"])
        q.start(ani.id)
        clock.advance(minutes=8)                                              # 09:12, Budi waited 12
        q.call_next(2, ["B"])
        q.start(budi.id)
        clock.advance(minutes=8)                                              # 09:20
        q.finish(ani.id)
        q.finish(budi.id)
        q.no_show(q.call_next(2, ["B"]).id)                                   # B-002 waited 20
        for ticket, score in ((ani, 4), (budi, 3)):                           # IKM 87,5 (B)
            survey.submit(store, q, survey.find_rateable(store, q, ticket.number), dict.fromkeys(survey.ELEMENTS, score))
        lockers.assign(store, settings, None, id_type="sim", id_number="123456789012", holder_name="Andi")
    # Plain waits 4, 12, 20; under the standard as worded 4, 12 and 0 (B-002 from 09:20, when
    # Budi, the B visitor before it, finished): median 4, and called within 10 minutes Ani
    # and B-002 of the 3 called. Cici and B-003 wait uncalled, but both counters ended a
    # visit at 09:20, now: no miss yet under the standard (by the plain wait, two).
    expected = {"visits": ["3"], "tickets": ["diambil 5", "selesai 2", "tidak hadir 1"],
                "waiting": ["median 12,0", "standar 4,0", "≤10 menit: 67%"], "lockers": ["dititipkan 1"],
                "sales": ["0 kuitansi", "Rp0"], "ikm": ["87,5 (mutu B)", "2 responden"]}
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        for key, figures in expected.items():
            shown = on_screen(screen, f"#fig-{key}")
            for figure in figures:
                assert figure in shown, (size, key, figure, shown)
        screen.query_one("#trend").scroll_visible(animate=False, immediate=True)  # at 80x24 it is below
        await pilot.pause()
        days = on_screen(screen, "#trend").splitlines()[-1].split()
        assert days[0] == "1" and days[-1] == "30" and all(d.isdigit() for d in days), days  # not 1.0 8.2 15.5
        screen.query_one("#fig-tickets").scroll_visible(animate=False, immediate=True)
        await pilot.pause()
        seed(settings, clock, "A")  # a new arrival shows without leaving the screen
        for _ in range(20):
            await pilot.pause(0.05)
            if "diambil 6" in on_screen(screen, "#fig-tickets"):
                break
        assert "diambil 6" in on_screen(screen, "#fig-tickets")


async def test_the_dashboard_is_for_officers_and_the_admin(settings, clock):
    from kiosk import accounts
    from screens.dashboard import DashboardScreen

    seed(settings, clock, "B")
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
        accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")

    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "rina", "435162")
        assert isinstance(app.screen, CounterScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)  # the treasurer's desk has no dashboard
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "budi", "284751")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "diambil 1" in str(app.screen.query_one("#fig-tickets").render())
        with Store(settings.db_path, clock=clock) as store:  # the admin disables the account meanwhile
            accounts.disable_user(store, accounts.find(store, "admin"), "budi")
        for _ in range(20):
            await pilot.pause(0.05)
            if not isinstance(app.screen, DashboardScreen):
                break
        assert not isinstance(app.screen, DashboardScreen)  # the report refused the next refresh


async def test_ctrl_p_opens_no_command_palette_on_the_counter_or_the_display(settings, clock):
    """Textual's palette is English and offers Quit: the officers' and the board's faces have none."""
    from textual.command import CommandPalette

    for app in (CounterApp(settings, counter=1, clock=clock, spool=False), DisplayApp(settings, clock=clock)):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+p")
            await pilot.pause()
            assert not isinstance(app.screen, CommandPalette), type(app).__name__
            assert not app.ENABLE_COMMAND_PALETTE


def toasts(app):
    return [str(n.message) for n in app._notifications]


async def test_counter_is_fresh_after_a_referral_made_on_the_orders_screen(settings, clock):
    """The order screen's document check moves the called ticket to consultation with the
    counter's own connection (which data_version does not count): back on the counter
    the panel and the waiting list show it at once."""
    from screens.orders import OrdersScreen

    seed(settings, clock, "B")
    clock.advance(seconds=30)
    seed(settings, clock, "C")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("n")
        await pilot.pause()
        assert screen.current.number == "B-001" and waiting_numbers(screen) == ["C-001"]
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        clock.advance(minutes=2)
        app.queue.transfer(screen.current.id, "konsultasi")  # what a mismatch does there
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert screen.current is None and screen.query_one("#current-number").value == "---"
        assert waiting_numbers(screen) == ["C-001", "B-001"]
        # A commit of this process made while the counter shows (no other connection
        # writing) shows too.
        issue_ticket(app.store, settings, "A")
        for _ in range(20):
            await pilot.pause(0.05)
            if "A-001" in waiting_numbers(screen):
                break
        assert "A-001" in waiting_numbers(screen)


async def test_counter_keys_say_what_they_did_and_no_show_asks_first(settings, clock):
    seed(settings, clock, "B", "B")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await pilot.press("n")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, YesNoScreen)
        assert "Tandai B-001 tidak hadir?" in str(app.screen.query_one("#question").render())
        assert app.screen.query_one("#yes").region.bottom <= 24
        await pilot.press("escape")  # a slip: nothing happens
        await pilot.pause()
        assert app.screen is screen and screen.current.status == "called"
        await pilot.press("x", "n")
        await pilot.pause()
        assert app.screen is screen and screen.current.status == "called"
        for key, said in (("r", "B-001 dipanggil ulang"), ("s", "B-001 mulai dilayani"), ("f", "B-001 selesai")):
            clock.advance(seconds=20)
            await pilot.press(key)
            await pilot.pause()
            assert said in toasts(app), (key, toasts(app))
        await pilot.press("n", "x", "enter")  # Enter says yes
        await pilot.pause()
        assert screen.current is None
        assert any("B-002 tidak hadir" in t and "dengan C" in t for t in toasts(app))
        assert app.queue.find("B-002").status == "no_show"
        await pilot.press("c")  # the visitor turns up after all: called again
        await pilot.pause()
        app.screen.query_one("#number").value = "B-002"
        await pilot.press("enter")
        await pilot.pause()
        assert screen.current.number == "B-002" and screen.current.status == "called"


async def test_the_officer_at_the_desk_shows_from_login_on(settings, clock):
    from kiosk import accounts
    from screens.login import LockScreen, LoginScreen

    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="budi", name="Budi Santoso", role="petugas", pin="284751")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#username").value = "budi"
        app.screen.query_one("#pin").value = "284751"
        app.screen.query_one("#pin").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
        header = app.screen.query_one("HeaderTitle")
        shown = header.render_line(0).text
        assert "Loket 1 • 09:00 • Budi Santoso (petugas)" in shown, shown  # whole, at 80 columns
        app.lock()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        await pilot.click("#switch")
        await pilot.pause()
        app.screen.query_one("#username").value = "admin"
        app.screen.query_one("#pin").value = "975318"
        app.screen.query_one("#pin").focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen) and "• Admin (admin)" in app.title
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen) and "Admin" not in app.title


def centred(panel):
    """The big digits sit in the middle of their box: as much room left as right."""
    from textual.widgets import Digits

    digits = panel.query_one(Digits)
    lines = [digits.render_line(y).text for y in range(digits.size.height)]
    drawn = [line for line in lines if line.strip()]
    left = min(len(line) - len(line.lstrip()) for line in drawn)
    right = min(len(line) - len(line.rstrip()) for line in drawn)
    return drawn and abs(left - right) <= 1 and left > 0


async def test_display_centres_the_numbers_and_keeps_a_finished_one_dimmed(settings, clock):
    """A finished ticket stays on its counter's box, dimmed, with "selesai", until that
    counter calls again; the digits and "---" are centred like the label under them. The
    service's full name does not fit the box at 80x24: its short name, whole."""
    seed(settings, clock, "B", "B")
    app = DisplayApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one("#counter-1")
        assert panel.query_one("Digits").value == "---" and centred(panel)

        def caption_on_one_line():  # once the layout has caught up with the new text
            region = panel.query_one(".counter-service").region
            return region.height == 1 and region.bottom < panel.region.bottom

        async def board_shows(number, caption, laid_out=lambda: True):
            for _ in range(100):  # up to 5 s: a loaded machine paints late
                await pilot.pause(0.05)
                if (panel.query_one("Digits").value == number
                        and str(panel.query_one(".counter-service").render()) == caption
                        and laid_out()):
                    return True
            return False

        with Store(settings.db_path, clock=clock) as store:
            queue = queue_for(store, settings)
            first = queue.call_next(1)
            assert await board_shows("B-001", "Penjualan")
            assert centred(panel) and not panel.has_class("-ended") and panel.has_class("-latest")
            queue.start(first.id)
            clock.advance(minutes=3)
            queue.finish(first.id)
            # The short caption sits on one line inside the box at 80x24.
            assert await board_shows("B-001", "selesai", laid_out=caption_on_one_line)
            assert panel.has_class("-ended") and panel.has_class("-latest") and centred(panel)
            queue.call_next(1)
            assert await board_shows("B-002", "Penjualan")
            assert not panel.has_class("-ended")
            queue.no_show(queue.active(1).id)
            assert await board_shows("B-002", "tidak hadir")
        assert app.query_one("#counter-2").query_one("Digits").value == "---"


def line_with(app, text: str) -> str:
    return next(line for line in shown(app).splitlines() if text in line)


async def test_a_form_opens_on_its_first_field_space_ticks_and_enter_submits(settings, clock):
    """The new-order form at 80x24: typing goes to the first field at once (no invisible
    focus), an unticked box is empty and a ticked one shows X, Space ticks, Enter on the box
    submits the form."""
    from kiosk import sales
    from screens.forms import FormScreen
    from screens.order import OrderScreen

    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o", "n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        assert "Pesanan baru" in shown(app)  # opened at its top, the title in view
        await pilot.press(*"PT Data")
        assert form.query_one("#f-customer_name").value == "PT Data"
        assert not any(form.query_one(f"#err-{name}").render().plain for name in ("customer_name", "segment"))
        form.query_one("#f-segment").value = "swasta"
        await pilot.press("tab", "tab", "tab")  # segment, NPWP, the box
        box = form.query_one("#f-abroad")
        assert app.focused is box
        await pilot.pause()
        assert "▐ ▌ Berdomisili" in line_with(app, "Berdomisili"), line_with(app, "Berdomisili")
        assert form.query_one("#ok").region.bottom <= 24  # the buttons stay in view
        await pilot.press("space")
        await pilot.pause()
        assert box.value and "▐✓▌ Berdomisili" in line_with(app, "Berdomisili")  # a tick, not a colour
        await pilot.press("space")
        await pilot.pause()
        assert not box.value and "▐ ▌ Berdomisili" in line_with(app, "Berdomisili")
        await pilot.press("space", "enter")  # ticked again, then Enter submits
        await pilot.pause()
        assert isinstance(app.screen, OrderScreen)
    with Store(settings.db_path) as store:
        orders = sales.list_orders(store)
        assert len(orders) == 1
        order = sales.get(store, orders[0].id)
        assert (order.customer_name, order.segment, order.abroad) == ("PT Data", "swasta", True)


def text_in(app, widget) -> str:
    """The words a widget shows on screen, its lines joined (wrapped text reads whole)."""
    region = widget.region
    lines = shown(app).splitlines()[region.y:region.bottom]
    return " ".join(" ".join(line[region.x:region.right].split()) for line in lines)


@pytest.mark.parametrize("size", [(80, 24), (50, 24)])
async def test_the_no_show_question_wraps_and_is_never_cut(settings, clock, size):
    seed(settings, clock, "B")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        screen = app.screen
        await pilot.press("n", "x")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, YesNoScreen)
        question = dialog.query_one("#question")
        assert question.region.height >= 2  # wrapped, not cut at the dialog's edge
        assert question.region.right <= size[0]
        assert text_in(app, question) == \
            "Tandai B-001 tidak hadir? (Nomor ini masih bisa dipanggil lagi dengan C.)"
        assert dialog.query_one("#yes").region.bottom <= size[1]
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen and screen.current is None
    with Store(settings.db_path) as store:
        assert store.row("SELECT status FROM tickets WHERE number = 'B-001'")["status"] == "no_show"


def queue_panel_lines(app) -> list[str]:
    panel = app.screen.query_one("#queue").region
    return [line[panel.x:panel.right] for line in shown(app).splitlines()[panel.y:panel.bottom]]


PARTIAL_BLOCKS = set("▏▎▍▌▋▊▉█▁▂▃▄▅▆▇")  # a scrollbar thumb's edges


async def test_in_english_a_narrow_column_shows_the_short_names(settings, clock):
    """"Statistical Product Sales" does not fit at 80 columns: "B Sales", not "B Statistical"."""
    seed(settings, clock, "B", "C", "D")
    app = CounterApp(settings, counter=1, clock=clock, spool=False, lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#waiting")
        services = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert services == ["B Sales", "C Consultation", "D Recommendation"]


async def test_waiting_services_fit_whole_at_80x24_and_no_stray_scrollbar(settings, clock):
    """At 80 columns the service column shows the ticket letter and whole words of the name
    ("A Perpustakaan", "C Konsultasi"), never "Perpustak"; a long queue keeps that (the
    vertical scrollbar has its own place), and an emptied queue leaves no scrollbar block."""
    seed(settings, clock, "B", "A", "C", "D")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        table = screen.query_one("#waiting")
        services = [str(table.get_row_at(i)[3]) for i in range(table.row_count)]
        assert services == ["B Penjualan", "A Perpustakaan", "C Konsultasi", "D Rekomendasi"]
        panel = "\n".join(queue_panel_lines(app))
        for text in services:
            assert f" {text} " in panel, (text, panel)
        assert not PARTIAL_BLOCKS & set(panel) and not table.show_horizontal_scrollbar
        # A queue longer than the panel: the scrollbar takes its kept place, names stay whole.
        seed(settings, clock, *"ABCD" * 4)
        await pilot.press("g")  # the filter dialog and back: re-read at once
        await pilot.press("escape")
        await pilot.pause()
        assert table.row_count == 20 and table.show_vertical_scrollbar
        assert not table.show_horizontal_scrollbar
        last = table.columns["col_service"]
        assert table.region.x + sum(c.get_render_width(table) for c in table.columns.values()) \
            <= table.scrollable_content_region.right
        assert last.get_render_width(table) >= len("A Perpustakaan") + 2
        # Everyone called: the empty panel shows nothing but its title and the headings.
        for _ in range(20):
            await pilot.press("n", "s", "f")
        await pilot.pause()
        assert table.row_count == 0 and not table.show_horizontal_scrollbar
        body = queue_panel_lines(app)[3:-1]  # below the headings, inside the border
        assert all(not line.strip("│ ") for line in body), body
    async with CounterApp(settings, counter=2, clock=clock, spool=False).run_test(size=(120, 40)) as pilot:
        seed(settings, clock, "B", "C")
        await pilot.press("g", "escape")
        await pilot.pause()
        table = pilot.app.screen.query_one("#waiting")
        assert [str(table.get_row_at(i)[3]) for i in range(table.row_count)] == [
            "B Penjualan Produk Statistik", "C Konsultasi Statistik"]


def board_with_calls(settings, clock, tmp_path, counters):
    """A configuration with ``counters`` counters, each of which has called a ticket."""
    from tests.conftest import write_config

    wide = write_config(tmp_path / f"counters-{counters}.toml", settings.db_path, counters=counters)
    seed(wide, clock, *("BCAD" * 3)[:counters])
    with Store(wide.db_path, clock=clock) as store:
        queue = queue_for(store, wide)
        for counter in range(1, counters + 1):
            queue.call_next(counter)
    return wide


def assert_every_number_whole(app, counters):
    """Each panel's number (at least Digits' three rows, more where the panel is taller) lies
    inside the panel's border and on the screen, and the terminal shows it as drawn; its
    label "LOKET n" is on the screen within the panel."""
    from textual.geometry import Region
    from textual.widgets import Digits

    screen_lines = shown(app).splitlines()
    screen = Region(0, 0, *app.size)
    for n in range(1, counters + 1):
        panel = app.query_one(f"#counter-{n}")
        digits = panel.query_one(Digits)
        box = digits.region
        assert digits.value.startswith(tuple("ABCD")) and box.height >= 3, (n, digits.value, box)
        assert panel.content_region.contains_region(box) and screen.contains_region(box), (
            n, box, panel.content_region, app.size)
        for y in range(box.height):
            drawn = digits.render_line(y).text
            assert screen_lines[box.y + y][box.x:box.right] == drawn, (n, y, screen_lines[box.y + y])
        outer = panel.region
        text = "\n".join(line[outer.x:outer.right] for line in screen_lines[outer.y:outer.bottom])
        assert outer.bottom <= screen.bottom and f"LOKET {n}" in text, (n, text)


@pytest.mark.parametrize("counters", [3, 6, 8])
@pytest.mark.parametrize("size", [(80, 24), (100, 30), (160, 45)])
async def test_display_shows_every_number_whole_however_many_counters(settings, clock, tmp_path,
                                                                     counters, size):
    """The grid takes as many columns as its rows need; short of rows, a panel carries its
    label and caption in its border: no number loses a row, no counter its name."""
    wide = board_with_calls(settings, clock, tmp_path, counters)
    app = DisplayApp(wide, clock=clock)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert_every_number_whole(app, counters)
        # The caption stays, inside the panel or in its border, a whole short name at least.
        for n in range(1, counters + 1):
            panel = app.query_one(f"#counter-{n}")
            caption = panel.border_subtitle or str(panel.query_one(".counter-service").render())
            service = panel.caption
            assert caption.startswith(service.short_name("id").split()[0][:8]), (n, caption)


async def test_the_board_arranges_itself_again_when_the_terminal_is_resized(settings, clock, tmp_path):
    wide = board_with_calls(settings, clock, tmp_path, 8)
    app = DisplayApp(wide, clock=clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await pilot.pause()
        assert not app.query_one("#counters").has_class("-compact")
        assert_every_number_whole(app, 8)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert app.query_one("#counters").has_class("-compact")
        assert app.query_one("#counter-3").border_title == "LOKET 3"
        assert_every_number_whole(app, 8)
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        await pilot.pause()
        assert_every_number_whole(app, 8)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("counters", [3, 8])
async def test_the_waiting_list_keeps_each_count_beside_its_name(settings, clock, tmp_path, lang, counters):
    """At 80x24 each service is one line, "C  Konsultasi: 1": the name that fits (full, short,
    whole words), never a count on a line of its own; its wait estimate on the line under it."""
    import re

    from kiosk.services import all_services

    wide = board_with_calls(settings, clock, tmp_path, counters)
    seed(wide, clock, "B", "C", "C", "D")
    app = DisplayApp(wide, clock=clock, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        box = app.query_one("#waiting").region
        lines = [line[box.x:box.right].rstrip() for line in shown(app).splitlines()[box.y:box.bottom]]
        lines = [line for line in lines if line]
        # Each service's count, then (indented) the estimate a new ticket of it would get.
        assert len(lines) == 2 * len(all_services()), lines
        unknown = "belum diperkirakan" if lang == "id" else "no estimate yet"
        assert all(line.strip() == unknown for line in lines[1::2]), lines
        lines = lines[::2]
        counts = app.queue.waiting_counts()
        for service, line in zip(all_services(), lines, strict=True):
            match = re.fullmatch(rf"{service.letter}(?:  (.+))?: (\d+)", line)
            assert match and int(match[2]) == counts.get(service.code, 0), line
            short = service.short_name(lang)
            names = {service.name(lang), short, *(" ".join(short.split()[:k]) for k in range(1, 4))}
            assert match[1] in names, line
        if lang == "en":
            assert "C  Consultation: 2" in lines
        else:
            assert "B  Penjualan: 1" in lines


async def test_the_dashboard_opens_when_every_wait_of_the_day_was_a_few_seconds(settings, clock):
    """A quiet desk calls each visitor within seconds: the wait chart's axis was 0..0 and
    plotext divided by zero (found by bench/soak_faces.py)."""
    from screens.dashboard import DashboardScreen

    seed(settings, clock, "B", "B")
    with Store(settings.db_path, clock=clock) as store:
        q = queue_for(store, settings)
        for _ in range(2):
            clock.advance(seconds=2)
            q.finish(q.start(q.call_next(1).id).id)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "0,4" in on_screen(app.screen, "#waits")  # the axis of minutes, in the reader's decimals


async def test_reprint_makes_the_ticket_again_when_its_print_job_is_gone(printer_settings, clock, capture):
    """A trial: P on a ticket whose print job retention had pruned (print_jobs_days) said
    'Pekerjaan cetak 01a24e5d-... tidak ditemukan', a raw id. The ticket's paper is made
    again from its row and printed as a marked copy; a ticket transferred to another
    service (a new row, the same number) copies the paper printed for its first row."""
    from datetime import timedelta

    from kiosk import printing, retention

    settings = printer_settings
    with Store(settings.db_path, clock=clock) as store:
        issue_ticket(store, settings, "B")
        first_c = issue_ticket(store, settings, "C").ticket
        assert all(r.printed for r in printing.run_due(store, settings))
        retention.prune_print_jobs(store, clock.now() + timedelta(days=1))  # as after print_jobs_days
        assert store.row("SELECT COUNT(*) AS n FROM print_jobs")["n"] == 0
        issue_ticket(store, settings, "A")  # printed below, then transferred
        assert all(r.printed for r in printing.run_due(store, settings))
        queue = queue_for(store, settings)
        moved = queue.transfer(queue.find("A-001").id, "D")
        assert moved.transferred_from and first_c.status == "waiting"
    app = CounterApp(settings, clock=clock, spool=False, counter=1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        screen = app.screen
        assert screen.current.number == "B-001"
        await pilot.press("p")
        jobs = await printed(pilot, capture, 4)  # 3 originals (the server takes them in its thread)
        assert len(jobs) == 4 and b"CETAK ULANG" in jobs[3] and b"B-001" in jobs[3], jobs[3:]
        assert not any("tidak ditemukan" in str(n.message) for n in app._notifications)
        # The transferred A-001 (now for D), selected in the waiting list once B-001 is done:
        # a copy of its paper.
        await pilot.press("s")
        await pilot.press("f")
        await pilot.pause()
        assert screen.current is None
        table = screen.query_one("#waiting")
        table.focus()
        table.move_cursor(row=waiting_numbers(screen).index("A-001"))
        await pilot.press("p")
        jobs = await printed(pilot, capture, 5)
        assert len(jobs) == 5 and b"CETAK ULANG" in jobs[4] and b"A-001" in jobs[4]
        assert not any("tidak ditemukan" in str(n.message) for n in app._notifications)
    with Store(settings.db_path) as store:
        copies = store.rows("SELECT label, ref_id FROM print_jobs WHERE is_copy = 1 ORDER BY created_at, id")
        trail = store.rows("SELECT entity_id FROM audit WHERE action = 'print.reprint' ORDER BY rowid")
    assert [c["label"] for c in copies] == ["B-001", "A-001"]
    assert copies[1]["ref_id"] != moved.id  # the first row's paper, whose job is there
    assert len(trail) == 2


async def test_a_store_poll_as_the_display_closes_is_harmless(settings, clock):
    """A poll may come while the board's widgets go with the app (seen under load)."""
    app = DisplayApp(settings, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.query_one("#latest").remove()
        app.store_changed()  # no NoMatches
        await pilot.pause()
    app.store_changed()  # nor once the screens are gone


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_service_filter_marks_the_chosen_by_shape(settings, clock, size):
    """G's list drew ▐X▌ before every service, chosen or not, told apart by colour alone (a
    trial): the chosen show ▐✓▌, the others ▐ ▌, and the mark follows Space."""
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("g")
        await pilot.pause()
        lines = [line for line in shown(app).splitlines() if "▐" in line]
        assert len(lines) == 4 and all("▐ ▌" in line for line in lines) and "X" not in "".join(lines)
        await pilot.press("space")  # the first service, highlighted
        await pilot.pause()
        lines = [line for line in shown(app).splitlines() if "▐" in line]
        assert "▐✓▌" in lines[0] and all("▐ ▌" in line for line in lines[1:])
        await pilot.press("tab", "enter")
        await pilot.pause()
        assert app.screen.services == ["perpustakaan"]

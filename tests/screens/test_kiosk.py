"""The kiosk face driven like a visitor would: clicks, keys, idle time."""

import json

from textual.widgets import Checkbox

from kiosk import printing
from kiosk.store import Store
from kiosk.tickets import issue_ticket
from screens.guestbook import ConfirmScreen, GuestFormScreen, IdentifyScreen
from screens.kiosk_app import HomeScreen, KioskApp, StaffExitScreen
from tests.conftest import write_config
from tests.printer_server import CapturePrinter, refused_port
from tests.screens.helpers import GUEST, click, fill_form, new_visitor_ticket, registered_guest, returning_guest

SIZE = (100, 40)


async def wait_printed(pilot, screen, timeout=5.0):
    for _ in range(int(timeout / 0.05)):
        if screen.print_result is not None:
            return screen.print_result
        await pilot.pause(0.05)
    raise AssertionError("print result never shown")


def serve_one(settings, clock, service):
    """A ticket taken, called, served and finished: what a visitor may then rate."""
    from kiosk.tickets import queue_for

    with Store(settings.db_path, clock=clock) as store:
        q = queue_for(store, settings)
        ticket = q.take(service)
        q.call_next(1)
        q.start(ticket.id)
        q.finish(ticket.id)
    return ticket


async def test_click_a_service_and_see_the_ticket_printed(printer_settings, capture, clock):
    app = KioskApp(printer_settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, HomeScreen)
        assert "Selamat datang" in str(app.screen.query_one("#welcome").render())
        screen = await new_visitor_ticket(pilot, "penjualan")
        assert screen.query_one("#number").value == "B-001"
        assert "0 orang di depan" in str(screen.query_one("#ahead").render())
        result = await wait_printed(pilot, screen)
        assert result.printed
        assert "dicetak" in str(screen.query_one("#print-status").render())
        await pilot.click("#done")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    assert b"B-001" in capture.wait_for_jobs(1)[0]
    with Store(printer_settings.db_path) as store:
        assert store.row("SELECT number, status FROM tickets") == {"number": "B-001", "status": "waiting"}
        assert store.row("SELECT name FROM guests")["name"] == "Siti Aminah"


async def test_keyboard_only_visitor(settings, clock):
    """Letter key, then Tab/Enter through the returning-guest path."""

    returning_guest(settings, clock, "A")
    with Store(settings.db_path, clock=clock) as store:
        issue_ticket(store, settings, "A")  # someone else's A-001 waits
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("p", "a")  # priority, then service A
        await pilot.pause()
        assert isinstance(app.screen, IdentifyScreen)
        await pilot.press(*"siti@example.com", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        app.screen.query_one("#purpose").value = "penelitian"
        app.screen.query_one("#yes").focus()
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#agree").focus()
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert screen.issued.ticket.priority and screen.query_one("#number").value == "A-002"
        assert screen.query_one("#priority-note")
        assert "0 orang" in str(screen.query_one("#ahead").render())  # priority goes first


async def test_dead_printer_still_issues_and_shows_the_ticket(tmp_path, clock):
    settings = write_config(tmp_path / "c.toml", tmp_path / "pst.db",
                            printer=f"network:127.0.0.1:{refused_port()}")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await new_visitor_ticket(pilot, "konsultasi")
        assert screen.query_one("#number").value == "C-001"
        result = await wait_printed(pilot, screen)
        assert not result.printed
        status = str(screen.query_one("#print-status").render())
        assert "tidak terhubung" in status and "tetap berlaku" in status
    with Store(settings.db_path) as store:
        assert printing.jobs(store)[0].status == "failed"


async def test_hanging_printer_leaves_the_kiosk_responsive(tmp_path, clock):
    silent = CapturePrinter(mode="silent")
    try:
        settings = write_config(tmp_path / "c.toml", tmp_path / "pst.db", printer=silent.url)
        # A printer that takes 4 s to be given up on: the visitor's next steps come well
        # within it even on a loaded machine (0.5 s, the tests' usual, was not always).
        settings = settings.model_validate({**settings.model_dump(mode="json"),
                                            "printer": {**settings.printer.model_dump(mode="json"), "timeout": 4}})
        app = KioskApp(settings, clock=clock, spool=False)
        async with app.run_test(size=SIZE) as pilot:
            ticket_screen = await new_visitor_ticket(pilot, "penjualan")
            assert ticket_screen.print_result is None  # still waiting for the printer...
            await pilot.click("#done")  # ...yet the visitor can go on
            await pilot.pause()
            await new_visitor_ticket(pilot, "penjualan", {**GUEST, "email": "andi@example.com",
                                                          "name": "Andi", "id_number": "3273010101900002"})
            assert app.screen.query_one("#number").value == "B-002"
            result = await wait_printed(pilot, ticket_screen, timeout=20)
            assert result.reason == "no_answer"
            assert (await wait_printed(pilot, app.screen, timeout=20)).reason == "no_answer"
        with Store(settings.db_path) as store:
            assert {j.status for j in printing.jobs(store)} == {"failed"}
    finally:
        silent.close()


async def test_language_switch(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#lang")
        await pilot.pause()
        assert app.lang == "en"
        assert "Welcome" in str(app.screen.query_one("#welcome").render())
        assert "Library" in str(app.screen.query_one("#svc-perpustakaan").label)
        await pilot.press("b")
        await pilot.pause()
        assert "Visited PST before" in str(app.screen.query_one(".flow-text").render())
        await pilot.click("#new")
        await pilot.pause()
        assert str(app.screen.query_one("#label-email").render()) == "Active email *"


async def test_idle_returns_home_from_the_ticket(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await new_visitor_ticket(pilot, "rekomendasi")
        app.last_activity -= settings.kiosk.ticket_seconds + 1
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)


async def test_start_screen_fits_an_80_by_24_terminal(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for selector in ("#svc-perpustakaan", "#svc-rekomendasi", "#priority", "#lang", "#rate"):
            region = app.screen.query_one(selector).region
            assert region.width and region.right <= 80 and region.bottom <= 23, (selector, region)
        await click(pilot, "#rate")  # reachable by a tap
        assert type(app.screen).__name__ == "RatingStartScreen"


async def test_idle_on_the_start_screen_resets_priority_and_language(settings, clock):
    """A visitor who ticked priority and switched to English, then walked away: the next
    one finds the start screen as the office set it."""
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#lang")
        await pilot.press("p")
        await pilot.pause()
        assert app.screen.query_one("#priority").value is True and app.lang == "en"
        app.last_activity -= settings.kiosk.idle_seconds - 5
        app._check_idle()
        await pilot.pause()
        assert app.screen.query_one("#priority").value is True  # not idle long enough yet
        app.last_activity -= 10
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and app.lang == "id"
        assert app.screen.query_one("#priority").value is False
        assert "Perpustakaan" in str(app.screen.query_one("#svc-perpustakaan").render())


async def test_idle_clears_a_half_filled_form(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#svc-penjualan")
        await click(pilot, "#new")
        await fill_form(pilot, {"name": "Siti Aminah", "email": "siti@example.com"})
        app.last_activity -= settings.kiosk.idle_seconds - 5
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, GuestFormScreen)  # not yet idle long enough
        app.last_activity -= 10
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await click(pilot, "#svc-penjualan")
        await click(pilot, "#new")
        assert app.screen.query_one("#name").value == "" and app.screen.query_one("#email").value == ""
    with Store(settings.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM guests").fetchone()[0] == 0


async def test_visitors_cannot_quit_but_staff_can(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+q")
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, HomeScreen)
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, StaffExitScreen)
        app.screen.query_one("#code").value = "000000"
        await pilot.press("enter")
        await pilot.pause()
        assert app.is_running and "ditolak" in str(app.screen.query_one("#staff-error").render())
        app.screen.query_one("#code").value = "246810"
        await pilot.press("enter")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_rating_a_finished_visit_at_the_kiosk(settings, clock):
    from kiosk.guestbook import register_visit, validate_guest
    from kiosk.tickets import queue_for
    from screens.rating import RatingScreen, RatingStartScreen

    with Store(settings.db_path, clock=clock) as store:
        ticket = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                                guest=validate_guest(GUEST)).issued.ticket
        q = queue_for(store, settings)
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(100, 50)) as pilot:
        await click(pilot, "#rate")
        assert isinstance(app.screen, RatingStartScreen)
        app.screen.query_one("#number").value = "B-001"
        await click(pilot, "#next")
        assert "belum selesai" in str(app.screen.query_one("#number-error").render())
        with Store(settings.db_path, clock=clock) as store:
            q = queue_for(store, settings)
            q.call_next(1)
            q.start(ticket.id)
            q.finish(ticket.id)
        await pilot.pause(0.3)  # a button ignores a second press within its 0.2 s press effect
        await click(pilot, "#next")
        assert isinstance(app.screen, RatingScreen)
        for i in range(1, 10):
            app.screen.query_one(f"#u{i}-{4 if i != 3 else 2}").press()
        await pilot.pause()
        app.screen.query_one("#u1-3").press()  # changed my mind
        await pilot.pause()
        assert app.screen.query_one("#u1-3").has_class("-chosen") and not app.screen.query_one("#u1-4").has_class("-chosen")
        app.screen.query_one("#comment").value = "Cepat dan ramah"
        await click(pilot, "#send")
        assert isinstance(app.screen, HomeScreen)
    with Store(settings.db_path) as store:
        row = store.row("SELECT u1, u3, u9, comment, visit_id FROM ratings")
    assert (row["u1"], row["u3"], row["u9"], row["comment"]) == (3, 2, 4, "Cepat dan ramah") and row["visit_id"]


async def test_rating_needs_every_element(settings, clock):
    from screens.rating import RatingScreen

    serve_one(settings, clock, "A")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(100, 50)) as pilot:
        await click(pilot, "#rate")
        app.screen.query_one("#number").value = "A1"
        await click(pilot, "#next")
        app.screen.query_one("#u1-4").press()
        await pilot.pause()
        await click(pilot, "#send")
        assert isinstance(app.screen, RatingScreen)
        assert "Pilih salah satu" in str(app.screen.query_one("#err-u2").render())
    with Store(settings.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 0


async def test_enter_moves_down_the_form_and_scrolling_keeps_it(settings, clock):
    from textual import events

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#svc-penjualan")
        await click(pilot, "#new")
        assert app.focused.id == "name"
        await pilot.press(*"Siti", "enter")
        assert app.focused.id == "id_type"  # Enter goes on to the next field, not nowhere
        app.screen.query_one("#email").focus()
        await pilot.press("enter")
        assert app.focused.id == "phone"
        # A visitor reading the long form scrolls: that is activity, not idle time. (The
        # app's own idle tick is held meanwhile: one falling between the stale time and the
        # scroll's handling would end the form, as it should, before the scroll is seen.)
        app.idle_timer.pause()
        stale = app.last_activity = app.last_activity - settings.kiosk.idle_seconds - 5
        app.post_message(events.MouseScrollDown(None, 10, 10, 0, 1, 0, False, False, False))
        for _ in range(100):
            await pilot.pause()
            if app.last_activity > stale:
                break
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, GuestFormScreen)
        assert app.screen.query_one("#name").value == "Siti"


async def test_idle_brings_back_the_office_language(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#lang")
        await pilot.pause()
        await click(pilot, "#svc-penjualan")
        assert app.lang == "en"
        app.last_activity -= settings.kiosk.idle_seconds + 1
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and app.lang == "id"
        assert "Selamat datang" in str(app.screen.query_one("#welcome").render())


async def test_the_idle_check_while_the_start_screen_recomposes_never_crashes(settings, clock):
    """The idle timer may fire while the start screen is being composed again (the language
    went back a moment ago): its priority box is not there for that moment."""
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.click("#lang")
        await pilot.pause()
        await app.screen.query_one("#priority").remove()  # as between a recompose's remove and mount
        app.last_activity -= settings.kiosk.idle_seconds + 1
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and app.lang == "id"
        assert app.screen.query_one("#priority", Checkbox).value is False


async def test_a_returning_guest_can_go_back_from_is_this_you(settings, clock):

    registered_guest(settings, clock, "A")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#svc-konsultasi")
        app.screen.query_one("#lookup").value = "siti@example.com"
        await click(pilot, "#find")
        assert isinstance(app.screen, ConfirmScreen)
        await click(pilot, "#back")  # not me after all, or a typo: back to the lookup
        assert isinstance(app.screen, IdentifyScreen)


async def test_a_keyboard_visitor_goes_forward_and_back(settings, clock):
    """At 80x24 with a keyboard only: L switches the language, Esc goes one step back on
    every screen (never out of the kiosk), Shift+Tab never lands on an invisible
    container, Enter agrees on the privacy notice, which is read from its start."""
    from textual.containers import ScrollableContainer

    from screens.guestbook import ConsentScreen
    from screens.kiosk_app import TicketScreen

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "L English" in str(app.screen.query_one("#hint").render())
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "en" and "L Bahasa Indonesia" in str(app.screen.query_one("#hint").render())
        await pilot.press("l", "escape")
        await pilot.pause()
        assert app.lang == "id" and isinstance(app.screen, HomeScreen) and app.is_running
        await pilot.press("b")
        await pilot.pause()
        assert isinstance(app.screen, IdentifyScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("b", "tab", "tab", "enter")  # lookup -> Cari -> Pengunjung baru
        await pilot.pause()
        form = app.screen
        assert isinstance(form, GuestFormScreen) and app.focused.id == "name"
        await pilot.press("shift+tab")
        assert not isinstance(app.focused, ScrollableContainer) and app.focused.id == "cancel"
        await pilot.press("tab")
        assert app.focused.id == "name"
        form.query_one("#id_type").focus()
        await pilot.press("enter")  # the list opens; Esc closes it and stays on the form
        await pilot.pause()
        assert form.query_one("#id_type").expanded
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is form and not form.query_one("#id_type").expanded
        await fill_form(pilot, GUEST)
        form.query_one("#next").focus()
        await pilot.press("enter")
        await pilot.pause()
        consent = app.screen
        assert isinstance(consent, ConsentScreen)
        assert app.focused.id == "agree"
        assert consent.query_one(".flow").scroll_y == 0  # the notice from its start
        await pilot.press("escape")  # back to the form, as filled
        await pilot.pause()
        assert app.screen is form and form.query_one("#name").value == "Siti Aminah"
        form.query_one("#next").focus()
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")  # agree
        await pilot.pause()
        assert isinstance(app.screen, TicketScreen) and app.screen.query_one("#number").value == "B-001"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    with Store(settings.db_path) as store:
        assert store.row("SELECT name FROM guests")["name"] == "Siti Aminah"


async def test_rating_with_the_keys_1_to_4(settings, clock):
    from screens.rating import RatingScreen, RatingStartScreen

    serve_one(settings, clock, "A")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#rate")
        assert isinstance(app.screen, RatingStartScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await click(pilot, "#rate")
        await pilot.press(*"A-001", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RatingScreen)
        await pilot.press("escape")  # one step back: the number is still there
        await pilot.pause()
        assert isinstance(app.screen, RatingStartScreen)
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RatingScreen) and app.focused.id == "u1-1"
        assert screen.query_one("#label-u1").has_class("-current")
        await pilot.press("4", "4", "2")
        assert screen.scores == {"u1": 4, "u2": 4, "u3": 2} and app.focused.id == "u4-1"
        assert screen.query_one("#label-u4").has_class("-current")
        assert screen.query_one("#u3-2").has_class("-chosen")
        screen.query_one("#u2-4").focus()  # back up to change one
        await pilot.press("3")
        assert screen.scores["u2"] == 3 and app.focused.id == "u3-2"  # on to the next, as chosen
        screen.query_one("#send").focus()
        await pilot.press(*"444444")  # not on an element: the first unscored ones
        # After the nine elements: the profile questions (no guestbook entry here), then the comment.
        assert app.focused.id == "profile-age_group" and len(screen.scores) == 9
        await pilot.press("1")  # a digit on a profile question scores nothing
        assert screen.scores["u9"] == 4
        screen.query_one("#comment").focus()
        await pilot.press("1", "0")  # digits in the comment are text
        assert screen.query_one("#comment").value == "10" and screen.scores["u9"] == 4
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
    with Store(settings.db_path) as store:
        row = store.row("SELECT u1, u2, u3, u4, u9, comment FROM ratings")
    assert row == {"u1": 4, "u2": 3, "u3": 2, "u4": 4, "u9": 4, "comment": "10"}


async def test_the_new_visitor_form_opens_at_its_top(settings, clock):
    """The title, the intro and the first field's label are in view, the name field has the
    cursor, whatever the terminal's size (it opened scrolled past them)."""
    for size in ((80, 24), (100, 30), (160, 45)):
        app = KioskApp(settings, clock=clock, spool=False)
        async with app.run_test(size=size) as pilot:
            await pilot.press("b")
            await pilot.pause()
            await click(pilot, "#new")
            await pilot.pause(0.1)
            form = app.screen
            assert isinstance(form, GuestFormScreen) and app.focused.id == "name", size
            assert form.query_one(".flow").scroll_y == 0, size
            view = form.query_one(".flow").region
            for selector in (".flow-title", ".flow-text", "#label-name", "#name"):
                region = form.query_one(selector).region
                assert region.height and view.contains_region(region), (size, selector, region, view)
            assert "Buku tamu elektronik" in str(form.query_one(".flow-title").render())
            await pilot.press(*"Siti")  # the cursor really is in the name field
            assert form.query_one("#name").value == "Siti"


async def test_the_start_screen_shows_with_nothing_focused(settings, clock):
    """A stray Enter or Space on the start screen does nothing: not at start (it ticked
    priority), not back from a ticket by idle time or Done (it started a new visit at the
    service last tapped), not after a language switch. Letters, P, L, Tab and taps still work."""
    from screens.kiosk_app import TicketScreen

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        home = app.screen

        async def stray_keys() -> None:
            assert app.screen is home and app.focused is None
            await pilot.press("enter", "space", "enter")
            await pilot.pause()
            assert app.screen is home and home.query_one("#priority").value is False

        await stray_keys()
        await pilot.press("p")
        assert home.query_one("#priority").value is True
        await pilot.press("p", "tab")
        assert home.query_one("#priority").value is False and app.focused is not None
        await click(pilot, "#lang")
        assert app.lang == "en"
        await stray_keys()
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "id"
        await new_visitor_ticket(pilot, "penjualan")  # taps a service button
        app.last_activity -= settings.kiosk.ticket_seconds + 1
        app._check_idle()
        await pilot.pause()
        await stray_keys()
        await new_visitor_ticket(pilot, "konsultasi", {**GUEST, "name": "Andi", "email": "andi@example.com",
                                                       "id_number": "3273010101900002"})
        await pilot.press("enter")  # Done on the ticket: home again, nothing focused
        await pilot.pause()
        await stray_keys()
        await click(pilot, "#priority")  # a tap ticks it, as it should
        assert home.query_one("#priority").value is True
        app.last_activity -= settings.kiosk.idle_seconds + 1
        app._check_idle()  # the next visitor: unticked and not focused
        await pilot.pause()
        await stray_keys()
        assert not isinstance(app.screen, TicketScreen)
    with Store(settings.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 2


async def _staff_code(pilot, code: str) -> str:
    """Type a staff exit code and Enter; what the dialog then says (empty once it closed)."""
    app = pilot.app
    app.screen.query_one("#code").value = code
    app.screen.query_one("#code").focus()
    await pilot.press("enter")
    await pilot.pause()
    return str(app.screen.query_one("#staff-error").render()) if isinstance(app.screen, StaffExitScreen) else ""


async def test_five_wrong_staff_codes_shut_the_exit_for_five_minutes(settings, clock):
    """As the counter's PINs: the fifth wrong code in a row refuses the exit code, even the
    right one, for five minutes, said in the visitor's language; a restarted kiosk still
    counts them (they are in the trail); once over, a wrong code is just wrong again."""
    from kiosk import audit

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f10")
        await pilot.pause()
        for _ in range(4):
            assert await _staff_code(pilot, "000000") == "Keluar dari kios ditolak."
        said = await _staff_code(pilot, "111111")
        assert "Terlalu banyak percobaan ditolak" in said and "5 menit" in said
        clock.advance(minutes=2)
        said = await _staff_code(pilot, "246810")  # the right code, refused while shut
        assert app.is_running and "3 menit" in said and app.screen.query_one("#code").value == ""
    with Store(settings.db_path) as store:
        tries = [e.action for e in audit.entries(store, action="kiosk.exit")]
    assert tries == ["kiosk.exit_refused"] * 5  # a try while shut is not a try of the code

    app = KioskApp(settings, clock=clock, spool=False)  # the kiosk restarted
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "f10")
        await pilot.pause()
        said = await _staff_code(pilot, "246810")
        assert "Too many refused tries" in said and "3 minutes" in said and app.is_running
        clock.advance(minutes=3)
        assert await _staff_code(pilot, "000000") == "Leaving the kiosk was refused."  # counting anew, not shut again
        assert await _staff_code(pilot, "246810") == ""
    assert app.return_code == 0 and not app.is_running


async def test_a_staff_exit_dialog_left_open_closes_when_idle(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        for opened_over in (HomeScreen, IdentifyScreen):
            if opened_over is IdentifyScreen:
                await pilot.press("b")
                await pilot.pause()
            await pilot.press("f10")
            await pilot.pause()
            assert isinstance(app.screen, StaffExitScreen)
            app.screen.query_one("#code").value = "246813"  # half typed, then walked away
            app.last_activity -= settings.kiosk.idle_seconds - 5
            app._check_idle()
            await pilot.pause()
            assert isinstance(app.screen, StaffExitScreen)  # not idle long enough yet
            app.last_activity -= 10
            app._check_idle()
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen) and app.is_running, opened_over
            assert app.focused is None
        await pilot.press("f10")  # opened again: empty
        await pilot.pause()
        assert app.screen.query_one("#code").value == ""


async def test_an_empty_ticket_number_is_asked_for_and_old_messages_go(settings, clock):
    """Rating with nothing typed asks for the number (it said '"" bukan nomor antrian'); a
    message goes as soon as the number changes; the field keeps its width as one types."""
    from screens.rating import RatingStartScreen

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#rate")
        assert isinstance(app.screen, RatingStartScreen)
        field, error = app.screen.query_one("#number"), app.screen.query_one("#number-error")
        width = field.region.width
        assert width == 24
        await pilot.press("enter")
        await pilot.pause()
        assert str(error.render()) == "Ketik nomor antrian Anda (contoh: B-007)"
        await pilot.press("x")
        await pilot.pause()
        assert str(error.render()) == ""  # typing: the old message goes
        await pilot.press(*"yz", "enter")
        await pilot.pause()
        assert "bukan nomor antrian" in str(error.render())
        await pilot.press("backspace")
        await pilot.pause()
        assert str(error.render()) == ""
        await pilot.press(*"-0000000000000", "enter")
        await pilot.pause()
        assert field.region.width == width and "bukan nomor antrian" in str(error.render())
        field.value = "   "
        await click(pilot, "#next")
        assert str(error.render()) == "Ketik nomor antrian Anda (contoh: B-007)"
        await pilot.press("escape", "l")
        await pilot.pause()
        await click(pilot, "#rate")
        await click(pilot, "#next")
        assert str(app.screen.query_one("#number-error").render()) == "Type your ticket number (example: B-007)"
    with Store(settings.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM ratings").fetchone()[0] == 0


async def test_find_with_nothing_typed_asks_for_an_id_number_or_email(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        note = app.screen.query_one("#lookup-note")
        await click(pilot, "#find")
        assert str(note.render()) == "Ketik nomor identitas atau email Anda"
        await click(pilot, "#lookup")
        await pilot.press(*"ab@x")
        await pilot.pause()
        assert str(note.render()) == ""  # typing: the old message goes
        await pilot.press(*".com", "enter")
        await pilot.pause()
        assert "tidak ditemukan" in str(note.render()) and isinstance(app.screen, IdentifyScreen)
        app.screen.query_one("#lookup").value = "  "
        await pilot.pause()
        assert str(note.render()) == ""
        await pilot.press("enter")
        await pilot.pause()
        assert str(note.render()) == "Ketik nomor identitas atau email Anda"
        await pilot.press("escape", "l", "b")
        await pilot.pause()
        await click(pilot, "#find")
        assert str(app.screen.query_one("#lookup-note").render()) == "Type your ID number or email"


async def test_a_restored_guest_who_types_her_nik_is_greeted_and_made_whole(settings, clock):
    """After a restore with the key file she is held as ``HASH:``: typing her NIK greets her by
    first name and masked ID only, and confirming completes her record with that number."""
    import json

    from kiosk.guestbook import HASHED, id_hash
    from tests.kiosk.test_guestbook import as_restored

    returning_guest(settings, clock, "A")
    with Store(settings.db_path, clock=clock) as store:
        guest_id = store.row("SELECT id FROM guests")["id"]
        as_restored(store, guest_id)
        sent = id_hash(store, GUEST["id_number"])
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#svc-konsultasi")
        app.screen.query_one("#lookup").value = "3273 0141 0190 0001"
        await click(pilot, "#find")
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.query_one("#hello").render()) == "Halo, Siti!"
        masked = str(app.screen.query_one("#masked").render())
        assert "3273********0001" in masked and "3273014101900001" not in masked and "Aminah" not in masked
        app.screen.query_one("#purpose").value = "penelitian"
        await click(pilot, "#yes")
        await click(pilot, "#agree")
        assert app.screen.issued.ticket.number == "C-001"
    with Store(settings.db_path) as store:
        assert store.row("SELECT id_number, id_masked FROM guests") == {
            "id_number": "3273014101900001", "id_masked": "3273********0001"}
        assert store.conn.execute("SELECT COUNT(*) FROM guests").fetchone()[0] == 1
        change = store.row("SELECT op, payload_text(payload) AS payload FROM changes WHERE entity = 'guest' ORDER BY seq DESC")
        assert change["op"] == "update" and json.loads(change["payload"])["id_hash"] == sent
        assert "3273014101900001" not in change["payload"] and HASHED not in change["payload"]


def _score_all(screen, value=4):
    for i in range(1, 10):
        screen.query_one(f"#u{i}-{value}").press()


def _labels(screen, code):
    return [str(screen.query_one(f"#{code}-{v}").label) for v in range(1, 5)]


async def test_each_element_asks_its_own_question_with_its_own_answers(settings, clock):
    """PermenPAN-RB 14/2017's sample questionnaire: cost runs from "sangat mahal" to "gratis",
    complaint handling from "tidak ada" to "dikelola dengan baik"; in English too. A visitor
    from the guestbook is asked only the profile it does not hold (age group, occupation);
    gender and education come from the guestbook, never shown, and everything is stored."""
    from kiosk.guestbook import register_visit, validate_guest
    from kiosk.tickets import queue_for
    from screens.rating import RatingScreen

    with Store(settings.db_path, clock=clock) as store:
        ticket = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                                guest=validate_guest(GUEST)).issued.ticket
        q = queue_for(store, settings)
        q.call_next(1)
        q.start(ticket.id)
        q.finish(ticket.id)
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(100, 50)) as pilot:
        await click(pilot, "#rate")
        app.screen.query_one("#number").value = ticket.number
        await click(pilot, "#next")
        screen = app.screen
        assert isinstance(screen, RatingScreen)
        assert _labels(screen, "u1") == ["1 Tidak sesuai", "2 Kurang sesuai", "3 Sesuai", "4 Sangat sesuai"]
        assert _labels(screen, "u4") == ["1 Sangat mahal", "2 Cukup mahal", "3 Murah", "4 Gratis"]
        assert _labels(screen, "u8") == ["1 Tidak ada", "2 Ada tetapi tidak berfungsi",
                                         "3 Berfungsi kurang maksimal", "4 Dikelola dengan baik"]
        assert _labels(screen, "u7")[3] == "4 Sangat sopan dan ramah"
        assert _labels(screen, "u9") == ["1 Buruk", "2 Cukup", "3 Baik", "4 Sangat baik"]
        questions = [str(q.render()) for q in screen.query(".question")]
        assert len(questions) == 9 and "kewajaran biaya/tarif" in questions[3]
        # The guestbook holds gender and education: only age group and occupation are asked.
        assert [s.id for s in screen.query(".profile")] == ["profile-age_group", "profile-occupation"]
        _score_all(screen, 3)
        screen.query_one("#u4-4").press()  # free of charge
        screen.query_one("#profile-age_group").value = "20-29"
        screen.query_one("#profile-occupation").value = "pelajar"
        await pilot.pause()
        await click(pilot, "#send")
        assert isinstance(app.screen, HomeScreen)
        await click(pilot, "#lang")  # the same screen in English
        await click(pilot, "#rate")
        app.screen.query_one("#number").value = ticket.number
        await click(pilot, "#next")
        assert "already rated" in str(app.screen.query_one("#number-error").render())
    with Store(settings.db_path) as store:
        row = store.row("SELECT u4, u9, age_group, gender, education, occupation FROM ratings")
        payload = store.row("SELECT payload_text(payload) AS payload FROM changes WHERE entity = 'rating'")["payload"]
    assert tuple(row.values()) == (4, 3, "20-29", "p", "s1", "pelajar")
    assert json.loads(payload)["occupation"] == "pelajar" and json.loads(payload)["gender"] == "p"  # synced


async def test_a_visitor_without_a_guestbook_entry_is_asked_the_whole_profile_in_english(settings, clock):
    from screens.rating import RatingScreen

    serve_one(settings, clock, "A")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(100, 50)) as pilot:
        await click(pilot, "#lang")
        await click(pilot, "#rate")
        app.screen.query_one("#number").value = "A1"
        await click(pilot, "#next")
        screen = app.screen
        assert isinstance(screen, RatingScreen)
        assert _labels(screen, "u4") == ["1 Very expensive", "2 Quite expensive", "3 Cheap", "4 Free"]
        assert _labels(screen, "u2") == ["1 Not easy", "2 Less easy", "3 Easy", "4 Very easy"]
        assert [s.id for s in screen.query(".profile")] == [
            "profile-age_group", "profile-gender", "profile-education", "profile-occupation"]
        _score_all(screen, 2)
        screen.query_one("#profile-gender").value = "l"  # the rest left unanswered
        await pilot.pause()
        await click(pilot, "#send")
        assert isinstance(app.screen, HomeScreen)
    with Store(settings.db_path) as store:
        row = store.row("SELECT u1, age_group, gender, education, occupation FROM ratings")
    assert tuple(row.values()) == (2, None, "l", None, None)


async def test_an_id_number_in_other_scripts_digits_is_told_not_reported_missing(settings, clock):
    """A registered visitor typing her NIK with full-width digits is told which digits to
    type, not sent to register again as if she were unknown."""
    registered_guest(settings, clock, "A")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("b")
        await pilot.pause()
        app.screen.query_one("#lookup").value = "３２７３０１４１０１９０００００１"
        await click(pilot, "#find")
        note = str(app.screen.query_one("#lookup-note").render())
        assert "angka 0-9" in note and "tidak ditemukan" not in note
        assert isinstance(app.screen, IdentifyScreen)


async def test_esc_on_a_started_survey_or_suggestion_asks_first(settings, clock):
    """Like the guestbook form: Esc on answers given asks before throwing them away; the
    safe answer (keep) is focused; an untouched one just goes back."""
    from textual.widgets import TextArea

    from screens.kiosk_app import AskScreen
    from screens.rating import RatingScreen
    from screens.suggestion_box import SuggestionScreen

    serve_one(settings, clock, "A")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(100, 50)) as pilot:
        await click(pilot, "#rate")
        app.screen.query_one("#number").value = "A1"
        await click(pilot, "#next")
        assert isinstance(app.screen, RatingScreen)
        app.screen.query_one("#u1-3").press()
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen) and "Batalkan" in str(app.screen.query_one("#ask-question").render())
        await pilot.press("enter")  # "no": keep the answers
        await pilot.pause()
        assert isinstance(app.screen, RatingScreen) and app.screen.scores == {"u1": 3}
        await pilot.press("escape")
        await pilot.pause()
        await click(pilot, "#ask-yes")
        assert not isinstance(app.screen, (RatingScreen, AskScreen))
        await pilot.press("escape", "escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, SuggestionScreen)
        await pilot.press("escape")  # nothing written yet: straight back
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("k")
        await pilot.pause()
        app.screen.query_one("#text", TextArea).text = "Toilet kotor sekali"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one("#text", TextArea).text == "Toilet kotor sekali"



async def test_a_late_idle_tick_after_the_kiosk_closed_is_harmless(settings, clock):
    """A timer's last tick may come as the app closes, its screens gone (seen under load)."""
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    assert not app.screen_stack
    app.last_activity -= settings.kiosk.idle_seconds + 5
    app._check_idle()  # no ScreenStackError


async def test_a_late_store_poll_after_the_kiosk_closed_is_harmless(settings, clock):
    """The store poll's last tick may come as the app closes, its screens gone (seen under load)."""
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
    with Store(settings.db_path, clock=clock) as store:
        issue_ticket(store, settings, "B")  # a change the poll would see
    app._poll_store()  # no ScreenStackError


async def test_letters_typed_in_a_burst_open_one_screen_and_esc_comes_back(settings, clock):
    """A double press (or C B typed quickly) reached the start screen twice before the
    first screen took the keys: one guestbook each, and Esc landed on a leftover one."""
    from textual import events

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        for letter in "cbk":  # both queued for the start screen before it handles either
            home.post_message(events.Key(letter, letter))
        await pilot.pause()
        await pilot.pause()
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["IdentifyScreen"]
        assert app.screen.service == "konsultasi"  # the first letter's, C
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is home

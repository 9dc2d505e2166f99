"""The counter's locker screens at 80x24, driven the way an officer does: the hand-over
dialog reachable to its last field and buttons, Esc one step back, a search that says when
it finds nothing."""

from kiosk.store import Store
from screens.counter_app import CounterApp, CounterScreen
from screens.lockers import AssignLockerScreen, LockerScreen
from tests.screens.helpers import registered_guest, shown

SIZE = (80, 24)


def lockers_held(settings):
    with Store(settings.db_path) as store:
        return [dict(r) for r in store.rows(
            "SELECT locker_no, holder_name, id_masked FROM lockers WHERE returned_at IS NULL")]


async def tab_to(pilot, widget_id: str) -> None:
    for _ in range(12):
        if pilot.app.focused is not None and pilot.app.focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"Tab never reached #{widget_id}; at {pilot.app.focused}")


def in_view(app, widget_id: str) -> bool:
    """The widget is on the screen and inside its dialog's visible area."""
    widget = app.screen.query_one(f"#{widget_id}")
    dialog = app.screen.query_one(".dialog")
    region = widget.region
    return (region.height > 0 and region.bottom <= SIZE[1]
            and dialog.region.contains_region(region))


async def test_the_hand_over_dialog_is_reachable_at_80x24_for_a_called_visitor(settings, clock):
    registered_guest(settings, clock, "B")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "k", "a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AssignLockerScreen)
        text = shown(app)
        # Opens at its top, and the buttons are in view from the start.
        assert "Titip kartu identitas, beri loker" in text and "Jenis identitas" in text
        assert "Simpan dan cetak slip" in text and "Batal" in text
        assert in_view(app, "save") and in_view(app, "cancel")
        await tab_to(pilot, "locker_no")
        await pilot.pause()
        assert "Nomor loker" in shown(app) and in_view(app, "locker_no")
        assert in_view(app, "save")  # still there while the fields scrolled
        await pilot.press("7", "enter")
        await pilot.pause()
        assert isinstance(app.screen, LockerScreen)
    assert lockers_held(settings) == [
        {"locker_no": 7, "holder_name": "Siti Aminah", "id_masked": "3273********0001"}]


async def test_the_hand_over_dialog_with_the_guestbook_search_fits_too(settings, clock):
    """No called visitor: the guestbook search sits on top; the rest still scrolls into view,
    and the buttons never leave it."""
    registered_guest(settings, clock, "B")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k", "a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AssignLockerScreen)
        assert app.focused.id == "guest-search"
        await pilot.press(*"aminah")
        await pilot.pause()
        results = dialog.query_one("#guest-results")
        assert results.option_count == 1 and "Siti Aminah" in shown(app)
        await pilot.press("tab", "down", "enter")  # the one hit
        await pilot.pause()
        assert dialog.query_one("#holder_name").value == "Siti Aminah"
        assert in_view(app, "save") and in_view(app, "cancel")
        await tab_to(pilot, "locker_no")
        await pilot.pause()
        assert "Nomor loker" in shown(app) and in_view(app, "locker_no")
        assert in_view(app, "save") and "Simpan dan cetak slip" in shown(app)
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, LockerScreen)
    assert lockers_held(settings) == [
        {"locker_no": 1, "holder_name": "Siti Aminah", "id_masked": "3273********0001"}]


async def test_the_hand_over_dialog_can_be_cancelled_by_its_button_at_80x24(settings, clock):
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k", "a")
        await pilot.pause()
        await pilot.click("#cancel")
        await pilot.pause()
        assert isinstance(app.screen, LockerScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
    assert lockers_held(settings) == []


def held_locker(settings, clock, name="Andi Saputra", number="123456789012"):
    from kiosk import lockers

    with Store(settings.db_path, clock=clock) as store:
        lockers.assign(store, settings, None, id_type="sim", id_number=number, holder_name=name)


async def test_esc_in_the_search_leaves_the_search_not_the_locker_screen(settings, clock):
    """K, /, a name, Esc: the search is left (cleared) and the officer stays on the locker
    list, so the next letters are not the counter's R (recall), S (start), T (transfer)."""
    held_locker(settings, clock)
    registered_guest(settings, clock, "B")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        counter = app.screen
        assert counter.current.status == "called"
        await pilot.press("k", "slash", *"andi")
        await pilot.pause()
        lockers_screen = app.screen
        assert isinstance(lockers_screen, LockerScreen)
        assert lockers_screen.query_one("#search").value == "andi"
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is lockers_screen
        assert lockers_screen.query_one("#search").value == ""
        assert app.focused is lockers_screen.query_one("#lockers")
        assert "Andi Saputra" in shown(app)
        await pilot.press("s")  # a letter after Esc: the counter's Start must not fire
        await pilot.pause()
        assert app.screen is lockers_screen
        assert app.queue.find("B-001").status == "called"
        await pilot.press("escape")  # Esc on the list itself: back to the counter
        await pilot.pause()
        assert app.screen is counter
    with Store(settings.db_path) as store:
        assert store.row("SELECT status, started_at FROM tickets WHERE number = 'B-001'") == {
            "status": "called", "started_at": None}


async def test_esc_in_the_day_list_goes_back_to_the_open_lockers(settings, clock):
    held_locker(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        counter = app.screen
        await pilot.press("k", "d")
        await pilot.pause()
        lockers_screen = app.screen
        assert "belum dikembalikan" in shown(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is lockers_screen
        assert "Loker terpakai" in shown(app) and "belum dikembalikan" not in shown(app)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is counter


async def test_a_locker_search_that_finds_nothing_says_so(settings, clock):
    held_locker(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k", "slash", *"zulk")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LockerScreen)
        assert screen.query_one("#lockers").row_count == 0
        assert "Loker tidak ditemukan: zulk" in shown(app)
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"andi")
        await pilot.pause()
        assert screen.query_one("#lockers").row_count == 1
        assert "tidak ditemukan" not in shown(app) and "Andi Saputra" in shown(app)
        await pilot.press("escape")  # the search cleared: nothing is "not found"
        await pilot.pause()
        assert "tidak ditemukan" not in shown(app) and screen.query_one("#lockers").row_count == 1


def _told(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def _assign_locker(app, pilot) -> None:
    await pilot.press("n", "k", "a")
    await pilot.pause()
    assert isinstance(app.screen, AssignLockerScreen)
    await tab_to(pilot, "locker_no")
    await pilot.press("4", "enter")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_slip_not_printed_is_never_said_printed(settings, clock):
    """No printer: the officer is told the slip did not print, never 'slip dicetak'."""
    registered_guest(settings, clock, "B")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await _assign_locker(app, pilot)
        told = _told(app)
    assert any("Loker 4 diberikan" in m for m in told), told
    assert not any("dicetak" in m and "tidak" not in m for m in told), told
    assert not any("dikirim ke printer" in m for m in told), told  # there is none (a trial)
    assert any("printer" in m.lower() and "tidak" in m.lower() for m in told[1:]), told


async def test_a_slip_is_said_printed_once_the_printer_confirmed_it(printer_settings, clock):
    registered_guest(printer_settings, clock, "B")
    app = CounterApp(printer_settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await _assign_locker(app, pilot)
        told = _told(app)
    assert "dicetak" not in told[0] and "1 dokumen dicetak" in told[1:], told


async def test_a_long_name_is_cut_so_the_id_and_the_time_stay_on_screen(settings, clock):
    """A 60-letter holder name pushed the masked ID and the time off an 80-column screen (a
    trial): the name ends in "…" and the rest of the row stays in view; at 120 it is whole."""
    long_name = "Raden Mas Bambang Sutrisno Wicaksono Hadiningrat Kusumawardhana"
    held_locker(settings, clock, name=long_name)
    for size, whole in ((SIZE, False), ((120, 40), True)):
        app = CounterApp(settings, counter=1, clock=clock, spool=False)
        async with app.run_test(size=size) as pilot:
            await pilot.press("k")
            await pilot.pause()
            assert isinstance(app.screen, LockerScreen)
            screen = shown(app)
            assert "SIM 1234****9012" in screen, screen  # the masked ID
            assert clock.now().astimezone(settings.office.tz).strftime("%d-%m %H:%M") in screen
            assert (long_name in screen) is whole and ("…" in screen) is not whole

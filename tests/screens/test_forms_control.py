"""Issue 12 at the counter's forms, driven as an officer would at 80x24: digits of other
scripts and pasted control characters are refused under their field, naming it, and
nothing is done."""

from __future__ import annotations

from textual import events

from kiosk.store import Store
from screens.counter_app import CounterApp, CounterScreen
from screens.counter_dialogs import CounterPickScreen
from screens.forms import FormScreen
from screens.lockers import AssignLockerScreen
from tests.screens.helpers import registered_guest, shown
from tests.screens.test_lockers_screen import lockers_held, tab_to

SIZE = (80, 24)


async def test_the_counter_picker_refuses_a_devanagari_digit(settings, clock):
    """'३' typed for the counter was counter 3 (int() takes any script's digits)."""
    app = CounterApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, CounterPickScreen)
        for typed in ("३", "１"):
            app.screen.query_one("#pick-input").value = ""
            await pilot.press(typed, "enter")
            await pilot.pause()
            assert isinstance(app.screen, CounterPickScreen), typed
            said = str(app.screen.query_one("#pick-error").render())
            assert said.startswith("Loket: ketik angka 0-9"), said
        app.screen.query_one("#pick-input").value = ""
        await pilot.press("2", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen) and app.screen.counter == 2


async def test_the_locker_number_refuses_other_scripts(settings, clock):
    registered_guest(settings, clock, "B")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "k", "a")
        await pilot.pause()
        assert isinstance(app.screen, AssignLockerScreen)
        await tab_to(pilot, "locker_no")
        await pilot.press("७", "enter")
        await pilot.pause()
        assert isinstance(app.screen, AssignLockerScreen)
        assert "Nomor loker: ketik angka 0-9" in shown(app)
    assert lockers_held(settings) == []


async def test_a_form_names_the_field_a_control_character_was_pasted_in(settings, clock):
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    submitted = []
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("o", "n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.submit, real = (lambda values: submitted.append(values) or real(values)), form.submit
        field = form.query_one("#f-customer_name")
        field.focus()
        await pilot.pause()
        app.post_message(events.Paste("Andi\x1b[2J\u202eX"))
        await pilot.pause()
        assert field.value == "Andi\ufffd[2J\ufffdX"  # shown harmless, not sent to the terminal
        await pilot.press("enter")
        await pilot.pause()
        said = str(form.query_one("#err-customer_name").render())
        assert said.startswith("Nama pelanggan") and "karakter kendali" in said, said
        assert app.screen is form and submitted == []
    with Store(settings.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0

"""Keys that arrive together (a fast typist, a terminal handing over a burst): Tab moves
the focus before the keys after it are typed, so a PIN never lands in the name field."""

from __future__ import annotations

from textual import events

from kiosk import accounts
from kiosk.store import Store
from screens.counter_app import CounterApp, CounterScreen
from screens.login import LoginScreen


def two_officers(settings, clock) -> None:
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="budi", name="Budi Santoso", role="petugas", pin="284751")


def burst(app, keys: list[str]) -> None:
    """Post the keys the way the driver does, without waiting between them."""
    for key in keys:
        char = key if len(key) == 1 else None
        app.post_message(events.Key(key, char))


async def test_tab_then_pin_typed_in_one_burst_goes_to_the_pin(settings, clock):
    two_officers(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LoginScreen)
        burst(app, [*"budi", "tab", *"284751"])
        await pilot.pause()
        assert screen.query_one("#username").value == "budi"
        assert screen.query_one("#pin").value == "284751"
        burst(app, ["shift+tab", *"budi"])  # back to the name (selected as it takes focus)
        await pilot.pause()
        assert screen.query_one("#username").value == "budi"
        assert screen.query_one("#pin").value == "284751"
        burst(app, ["tab", "enter"])
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen) and app.user.username == "budi"


async def test_the_kiosk_form_takes_a_burst_across_tab(settings, clock):
    from screens.guestbook import GuestFormScreen
    from screens.kiosk_app import KioskApp
    from tests.screens.helpers import click

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await click(pilot, "#svc-penjualan")
        await click(pilot, "#new")
        screen = app.screen
        assert isinstance(screen, GuestFormScreen), type(screen)
        screen.query_one("#id_number").focus()
        await pilot.pause()
        burst(app, [*"3273014101900001", "tab", *"siti@example.com"])
        await pilot.pause()
        assert screen.query_one("#id_number").value == "3273014101900001"
        assert screen.query_one("#email").value == "siti@example.com"


async def test_backspaces_then_retyped_digits_in_one_burst_keep_the_digits(settings, clock):
    """An officer deletes the last digits of a PIN and types them again, quickly."""
    two_officers(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        burst(app, [*"budi", "tab", *"284999", "backspace", "backspace", "backspace", *"751"])
        await pilot.pause()
        assert screen.query_one("#username").value == "budi"
        assert screen.query_one("#pin").value == "284751"
        burst(app, ["shift+tab", "end", "left", "left", "delete", *"X", "home", "delete", *"B"])
        await pilot.pause()
        assert screen.query_one("#username").value == "BuXi"

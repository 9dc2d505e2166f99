"""Driving the kiosk's guestbook the way a visitor does."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select

from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store
from screens.kiosk_app import KioskApp, TicketScreen

GUEST = {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001",
         "email": "siti@example.com", "phone": "0812 3456 7890", "segment": "akademisi",
         "education": "s1", "gender": "p", "purpose": "skripsi"}


async def click(pilot, selector: str) -> None:
    """Scroll the target into view (a visitor scrolls too) and click it; a button pressed a
    moment ago is waited for first, as Textual ignores a click during its 0.2 s press effect
    (a person's second click comes later than a test's)."""
    target = pilot.app.screen.query_one(selector)
    target.scroll_visible(animate=False, immediate=True)
    await pilot.pause()
    for _ in range(100):
        if not target.has_class("-active"):
            break
        await pilot.pause(0.05)
    await pilot.click(selector)
    await pilot.pause()


async def printed(pilot, capture, count: int, tries: int = 400) -> list[bytes]:
    """The capture printer's jobs once it has ``count`` (or after ``tries`` pauses): waits
    on the app's loop, never blocking it, as the print may need the loop to go on."""
    for _ in range(tries):
        if len(capture.jobs) >= count:
            break
        await pilot.pause(0.05)
    return capture.jobs


async def fill_form(pilot, values: dict[str, object]) -> None:
    screen = pilot.app.screen
    for field, value in values.items():
        widget = screen.query_one(f"#{field}")
        if isinstance(widget, (Input, Select)):
            widget.value = value
        elif isinstance(widget, Checkbox):
            widget.value = bool(value)
    await pilot.pause()


async def new_visitor_ticket(pilot, service: str = "penjualan", guest: dict | None = None) -> TicketScreen:
    """Service -> New visitor -> form -> consent -> the ticket screen."""
    app: KioskApp = pilot.app
    await click(pilot, f"#svc-{service}")
    await click(pilot, "#new")
    await fill_form(pilot, guest or GUEST)
    await click(pilot, "#next")
    await click(pilot, "#agree")
    assert isinstance(app.screen, TicketScreen), type(app.screen)
    return app.screen


def registered_guest(settings, clock, service: str = "A", purpose: str = "tugas", **changes):
    """GUEST (with ``changes``) signed in at the kiosk for ``service``: the visit's ticket."""
    with Store(settings.db_path, clock=clock) as store:
        return register_visit(store, settings, service=service, purpose=purpose, consent=True,
                              guest=validate_guest({**GUEST, **changes})).issued.ticket


def returning_guest(settings, clock, service: str = "A", purpose: str = "tugas", **changes):
    """GUEST (with ``changes``) who came the working day before: a returning visitor today,
    holding no ticket of today's (the kiosk shows a waiting visitor their number instead)."""
    clock.advance(days=-1)
    try:
        return registered_guest(settings, clock, service, purpose, **changes)
    finally:
        clock.advance(days=1)


def shown(app) -> str:
    """The terminal as the user sees it: the composed lines of the current screen (with the
    screens under a dialog), cropped to the window."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def login(pilot, username: str, pin: str) -> None:
    """An officer types name and PIN at the counter's login screen and presses Enter."""
    from screens.login import LoginScreen

    screen = pilot.app.screen
    assert isinstance(screen, LoginScreen), type(screen)
    screen.query_one("#username").value = username
    screen.query_one("#pin").value = pin
    screen.query_one("#pin").focus()
    await pilot.press("enter")
    await pilot.pause()


async def keys(pilot, *pressed: str) -> None:
    """Each key pressed as an officer would, the screen settling after each (a key that opens
    a screen is followed by the next on that screen)."""
    for key in pressed:
        await pilot.press(key)
        await pilot.pause()

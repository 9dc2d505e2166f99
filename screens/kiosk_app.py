"""The visitor kiosk: choose a service, take a ticket, see it big, go back when idle.

Visitors cannot quit it: Ctrl+C and Ctrl+Q do nothing, the command palette is off. Staff
leave with F10 and the staff exit code from the configuration (DESIGN.md, README). With a
keyboard: service letters, P priority, L language, K the suggestion box on the start screen; Tab between fields
and buttons; Esc one step back on every visitor screen.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Grid, Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, Digits, Input, Label, Static

from kiosk import accounts, notices
from kiosk.estimate import describe
from kiosk.services import all_services
from kiosk.tickets import IssuedTicket
from screens.base import PRINTER_TROUBLE, PstApp, TickBox, friendly_error

if TYPE_CHECKING:  # the printing code loads when a ticket prints, after the start screen
    from kiosk import printing

# What counts as a visitor still being there: a key, a tap, or scrolling (a long form).
ACTIVITY = (events.Key, events.MouseDown, events.MouseScrollDown, events.MouseScrollUp,
            events.MouseScrollLeft, events.MouseScrollRight)


NOTICE_SECONDS = 10.0  # how often the kiosk looks for notices due again after a failure

class FlowScroll(VerticalScroll, can_focus=False):
    """A scrolling column that never takes focus itself: Tab and Shift+Tab go between the
    fields and buttons only, and the arrows and PgUp/PgDn still scroll it from them."""


class LocalizedScreen(Screen[None]):
    """A screen that rebuilds itself when the language changes; Esc goes one step back."""

    BINDINGS = [Binding("escape", "back", show=False)]

    idle_seconds: ClassVar[int | None] = None  # None: use the kiosk's idle setting
    _lang_shown = ""

    def action_back(self) -> None:
        """One step back in the visitor's flow (the start screen stays: nothing to quit)."""
        self.dismiss()

    def leave_asking(self, started: bool, leave: Callable[[], object] | None = None) -> None:
        """Leave (``leave``, else one step back), but first ask when the visitor has started
        something that would be lost (a form, a survey, a suggestion); idle time still
        clears it without asking."""
        go = leave or self.dismiss
        if not started:
            go()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                go()

        app = self.pst
        app.push_screen(AskScreen(app.t("firstday.discard_form"), yes=app.t("firstday.discard_yes"),
                                  no=app.t("firstday.discard_no")), answered)

    @property
    def pst(self) -> KioskApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        self._lang_shown = self.pst.lang

    def on_screen_resume(self) -> None:
        if self._lang_shown and self._lang_shown != self.pst.lang:
            self._lang_shown = self.pst.lang
            self.refresh(recompose=True)


class HomeScreen(LocalizedScreen):
    """Big buttons, one per service; a priority option; the language switch.

    Nothing has focus when it is shown (at start, back from a visit, after idle time or a
    language switch): an Enter or Space left over from the last screen, or from the last
    visitor, would otherwise tick priority or start a visit. Letters, P, L and Tab work
    from there; a tap focuses what it taps."""

    AUTO_FOCUS = ""

    def compose(self) -> ComposeResult:
        app = self.pst
        with Vertical(id="home"):
            yield Static(app.settings.office.name, id="office")
            yield Static(app.t("kiosk.welcome"), id="welcome")
            yield Static(app.t("kiosk.choose"), id="choose")
            with Grid(id="services"):
                for service in all_services():
                    yield Button(f"{service.letter}   {service.name(app.lang)}",
                                 id=f"svc-{service.code}", classes="service")
            with Horizontal(id="options"):
                yield TickBox(app.t("kiosk.priority"), id="priority")
                yield Button(app.t("kiosk.switch_language"), id="lang", classes="lang")
                yield Button(app.t("rating.button"), id="rate", classes="lang")
            with Horizontal(id="box-row"):  # a row of its own: four in one do not fit 100 columns
                yield Button(app.t("desk.box_button"), id="suggest", classes="lang")
            yield Static(app.t("kiosk.keys_hint"), id="hint")
            yield Static("", id="printer-warning")
        yield Static(app.sync_text(), classes="sync-bar")

    def on_mount(self) -> None:
        super().on_mount()
        self.show_printers()

    def show_printers(self) -> None:
        """A warning about the kiosk's own printer only (the counters' are the officers')."""
        app = self.pst
        state = app.printer_states.get(app.settings.destination("kiosk"))
        warning = self.query_one("#printer-warning", Static)
        trouble = state in PRINTER_TROUBLE
        warning.update(app.t("printing.kiosk_warning", state=app.t(f"printing.state.{state}")) if trouble else "")
        warning.display = trouble

    @on(Button.Pressed, ".service")
    def _service_pressed(self, event: Button.Pressed) -> None:
        self.take(event.button.id.removeprefix("svc-"))

    def on_screen_resume(self) -> None:
        self.set_focus(None)  # before a rebuild: a focused widget removed hands focus on
        super().on_screen_resume()

    @on(Button.Pressed, "#rate")
    def _rate(self) -> None:
        from screens.rating import RatingStartScreen

        if self._on_top():
            self.pst.push_screen(RatingStartScreen())

    @on(Button.Pressed, "#suggest")
    def _suggest(self) -> None:
        from screens.suggestion_box import SuggestionScreen

        if self._on_top():
            self.pst.push_screen(SuggestionScreen())

    def action_back(self) -> None:
        """Esc on the start screen does nothing: visitors cannot leave the kiosk."""

    @on(Button.Pressed, "#lang")
    def _switch_language(self) -> None:
        self.pst.lang = "en" if self.pst.lang == "id" else "id"
        self._lang_shown = self.pst.lang
        self.set_focus(None)  # the focused button goes with the rebuild: no neighbour inherits it
        self.refresh(recompose=True)
        self.call_after_refresh(self.show_printers)

    def _on_top(self) -> bool:
        """Whether this screen is the one the visitor sees. Keys typed quickly (a double
        press, a burst) reach it after the first opened a screen over it: they must not open
        one screen each, or Esc lands on a leftover instead of here."""
        return self.pst.screen is self

    def on_key(self, event: events.Key) -> None:
        if isinstance(self.focused, Input):
            return
        if not self._on_top():
            event.stop()
            return
        letter = (event.character or "").upper()
        for service in all_services():
            if letter == service.letter:
                event.stop()
                self.take(service.code)
                return
        if letter == "P":
            event.stop()
            box = self.query_one("#priority", Checkbox)
            box.value = not box.value
        elif letter == "L":
            event.stop()
            self._switch_language()
        elif letter == "R":
            event.stop()
            self._rate()
        elif letter == "K":
            event.stop()
            self._suggest()

    def take(self, code: str) -> None:
        """Every visit starts at the guestbook (seeds 000, 004); the ticket comes after it."""
        from screens.guestbook import IdentifyScreen

        if not self._on_top():
            return
        priority = self.query_one("#priority", Checkbox).value
        self.query_one("#priority", Checkbox).value = False
        self.pst.push_screen(IdentifyScreen(code, priority))


class TicketScreen(LocalizedScreen):
    """The ticket, large, with how many are ahead and whether it printed."""

    BINDINGS = [Binding("enter,space", "done", show=False)]

    def __init__(self, issued: IssuedTicket, *, again: bool = False) -> None:
        super().__init__()
        self.issued = issued
        self.again = again  # a ticket taken earlier, shown again: not printed a second time
        self.print_result: printing.PrintResult | None = None

    @property
    def idle_seconds(self) -> int:  # type: ignore[override]
        return self.pst.settings.kiosk.ticket_seconds

    def compose(self) -> ComposeResult:
        app, ticket = self.pst, self.issued.ticket
        service = next(s for s in all_services() if s.code == ticket.service)
        with Vertical(id="ticket"):
            yield Static(app.t("kiosk.your_number"), id="your-number")
            with Center():
                yield Digits(ticket.number, id="number")
            yield Static(service.name(app.lang), id="service")
            if ticket.priority:
                yield Static(app.t("kiosk.priority_ticket"), id="priority-note")
            if ticket.status == "called" and ticket.counter:
                # Shown again after its call (the visitor missed it): where to go, not a wait.
                yield Static(app.t("phone.called", counter=ticket.counter), id="ahead")
            else:
                yield Static(app.t("kiosk.ahead", count=self.issued.ahead), id="ahead")
                yield Static(describe(self.issued.estimate, app.lang, sentence=True), id="estimate")
            yield Static(self._print_text(), id="print-status")
            if notices.offered(app.store, app.settings, ticket.id):
                with Center():
                    yield Button(app.t("notice.offer"), id="notify")
                yield Static(app.t("notice.consent"), id="notify-consent")
            with Center():
                yield Button(app.t("kiosk.done"), id="done", variant="primary")

    def _print_text(self) -> str:
        if self.again:
            return self.pst.t("firstday.shown_again")
        if self.print_result is None:
            return self.pst.t("printer.printing")
        if self.print_result.printed:  # the printer confirmed it
            return self.pst.t("printer.ok")
        if self.print_result.sent:  # delivered where nothing can confirm: "terkirim"
            return self.pst.t("printing.sent")
        return f"{self.print_result.message(self.pst.lang)}. {self.pst.t('kiosk.not_printed')}"

    def on_mount(self) -> None:
        super().on_mount()
        if not self.again:
            self.pst.print_in_background(self.issued.job_id, self._printed)

    def _printed(self, results: list[printing.PrintResult]) -> None:
        from kiosk import printing

        # No result: the job was not ours to print (the spooler holds it) or printing broke.
        result = results[0] if results else printing.PrintResult(
            job_id=self.issued.job_id, printed=False, reason="error")
        self.print_result = result
        if self.is_attached:
            status = self.query_one("#print-status", Static)
            status.update(self._print_text())
            status.set_class(not (result.printed or result.sent), "-problem")

    @on(Button.Pressed, "#notify")
    def ask_notice(self) -> None:
        """The visitor asked to be told when the turn nears: consent recorded with it."""
        from screens.base import friendly_error

        app = self.pst
        try:
            notices.request(app.store, app.settings, self.issued.ticket.id)
        except Exception as exc:  # noqa: BLE001 - told on screen, never a traceback
            self.query_one("#notify-consent", Static).update(friendly_error(app, exc))
            return
        self.query_one("#notify", Button).remove()
        self.query_one("#notify-consent", Static).update(
            app.t("notice.asked", remaining=app.settings.notice.remaining))

    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        self.pst.end_visit()
        self.dismiss()

    def action_back(self) -> None:
        self.action_done()


class AskScreen(ModalScreen[bool]):
    """A visitor's yes/no question, the safe answer focused: Esc answers no."""

    BINDINGS = [Binding("escape", "no", show=False)]

    def __init__(self, question: str, yes: str, no: str) -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="ask"):
            yield Static(self.question, id="ask-question", markup=False)
            with Horizontal():
                yield Button(self.no, id="ask-no", variant="primary")
                yield Button(self.yes, id="ask-yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#ask-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "ask-yes")

    def action_no(self) -> None:
        self.dismiss(False)


class StaffExitScreen(ModalScreen[bool]):
    """Staff leave the kiosk: an admin's username and PIN once accounts exist, before that
    the staff exit code from the configuration (five refused tries shut it for five
    minutes). Every failure reads the same (``accounts.kiosk_exit``): the screen tells a
    stranger nothing about names, PINs or roles. Left open, it closes after the kiosk's
    idle time like any screen."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def compose(self) -> ComposeResult:
        app: KioskApp = self.app  # type: ignore[assignment]
        with Vertical(id="staff-exit"):
            if accounts.enforced(app.store):
                yield Label(app.t("login.staff_title"))
                yield Input(id="username", placeholder=app.t("login.username"))
                yield Input(password=True, id="code", placeholder=app.t("login.pin"))
            else:
                yield Label(app.t("kiosk.staff_exit"))
                yield Input(password=True, id="code", placeholder=app.t("kiosk.staff_code"))
            yield Static("", id="staff-error")
            with Horizontal():
                yield Button(app.t("kiosk.exit"), id="exit", variant="error")
                yield Button(app.t("kiosk.cancel"), id="cancel")

    def on_mount(self) -> None:
        if accounts.enforced(self.app.store):  # type: ignore[attr-defined]
            self.run_worker(accounts.warm_up, thread=True, exit_on_error=False)  # off the UI

    @on(Input.Submitted, "#username")
    def _to_pin(self) -> None:
        self.query_one("#code", Input).focus()

    @on(Input.Submitted, "#code")
    @on(Button.Pressed, "#exit")
    def _try_exit(self) -> None:
        app: KioskApp = self.app  # type: ignore[assignment]
        code = self.query_one("#code", Input)
        named = list(self.query("#username").results(Input))  # only once accounts exist
        username = named[0].value if named else None
        error = self.query_one("#staff-error", Static)
        try:  # a wrong code five times in a row shuts the exit for five minutes (the use case)
            accounts.kiosk_exit(app.store, username=username, secret=code.value,
                                exit_code=app.staff_exit_code)
        except Exception as exc:  # noqa: BLE001 - a message, never a traceback
            code.value = ""
            error.update(friendly_error(app, exc))
            return
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class KioskApp(PstApp, inherit_bindings=False):
    """The self-service terminal for visitors."""

    CSS_PATH = "kiosk.tcss"
    ENABLE_COMMAND_PALETTE = False
    TITLE = "PST Kiosk"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("ctrl+q", "ignore", show=False, priority=True),
        Binding("ctrl+c", "ignore", show=False, priority=True),
        Binding("ctrl+z", "ignore", show=False, priority=True),
        Binding("f10", "staff_exit", show=False, priority=True),
        *PstApp.FOCUS_BINDINGS,
    ]

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.last_activity = time.monotonic()

    @property
    def staff_exit_code(self) -> str:
        """The configured code, or "" (opens nothing) when it is empty or guessable: never
        the office code, which every ticket's QR carries. ``pst-kiosk kiosk`` makes one
        before the app starts when there is none."""
        code = self.settings.kiosk.staff_exit_code
        return code if accounts.exit_code_usable(code, self.settings.office.code) else ""

    def get_default_screen(self) -> Screen[None]:
        # The start screen is the base of the stack: nothing to paint before it.
        return HomeScreen()

    def on_mount(self) -> None:
        super().on_mount()
        self.idle_timer = self.set_interval(1.0, self._check_idle)
        self.watch_printers([self.settings.destination("kiosk")])  # its own printer only
        if self.settings.notice.enabled:  # the retries' back-off is due without a store change
            self.set_interval(NOTICE_SECONDS, self.run_notices)

    def store_changed(self) -> None:
        super().store_changed()
        if self.settings.notice.enabled:  # a call moved the queue: a turn may be near
            self.run_notices()

    @work(thread=True, exclusive=True, group="notices", exit_on_error=False)
    def run_notices(self) -> None:
        """Send the notices that are due, off the UI thread (the gateway may be slow)."""
        with self._worker_store() as store:
            notices.run_due(store, self.settings)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, ACTIVITY):
            self.last_activity = time.monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        if not self.screen_stack:  # a tick that comes as the app closes: nothing to check
            return
        screen = self.screen
        limit = getattr(screen, "idle_seconds", None) or self.settings.kiosk.idle_seconds
        if isinstance(screen, HomeScreen):
            # The last visitor's choices must not carry over to the next: a priority box
            # left ticked would jump a stranger ahead of the queue.
            if time.monotonic() - self.last_activity >= limit:
                # query, not query_one: while the screen recomposes (the language changed
                # back a moment ago) the box is briefly not there, and the timer may fire.
                for box in screen.query("#priority").results(Checkbox):
                    box.value = False
                screen.set_focus(None)  # a box or button the last visitor tapped
                if self.lang != self.settings.kiosk.language:
                    self.lang = self.settings.kiosk.language
                    screen.refresh(recompose=True)
                    screen._lang_shown = self.lang
            return
        if time.monotonic() - self.last_activity >= limit:
            self.end_visit()
            self.go_home()

    def end_visit(self) -> None:
        """The visitor is done (Selesai on the ticket, the thanks, or idle time): the next one
        starts in the office's language, not in the last one's."""
        self.lang = self.settings.kiosk.language

    def go_home(self) -> None:
        while not isinstance(self.screen, HomeScreen) and len(self.screen_stack) > 2:
            self.pop_screen()
        if not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def action_ignore(self) -> None:
        """Visitors cannot quit the kiosk."""

    def action_staff_exit(self) -> None:
        if any(isinstance(screen, StaffExitScreen) for screen in self.screen_stack):
            return  # one exit dialog at a time: F10 again does not stack another

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.exit()

        self.push_screen(StaffExitScreen(), done)

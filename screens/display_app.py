"""The waiting-room board: the last call per counter in large digits (dimmed, with
"selesai", once that ticket is done, until the counter calls again), the latest calls,
waiting counts per service and a clock. Calls from any process show within a second."""

from __future__ import annotations

import threading
from datetime import date

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import Digits, Static

from kiosk.announce import announcement, speak
from kiosk.queue import ACTIVE, Ticket
from kiosk.services import all_services, by_code
from screens.base import PstApp

FLASH_SECONDS = 6


class CounterPanel(Vertical):
    """One counter: its name and the number it called last; ``-ended`` once that ticket is
    no longer at the counter (done, no-show, transferred)."""

    def __init__(self, counter: int, label: str) -> None:
        super().__init__(id=f"counter-{counter}", classes="counter")
        self.counter = counter
        self.label = label

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="counter-label")
        yield Digits("---", classes="counter-number")
        yield Static("", classes="counter-service")

    def show(self, ticket: Ticket | None, caption: str) -> None:
        self.query_one(Digits).update(ticket.number if ticket else "---")
        self.query_one(".counter-service", Static).update(caption)
        self.set_class(ticket is not None and ticket.status not in ACTIVE, "-ended")


class DisplayApp(PstApp):
    """Now serving. Read-only: it never writes to the store."""

    CSS_PATH = "display.tcss"
    ENABLE_COMMAND_PALETTE = False
    TITLE = "PST"
    BINDINGS = [Binding("ctrl+q", "quit", show=False, priority=True)]

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        kwargs.setdefault("spool", False)
        super().__init__(*args, **kwargs)
        self._seen_calls: dict[str, str] = {}  # ticket id -> last_called_at already on the board
        self._voice_lock = threading.Lock()
        self._board_seen = False
        self._day: date | None = None  # the office's date the board shows

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static(self.settings.office.name, id="office")
            yield Digits("00:00", id="clock")
        with Horizontal(id="body"):
            with Grid(id="counters"):
                for n in range(1, self.settings.office.counters + 1):
                    yield CounterPanel(n, self.t("display.counter", counter=n))
            with Vertical(id="side"):
                yield Static(self.t("display.latest"), classes="side-title")
                yield Static("", id="latest")
                yield Static(self.t("display.waiting"), classes="side-title")
                yield Static("", id="waiting")
        yield Static(self.t("display.footer"), id="footer")
        yield Static(self.sync_text(), classes="sync-bar")

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(1.0, self._tick)
        self._tick()
        self.refresh_board()

    def store_changed(self) -> None:
        self.refresh_board()

    def _tick(self) -> None:
        now = self.clock.now().astimezone(self.settings.office.tz)
        self.query_one("#clock", Digits).update(f"{now:%H:%M}")
        if self._day is not None and now.date() != self._day:  # midnight: yesterday's calls go,
            self.refresh_board()  # even when nothing is written to the store overnight
        self._day = now.date()

    def refresh_board(self) -> None:
        calls = self.queue.last_calls(limit=max(8, self.settings.office.counters * 2))
        shown = self.queue.last_by_counter()  # every counter, however long ago it called
        for panel in self.query(CounterPanel):
            ticket = shown.get(panel.counter)
            if ticket is None:
                caption = ""
            elif ticket.status in ACTIVE:
                caption = by_code(ticket.service).name(self.lang)
            else:  # done, no-show or transferred: the last number stays, with what became of it
                caption = self.t(f"status.{ticket.status}")
            panel.show(ticket, caption)
        latest_lines = [
            self.t("display.call_line", number=t.number, counter=t.counter) for t in calls[:6]
            if t.counter]
        self.query_one("#latest", Static).update("\n".join(latest_lines) or "-")
        counts = self.queue.waiting_counts()
        self.query_one("#waiting", Static).update("\n".join(
            f"{s.letter}  {s.name(self.lang)}: {counts.get(s.code, 0)}" for s in all_services()))
        # Every call or recall newer than the board has seen is read aloud, oldest first, so
        # two counters calling within one poll are both announced.
        fresh = [c for c in calls if c.counter and self._seen_calls.get(c.id) != str(c.last_called_at)]
        self._seen_calls = {c.id: str(c.last_called_at) for c in calls}
        if fresh:
            self._flash(fresh[0].counter)
            if self._board_seen:  # not what was on the board at start
                self.announce([(c.number, c.counter) for c in reversed(fresh)])
        self._board_seen = True

    @work(thread=True, group="voice", exit_on_error=False)
    def announce(self, calls: list[tuple[str, int]]) -> None:
        """Read the calls aloud in order, one announcement after the other."""
        with self._voice_lock:
            for number, counter in calls:
                speak(self.settings.display, announcement(number, counter, self.settings.display.voice_text))

    def _flash(self, counter: int) -> None:
        for panel in self.query(CounterPanel):
            panel.set_class(panel.counter == counter, "-latest")
        found = self.query(f"#counter-{counter}")
        if not found:  # a counter added to the configuration after the board started
            return
        panel = found.first(CounterPanel)
        panel.add_class("-flash")
        self.set_timer(FLASH_SECONDS, lambda: panel.remove_class("-flash"))

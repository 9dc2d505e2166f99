"""The waiting-room board: the last call per counter in large digits (dimmed, with
"selesai", once that ticket is done, until the counter calls again), the latest calls,
waiting counts per service and a clock. Calls from any process show within a second."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import date

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Digits, Static

from kiosk.announce import Announcer, announcement, silent_for_want_of
from kiosk.estimate import Estimate, estimates_new
from kiosk.queue import ACTIVE, Ticket
from kiosk.services import Service, all_services, by_code
from screens.base import PstApp, fit_name
from screens.bignumber import BIG_ROWS, BigNumber

FLASH_SECONDS = 6
ESTIMATE_SECONDS = 60.0  # how often the estimates are read again without a store change
LATEST_ROWS = 6  # the latest calls listed in the side column, where the height allows


# The board's geometry (cells). A panel holds the number (BigNumber: as tall as the panel
# allows, at least Digits' 3 rows; "B-001" is 15
# cells wide) inside its border; the label "LOKET n" and the caption need a row each more,
# or go into the border's title and subtitle when the rows are short ("compact").
PANEL_MIN_WIDTH = 15 + 2
FULL_HEIGHT = 1 + 3 + 1 + 2
COMPACT_HEIGHT = 3 + 2
SIDE_WIDTH = 30  # the side column's least width while the counters have room
SIDE_MAX = 34  # and its most: a wide screen gives the rest to the numbers
NUMBER_WIDTH_PER_ROW = 9  # "B-001" drawn by BigNumber n rows tall takes about 9 n cells
SIDE_NARROW = 24  # "B-001  →  Counter 10" (20) + padding and border: the side at its least
SIDE_GUTTER = 3  # the side's padding and left border


@dataclass(frozen=True)
class BoardLayout:
    """How the board uses the space below the top bar: the side column's width, the grid's
    columns, whether the panels are compact, and how tight the grid's rows sit (0: padding
    and a gutter, 1: no padding above and below, 2: no gutter between rows either)."""

    side: int
    columns: int
    compact: bool
    tight: int
    panel_width: int


def _rows(counters: int, columns: int) -> int:
    return -(-counters // columns)


def plan_board(counters: int, width: int, height: int) -> BoardLayout:
    """The layout that shows every counter's number whole in ``width`` x ``height`` cells:
    labels inside the panels and the wider side column while they fit, then compact panels,
    tighter rows, a narrower side column; at least two columns when they fit, unless another
    grid draws the numbers clearly larger (a wide screen with rows to spare)."""
    counters = max(counters, 1)

    def panel_width(side: int, columns: int) -> int:
        return (width - side - 2 - (columns - 1)) // columns  # the grid's padding, its gutters

    for side in dict.fromkeys((max(SIDE_WIDTH, min(width // 4, SIDE_MAX)), SIDE_NARROW)):
        for compact in (False, True):
            panel_height = COMPACT_HEIGHT if compact else FULL_HEIGHT
            for tight in (0, 1, 2):
                pad, gutter = (1 if tight == 0 else 0), (0 if tight == 2 else 1)
                fitting = [
                    columns for columns in dict.fromkeys([*range(min(2, counters), counters + 1), 1])
                    if panel_width(side, columns) >= PANEL_MIN_WIDTH
                    and _rows(counters, columns) * panel_height + (_rows(counters, columns) - 1) * gutter
                    + 2 * pad <= height]
                if fitting:
                    # Where there is room to spare (a TV), the grid whose numbers draw largest.
                    def number_rows(columns: int) -> float:
                        rows = _rows(counters, columns)
                        tall = (height - 2 * pad - (rows - 1) * gutter) // rows - (FULL_HEIGHT - 3)
                        return min(tall, panel_width(side, columns) / NUMBER_WIDTH_PER_ROW)

                    best = max(fitting, key=lambda c: (number_rows(c) >= BIG_ROWS, number_rows(c)))
                    columns = best if number_rows(best) > number_rows(fitting[0]) + 1 else fitting[0]
                    return BoardLayout(side, columns, compact, tight, panel_width(side, columns))
    # More counters than the screen holds: as many columns as are wide enough, the rows clip.
    columns = max([c for c in range(1, counters + 1) if panel_width(SIDE_NARROW, c) >= PANEL_MIN_WIDTH]
                  or [1])
    return BoardLayout(SIDE_NARROW, columns, True, 2, max(panel_width(SIDE_NARROW, columns), 1))


class CounterPanel(Vertical):
    """One counter: its name and the number it called last; ``-ended`` once that ticket is
    no longer at the counter (done, no-show, transferred). The caption is the service's name
    that fits the panel, or what became of the ticket."""

    def __init__(self, counter: int, label: str) -> None:
        super().__init__(id=f"counter-{counter}", classes="counter")
        self.counter = counter
        self.label = label
        self.caption: Service | str = ""
        self.compact = False
        self.width_hint = 0  # the planned width, until the layout gives the real one
        self._inside = ""  # the caption shown under the number

    def compose(self) -> ComposeResult:
        yield Static(self.label, classes="counter-label")
        yield BigNumber("---", classes="counter-number")
        yield Static("", classes="counter-service")

    def show(self, ticket: Ticket | None, caption: Service | str) -> None:
        self.query_one(BigNumber).update(ticket.number if ticket else "---")
        self.caption = caption
        self._fit_caption()
        self.set_class(ticket is not None and ticket.status not in ACTIVE, "-ended")

    def set_compact(self, compact: bool, width_hint: int) -> None:
        """Label and caption inside (full) or in the border (compact)."""
        self.compact, self.width_hint = compact, width_hint
        self.border_title = self.label if compact else None
        self._fit_caption()

    def on_resize(self) -> None:
        self._fit_caption()

    def _fit_caption(self) -> None:
        # Inside: the border's two cells; the subtitle leaves its corners and a space each side.
        room = (self.outer_size.width or self.width_hint) - (6 if self.compact else 2)
        text = self.caption
        if isinstance(text, Service):  # not one word fits: the short name, cut with an ellipsis
            text = fit_name(text, self.app.lang, room) or text.short_name(self.app.lang)
        caption = self.query_one(".counter-service", Static)
        inside = "" if self.compact else text
        if inside != self._inside:  # an unchanged caption costs no layout
            self._inside = inside
            caption.update(inside)
        self.border_subtitle = (text or None) if self.compact else None


class Board(Horizontal):
    """The counters' grid beside the side column, arranged again whenever its size changes."""

    def on_resize(self, event: events.Resize) -> None:
        self.app.arrange_board(event.size.width, event.size.height)


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
        self.announcer = Announcer(self.settings.display)
        self._board_seen = False
        self._day: date | None = None  # the office's date the board shows
        self._layout: BoardLayout | None = None
        self._waiting_counts: dict[str, int] = {}
        self._estimates: dict[str, Estimate | None] | None = None  # None: not read yet
        self._latest_rows = LATEST_ROWS

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static(self.settings.office.name, id="office")
            yield Digits("00:00", id="clock")
        with Board(id="body"):
            with Grid(id="counters"):
                for n in range(1, self.settings.office.counters + 1):
                    yield CounterPanel(n, self.t("display.counter", counter=n))
            with Vertical(id="side"):
                yield Static(self.t("display.latest"), classes="side-title")
                yield Static("", id="latest")
                yield Static(self.t("display.waiting"), classes="side-title")
                yield Static("", id="waiting")
        yield Static(self.footer_text(), id="footer")
        yield Static(self.sync_text(), classes="sync-bar")

    def footer_text(self) -> str:
        """The waiting room's line; below it, for whoever looks after the room, that the
        calls are not spoken when voice is on but its program is not installed."""
        missing = silent_for_want_of(self.settings.display)
        text = self.t("display.footer")
        return text if missing is None else f"{text}\n{self.t('displayvoice.missing', program=missing)}"

    def on_mount(self) -> None:
        super().on_mount()
        # Before the first layout, plan for the body the screen will leave (its size is known
        # but for the footer's wrapped lines): the first paint is then already arranged, and
        # the Resize that follows changes nothing.
        width, height = self.size
        footer = len(Content(self.footer_text()).wrap(max(width, 1)))
        self.arrange_board(width, height - 3 - footer - 1)  # the top bar, footer, sync bar
        self.set_interval(1.0, self._tick)
        self.set_interval(ESTIMATE_SECONDS, self._refresh_estimates)
        self._tick()
        self.refresh_board()

    def arrange_board(self, width: int, height: int) -> None:
        """Fit the counters' grid and the side column to the body's ``width`` x ``height``."""
        layout = plan_board(self.settings.office.counters, width, height)
        # The side column: its padding (2), two titles with their margins (4), two lines per
        # service (the count, the estimate); the latest calls take what is left, up to 6.
        latest_rows = max(1, min(LATEST_ROWS, height - 6 - 2 * len(all_services())))
        if latest_rows != self._latest_rows:
            self._latest_rows = latest_rows
            if self._layout is not None:
                self.refresh_board()
        if layout == self._layout:
            return
        self._layout = layout
        grid = self.query_one("#counters", Grid)
        grid.styles.grid_size_columns = layout.columns
        grid.set_class(layout.compact, "-compact")
        grid.set_class(layout.tight >= 1, "-tight")
        grid.set_class(layout.tight >= 2, "-tighter")
        self.query_one("#side").styles.width = layout.side
        for panel in self.query(CounterPanel):
            panel.set_compact(layout.compact, layout.panel_width)
        self._show_waiting()

    def _show_waiting(self) -> None:
        # One line per service, its count always beside its name: the name that fits.
        room = (self._layout.side if self._layout else SIDE_WIDTH) - SIDE_GUTTER
        lines = []
        for s in all_services():
            head, tail = f"{s.letter}  ", f": {self._waiting_counts.get(s.code, 0)}"
            name = fit_name(s, self.lang, room - len(head) - len(tail))
            lines.append(f"{head}{name}{tail}" if name else f"{s.letter}{tail}")
            # What a visitor taking a ticket of that service now would be told (a blank line
            # until the first reading, just after the first paint: never "no estimate" unread).
            if self._estimates is None:
                lines.append("")
                continue
            estimate = self._estimates.get(s.code)
            lines.append(" " * len(head) + (self.t("estimate.short", low=estimate.low, high=estimate.high)
                                           if estimate else self.t("estimate.short_unknown")))
        self.query_one("#waiting", Static).update("\n".join(lines))

    def store_changed(self) -> None:
        if not self.screen_stack:  # a poll that comes as the app closes
            return
        with suppress(NoMatches):  # the board's widgets already going with the app
            self.refresh_board()

    def _tick(self) -> None:
        now = self.clock.now().astimezone(self.settings.office.tz)
        try:
            clock = self.query_one("#clock", Digits)
        except NoMatches:  # the app is closing: its screen is already gone
            return
        clock.update(f"{now:%H:%M}")
        if self._day is not None and now.date() != self._day:  # midnight: yesterday's calls go,
            self.refresh_board()  # even when nothing is written to the store overnight
        self._day = now.date()

    def _refresh_estimates(self) -> None:
        """The estimates age with time too (a counter silent too long is no longer open)."""
        estimates = estimates_new(self.queue, [s.code for s in all_services()])
        if estimates != self._estimates:
            self._estimates = estimates
            self._show_waiting()

    def refresh_board(self) -> None:
        calls = self.queue.last_calls(limit=max(8, self.settings.office.counters * 2))
        shown = self.queue.last_by_counter()  # every counter, however long ago it called
        for panel in self.query(CounterPanel):
            ticket = shown.get(panel.counter)
            caption: Service | str
            if ticket is None:
                caption = ""
                panel.remove_class("-latest")  # nothing called today (a new day): not the newest
            elif ticket.status in ACTIVE:
                caption = by_code(ticket.service)
            else:  # done, no-show or transferred: the last number stays, with what became of it
                caption = self.t(f"status.{ticket.status}")
            panel.show(ticket, caption)
        latest_lines = [
            self.t("display.call_line", number=t.number, counter=t.counter) for t in calls
            if t.counter][:self._latest_rows]
        self.query_one("#latest", Static).update("\n".join(latest_lines) or "-")
        self._waiting_counts = self.queue.waiting_counts()
        if self._board_seen:
            self._estimates = estimates_new(self.queue, [s.code for s in all_services()])
        else:  # a fortnight of calls to read (~10 ms): after the board's first paint (issue 17)
            self.after_paint(self._refresh_estimates)
        self._show_waiting()
        # Every call or recall newer than the board has seen is read aloud, oldest first, so
        # two counters calling within one poll are both announced.
        fresh = [c for c in calls if c.counter and self._seen_calls.get(c.id) != str(c.last_called_at)]
        self._seen_calls = {c.id: str(c.last_called_at) for c in calls}
        if fresh:
            self._flash(fresh[0].counter)
            if self._board_seen:  # not what was on the board at start
                self.announce([(c.number, c.counter) for c in reversed(fresh)])
        self._board_seen = True

    def announce(self, calls: list[tuple[str, int]]) -> None:
        """Read the calls aloud in order, each after the one before has ended (chime first)."""
        for number, counter in calls:
            self.announcer.say(announcement(number, counter, self.settings.display.voice_text))

    def on_unmount(self) -> None:
        self.announcer.close()
        super().on_unmount()

    def _flash(self, counter: int) -> None:
        for panel in self.query(CounterPanel):
            panel.set_class(panel.counter == counter, "-latest")
        found = self.query(f"#counter-{counter}")
        if not found:  # a counter added to the configuration after the board started
            return
        panel = found.first(CounterPanel)
        panel.add_class("-flash")
        self.set_timer(FLASH_SECONDS, lambda: panel.remove_class("-flash"))

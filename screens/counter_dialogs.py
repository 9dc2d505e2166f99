"""The counter's smaller screens: choosing the counter, calling a number, choosing a
service to transfer to, the service filter, and a yes/no question."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.segment import Segment
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.strip import Strip
from textual.widgets import Button, Checkbox, Footer, Header, Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option, OptionDoesNotExist

from kiosk.errors import FieldInvalid, Invalid
from kiosk.services import all_services
from kiosk.text import whole_number
from screens.base import TitleHeader

if TYPE_CHECKING:
    from screens.counter_app import CounterApp


class CounterPickScreen(Screen[int]):
    """First screen: which counter is this?"""

    def compose(self) -> ComposeResult:
        app: CounterApp = self.app  # type: ignore[assignment]
        yield TitleHeader()
        with Vertical(id="pick"):
            yield Static(app.t("counter.pick"), id="pick-title")
            with Grid(id="pick-grid"):
                for n in range(1, app.settings.office.counters + 1):
                    yield Button(app.t("counter.counter_n", counter=n), id=f"counter-{n}")
            yield Input(placeholder=app.t("counter.pick_input"), id="pick-input", type="integer")
            yield Static("", id="pick-error")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#pick-input", Input).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(int(event.button.id.removeprefix("counter-")))

    @on(Input.Submitted, "#pick-input")
    def _typed(self, event: Input.Submitted) -> None:
        app: CounterApp = self.app  # type: ignore[assignment]
        try:  # ASCII digits only: '३' or '１' is not counter 3 or 1 (kiosk.text)
            number = whole_number(event.value, "text.field.counter")
        except FieldInvalid as exc:
            self.query_one("#pick-error", Static).update(Invalid({"counter": exc}).field_messages(app.lang)["counter"])
            return
        if 1 <= number <= app.settings.office.counters:
            self.dismiss(number)
        else:
            self.query_one("#pick-error", Static).update(
                app.t("error.bad_counter", max=app.settings.office.counters))


class CallNumberScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def compose(self) -> ComposeResult:
        app: CounterApp = self.app  # type: ignore[assignment]
        with Vertical(classes="dialog"):
            yield Label(app.t("counter.call_number"))
            yield Input(placeholder="B-007", id="number")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChooseServiceScreen(ModalScreen[str | None]):
    """Pick the service to transfer to."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, title: str, exclude: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.exclude = exclude

    def compose(self) -> ComposeResult:
        app: CounterApp = self.app  # type: ignore[assignment]
        with Vertical(classes="dialog"):
            yield Label(self.title_text)
            yield OptionList(*[
                Option(f"{s.letter}  {s.name(app.lang)}", id=s.code)
                for s in all_services() if s.code != self.exclude], id="services")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TickList(SelectionList[str]):
    """A selection list that shows what is chosen by shape, as ``base.TickBox``: ``▐✓▌``
    chosen, ``▐ ▌`` not (Textual draws ``▐X▌`` for both, told apart by colour alone)."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 3 or segments[1].text != Checkbox.BUTTON_INNER:  # Textual's one mark
            return strip
        try:
            selection = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return strip
        segments[1] = Segment("✓" if selection.value in self.selected else " ", segments[1].style)
        return Strip(segments, strip.cell_length)


class FilterScreen(ModalScreen[list[str] | None]):
    """Choose which services this counter calls from (none chosen = all)."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, chosen: list[str]) -> None:
        super().__init__()
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        app: CounterApp = self.app  # type: ignore[assignment]
        with Vertical(classes="dialog"):
            yield Label(app.t("counter.filter_title"))
            yield TickList(*[
                (f"{s.letter}  {s.name(app.lang)}", s.code, s.code in self.chosen)
                for s in all_services()], id="filter")
            yield Button(app.t("counter.ok"), id="ok", variant="primary")

    @on(Button.Pressed, "#ok")
    def _ok(self) -> None:
        self.dismiss(list(self.query_one("#filter", SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)


class YesNoScreen(ModalScreen[bool]):
    """A yes/no question: Enter or Y says yes, Esc or N says no (the buttons too)."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", show=False),
        Binding("n,escape", "answer(False)", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        app: CounterApp = self.app  # type: ignore[assignment]
        with Vertical(classes="dialog confirm"):
            yield Static(self.question, id="question", markup=False)  # wraps; a Label would be cut
            yield Static(app.t("counter.confirm_keys"), classes="confirm-keys")
            with Horizontal(classes="confirm-buttons"):
                yield Button(app.t("counter.confirm_yes"), id="yes", variant="warning")
                yield Button(app.t("counter.confirm_no"), id="no")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

"""The desk registers' day lists at the counter (the day's visits and their records, the
complaints register): a title, a table whose rows open one entry, a line when it is empty,
re-read on store changes with the cursor kept. Each list says what it shows in ``rows``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from kiosk.errors import DomainError
from screens.base import LogoutKey, TitleHeader

if TYPE_CHECKING:
    from screens.counter_app import CounterApp


class DeskListScreen(LogoutKey, Screen[None]):
    CSS_PATH = "desk.tcss"
    NAME: ClassVar[str]  # the table's id; its title and empty line are desk.<NAME>_title/_empty
    COLUMNS: ClassVar[tuple[str, ...]]  # catalogue keys under desk.
    LEAVE_WHEN_REFUSED: ClassVar[bool] = False  # a list the user may not read closes

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield TitleHeader()
        yield Static(self.pst.t(f"desk.{self.NAME}_title"), id=f"{self.NAME}-title", classes="title")
        yield DataTable(id=self.NAME, cursor_type="row", zebra_stripes=True)
        yield Static("", id=f"{self.NAME}-empty")
        yield Footer()

    def on_mount(self) -> None:
        app = self.pst
        app.localize_bindings(self)
        table = self.query_one(f"#{self.NAME}", DataTable)
        for key in self.COLUMNS:
            table.add_column(app.t(f"desk.{key}"), key=key)
        self.refresh_data()
        table.focus()

    def rows(self) -> list[tuple[list[Any], str]]:
        """The table's rows now: (cells, row key); a DomainError says the user may not."""
        raise NotImplementedError

    def refresh_data(self) -> None:
        app = self.pst
        try:
            found = self.rows()
        except DomainError as exc:
            self.notify(exc.message(app.lang), severity="warning")
            if self.LEAVE_WHEN_REFUSED:
                self.dismiss()
            return
        table = self.query_one(f"#{self.NAME}", DataTable)
        keep = table.cursor_row
        table.clear()
        for cells, key in found:
            table.add_row(*cells, key=key)
        if found:
            table.move_cursor(row=min(keep, len(found) - 1))
        self.query_one(f"#{self.NAME}-empty", Static).update("" if found else app.t(f"desk.{self.NAME}_empty"))

    def action_back(self) -> None:
        self.dismiss()

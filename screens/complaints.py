"""The complaints and suggestions register at the counter: the open ones, overdue first
(A on the counter); N records one from another channel; Enter opens one to respond
(follow-up or answer) or, for an admin, to close it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Select, Static, TextArea

from kiosk.desk import complaints
from kiosk.errors import DomainError, Invalid
from screens.base import friendly_error
from screens.desk_list import DeskListScreen
from screens.forms import DialogScroll

if TYPE_CHECKING:
    from screens.counter_app import CounterApp


def _first_line(text: str, width: int = 60) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= width else line[: width - 1] + "…"


class ComplaintsScreen(DeskListScreen):
    """The register, overdue first: Enter opens one, N records a new one, W shows closed ones too."""

    NAME = "complaints"
    COLUMNS = ("col_number", "col_due", "col_status", "col_kind", "col_channel", "col_text")
    LEAVE_WHEN_REFUSED = True
    BINDINGS = [
        Binding("n", "new", "Baru", id="desk.key.new"),
        Binding("w", "toggle_closed", "Ditutup", id="desk.key.closed"),
        Binding("escape", "back", "Kembali", id="desk.key.back"),
        Binding("ctrl+l", "logout", "Keluar akun", id="counter.key.logout", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.include_closed = False

    def rows(self) -> list[tuple[list[Any], str]]:
        app = self.pst
        today = app.queue.today()
        found = []
        for c in complaints.listing(app.store, app.settings, app.user, include_closed=self.include_closed):
            late = c.overdue(today)
            due = f"{c.due_date:%d-%m-%Y}" + (f" {app.t('desk.overdue_mark')}" if late else "")
            style = "bold reverse" if late else ""
            found.append(([Text(c.number.split("/", 2)[-1], style=style), Text(due, style=style),
                           app.t(f"desk.status.{c.status}"), app.t(f"desk.kind.{c.kind}"),
                           app.t(f"desk.channel.{c.channel}"), Text(_first_line(c.text))], c.id))
        return found

    @on(DataTable.RowSelected, "#complaints")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ComplaintScreen(event.row_key.value), lambda _: self.refresh_data())

    def action_new(self) -> None:
        self.app.push_screen(ComplaintFormScreen(), lambda _: self.refresh_data())

    def action_toggle_closed(self) -> None:
        self.include_closed = not self.include_closed
        self.refresh_data()


class ComplaintFormScreen(ModalScreen[bool]):
    """An officer records a complaint or suggestion that came by another channel."""

    CSS_PATH = "desk.tcss"
    BINDINGS = [Binding("escape", "cancel", show=False), Binding("ctrl+s", "save", show=False)]

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.pst
        with DialogScroll(classes="dialog record-dialog"):
            with Vertical(classes="dialog-body"):
                yield Static(app.t("desk.new_complaint"), classes="title", markup=False)
                yield Label(app.t("desk.channel_label"))
                yield Select([(app.t(f"desk.channel.{c}"), c) for c in complaints.CHANNELS if c != "kiosk"],
                             id="f-channel", value="box", allow_blank=False)
                yield Static("", id="err-channel", classes="field-error")
                yield Label(app.t("desk.kind_label"))
                yield Select([(app.t(f"desk.kind.{k}"), k) for k in complaints.KINDS], id="f-kind",
                             value="complaint", allow_blank=False)
                yield Static("", id="err-kind", classes="field-error")
                yield Label(app.t("desk.text"))
                yield TextArea(id="f-text", classes="complaint-text", show_line_numbers=False)
                yield Static("", id="err-text", classes="field-error")
                yield Label(app.t("desk.contact"))
                yield Input(id="f-contact", max_length=complaints.CONTACT_MAX)
                yield Static("", id="err-contact", classes="field-error")
                yield Label(app.t("desk.received_on"))
                yield Input(id="f-received_at", placeholder=app.t("desk.received_hint"), max_length=10)
                yield Static("", id="err-received_at", classes="field-error")
            with Vertical(classes="dialog-foot"):
                yield Static("", id="err-form", classes="field-error")
                with Horizontal(classes="login-buttons"):
                    yield Button(app.t("desk.save"), id="save", variant="primary")
                    yield Button(app.t("desk.cancel"), id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        app = self.pst
        for widget in self.query(".field-error").results(Static):
            widget.update("")
        try:
            made = complaints.submit(
                app.store, app.settings, actor=app.user, channel=self.query_one("#f-channel", Select).value,
                kind=self.query_one("#f-kind", Select).value, text=self.query_one("#f-text", TextArea).text,
                contact=self.query_one("#f-contact", Input).value,
                received_at=complaints.received_on(app.store, app.settings,
                                                   self.query_one("#f-received_at", Input).value))
        except Invalid as exc:
            for name, message in exc.field_messages(app.lang).items():
                found = self.query(f"#err-{name}")
                (found.first(Static) if found else self.query_one("#err-form", Static)).update(message)
            first = self.query(f"#f-{next(iter(exc.errors))}")
            if first:  # the field at fault comes into view, whatever the terminal's height
                first.first().focus()
            # and the docked foot, always in view, says what is wrong
            self.query_one("#err-form", Static).update(next(iter(exc.field_messages(app.lang).values())))
            return
        except Exception as exc:  # noqa: BLE001 - a message, never a traceback
            self.query_one("#err-form", Static).update(friendly_error(app, exc))
            return
        app.notify(app.t("desk.recorded_complaint", number=made.number, due=f"{made.due_date:%d-%m-%Y}"))
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ComplaintScreen(ModalScreen[bool]):
    """One complaint: what it says, its responses; respond, answer, or (admin) close."""

    CSS_PATH = "desk.tcss"
    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, complaint_id: str) -> None:
        super().__init__()
        self.complaint_id = complaint_id

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with DialogScroll(classes="dialog record-dialog"):
            with Vertical(classes="dialog-body"):
                yield Static("", id="complaint-head", classes="title", markup=False)
                yield Static("", id="complaint-body", classes="complaint-body", markup=False)
                yield Label(self.pst.t("desk.response"))
                yield TextArea(id="f-response", classes="complaint-text", show_line_numbers=False)
            with Vertical(classes="dialog-foot"):
                yield Static("", id="err-form", classes="field-error")
                with Horizontal(classes="login-buttons"):
                    yield Button(self.pst.t("desk.follow_up"), id="follow")
                    yield Button(self.pst.t("desk.answer"), id="answer", variant="primary")
                    yield Button(self.pst.t("desk.close"), id="close", variant="warning")

    def on_mount(self) -> None:
        self.show()
        self.set_focus(self.query_one("#f-response", TextArea), scroll_visible=False)  # the head stays in view

    def show(self) -> None:
        app = self.pst
        tz = app.settings.office.tz
        try:
            c = complaints.get(app.store, app.user, self.complaint_id)
        except DomainError as exc:
            self.query_one("#err-form", Static).update(exc.message(app.lang))
            return
        self.query_one("#complaint-head", Static).update(app.t(
            "desk.detail_title", number=c.number, kind=app.t(f"desk.kind.{c.kind}"),
            channel=app.t(f"desk.channel.{c.channel}")))
        lines = [app.t("desk.detail_state", status=app.t(f"desk.status.{c.status}"),
                       received=f"{c.received_at.astimezone(tz):%d-%m-%Y %H:%M}", due=f"{c.due_date:%d-%m-%Y}")
                 + (f"  {app.t('desk.overdue_mark')}" if c.overdue(app.queue.today()) else ""),
                 app.t("desk.detail_contact", contact=c.contact or c.contact_masked or app.t("desk.anonymous")),
                 "", c.text]
        if c.responses:
            lines += ["", app.t("desk.responses")]
            lines += [app.t("desk.response_line", at=f"{r.at.astimezone(tz):%d-%m-%Y %H:%M}", by=r.by or "-",
                            status=app.t(f"desk.status.{r.status}"), text=r.text) for r in c.responses]
        self.query_one("#complaint-body", Static).update("\n".join(lines))
        for button in self.query(".login-buttons Button").results(Button):
            button.disabled = c.status == "closed"

    @on(Button.Pressed, "#follow")
    def _follow(self) -> None:
        self._act("respond", "in_follow_up")

    @on(Button.Pressed, "#answer")
    def _answer(self) -> None:
        self._act("respond", "answered")

    @on(Button.Pressed, "#close")
    def _close(self) -> None:
        self._act("close", "closed")

    def _act(self, what: str, status: str) -> None:
        app = self.pst
        text = self.query_one("#f-response", TextArea).text
        error = self.query_one("#err-form", Static)
        try:
            if what == "close":
                done = complaints.close(app.store, app.settings, app.user, self.complaint_id, text)
            else:
                done = complaints.respond(app.store, app.settings, app.user, self.complaint_id, text, status)
        except Exception as exc:  # noqa: BLE001 - refusals and bad input become a message
            error.update(friendly_error(app, exc) if not isinstance(exc, Invalid)
                         else next(iter(exc.field_messages(app.lang).values())))
            return
        error.update("")
        self.query_one("#f-response", TextArea).text = ""
        app.notify(app.t("desk.responded", number=done.number, status=app.t(f"desk.status.{done.status}")))
        self.show()

    def action_cancel(self) -> None:
        self.dismiss(True)

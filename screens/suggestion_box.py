"""The electronic suggestion box at the kiosk (*kotak saran*): a complaint or a suggestion,
its text and an optional contact, sent in a minute on a touch screen. The kiosk is public:
the screens show nothing of any other complaint (no list, no number), only when this one
will be answered and the office's other channels."""

from __future__ import annotations

from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static, TextArea

from kiosk.desk import complaints
from kiosk.errors import Invalid
from screens.base import friendly_error
from screens.kiosk_app import FlowScroll, LocalizedScreen


class KindButton(RadioButton):
    """Says which is chosen by its mark, not only by colour (as ``forms.FormCheckbox``)."""

    @property
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return "●" if self.value else " "


class SuggestionScreen(LocalizedScreen):
    CSS_PATH = "desk.tcss"
    AUTO_FOCUS = ""  # focused in on_mount, without scrolling the title and intro away

    def compose(self) -> ComposeResult:
        app = self.pst
        with FlowScroll(classes="flow"):
            yield Static(app.t("desk.box_title"), classes="flow-title")
            yield Static(app.t("desk.box_intro"), classes="flow-text")
            with RadioSet(id="kind"):
                yield KindButton(app.t("desk.box_complaint"), id="kind-complaint", value=True)
                yield KindButton(app.t("desk.box_suggestion"), id="kind-suggestion")
            yield Label(app.t("desk.text"))
            yield TextArea(id="text", classes="complaint-text", show_line_numbers=False)
            yield Static("", id="err-text", classes="field-error")
            yield Label(app.t("desk.contact"))
            yield Input(id="contact", max_length=complaints.CONTACT_MAX)
            yield Static("", id="err-contact", classes="field-error")
            with Horizontal(classes="flow-buttons"):
                yield Button(app.t("desk.box_send"), id="send", variant="primary")
                yield Button(app.t("guest.cancel"), id="cancel")

    def on_mount(self) -> None:
        super().on_mount()
        # Focusing before the first layout scrolls the text box to the middle of the (not
        # yet measured) view: at 80x24 the title and what the box is for went off the top.
        self.set_focus(self.query_one("#text", TextArea), scroll_visible=False)

    @on(Input.Submitted, "#contact")
    @on(Button.Pressed, "#send")
    def _send(self) -> None:
        app = self.pst
        kind = "suggestion" if self.query_one("#kind-suggestion", RadioButton).value else "complaint"
        contact = self.query_one("#contact", Input).value
        for widget in self.query(".field-error").results(Static):
            widget.update("")
        try:
            made = complaints.submit(app.store, app.settings, kind=kind, channel="kiosk",
                                     text=self.query_one("#text", TextArea).text, contact=contact)
        except Invalid as exc:
            for name, message in exc.field_messages(app.lang).items():
                found = self.query(f"#err-{name}")
                if found:
                    found.first(Static).update(message)
            return
        except Exception as exc:  # noqa: BLE001 - a message, never a traceback
            self.query_one("#err-text", Static).update(friendly_error(app, exc))
            return
        self.app.switch_screen(SuggestionThanksScreen(made.due_date, bool(made.contact)))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.action_back()

    def action_back(self) -> None:
        """Esc or Batal on a suggestion already being written asks before throwing it away."""
        started = bool(self.query_one("#text", TextArea).text.strip() or self.query_one("#contact", Input).value.strip())
        self.leave_asking(started)


class SuggestionThanksScreen(LocalizedScreen):
    """Thanks, when an answer is due, the other channels; back home by itself."""

    CSS_PATH = "desk.tcss"

    def __init__(self, due: date, reachable: bool) -> None:
        super().__init__()
        self.due, self.reachable = due, reachable

    @property
    def idle_seconds(self) -> int:  # type: ignore[override]
        return self.pst.settings.kiosk.ticket_seconds

    def compose(self) -> ComposeResult:
        app = self.pst
        with FlowScroll(classes="flow"):
            yield Static(app.t("desk.box_thanks"), classes="flow-title", id="thanks")
            yield Static(app.t("desk.box_reply", due=f"{self.due:%d-%m-%Y}") if self.reachable
                         else app.t("desk.box_no_reply"), classes="flow-text", id="reply")
            channels = app.settings.office.complaint_channels
            if channels:
                yield Static(app.t("desk.box_other_channels") + "\n" + "\n".join(channels), id="channels",
                             markup=False)
            with Horizontal(classes="flow-buttons"):
                yield Button(app.t("kiosk.done"), id="done", variant="primary")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#done", Button).focus()

    @on(Button.Pressed, "#done")
    def _done(self) -> None:
        self.pst.end_visit()
        self.dismiss()

    def action_back(self) -> None:
        self.dismiss()

"""A small generic dialog: a few fields in, a dict out. Errors from the use case are shown
under their field; a step that cannot be undone asks first (``confirm``, ``AskScreen``).
The dialogs open on their first field and keep their buttons in view however small the
terminal: the fields scroll, the buttons are docked below them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from kiosk.errors import FieldInvalid
from kiosk.text import free_text, whole_number
from screens.base import TickBox


class DialogScroll(VerticalScroll, can_focus=False):
    """A dialog's scrolling column that never takes focus itself (an invisible focus eats the
    first Enter); the arrows and PgUp/PgDn still scroll it from the field in focus. Dock the
    buttons at its bottom (``.dialog-foot``) and they stay in view while the fields scroll."""

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # Textual scrolls a newly focused widget into view only when the screen cannot see
        # it, and a field under the docked buttons counts as seen: scroll past the dock here.
        # A form's field comes with its label and the message under it (``.form-field``).
        field = next((n for n in event.widget.ancestors_with_self
                      if n is not self and n.has_class("form-field")), event.widget)
        self.scroll_to_widget(field, animate=False)


class FormCheckbox(TickBox):
    """A box that says its state by its mark (``TickBox``: ``✓`` ticked, empty not), in every
    theme and terminal. Space ticks it; Enter submits the form, as in any dialog (Textual's
    Checkbox toggles on Enter too)."""

    BINDINGS = [Binding("enter", "screen.ok", show=False)]


@dataclass
class Field:
    name: str
    label: str
    kind: Literal["text", "integer", "select", "check"] = "text"
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = None
    placeholder: str = ""
    hint: str = ""  # a line under the field that wraps; keeps the dialog's title short
    # Shown only while an earlier select or check field holds one of these values, e.g.
    # ``("method", ("billing",))``: hidden, the field is skipped by Tab, never refused and
    # submitted as None, so a cash payment is not asked for a billing code.
    shown_for: tuple[str, tuple[Any, ...]] | None = None


class AskScreen(ModalScreen[bool]):
    """A question with Yes / No; Escape is No."""

    BINDINGS = [Binding("escape", "no", show=False)]

    def __init__(self, question: str, yes: str, no: str) -> None:
        super().__init__()
        self.question, self.yes, self.no = question, yes, no

    def compose(self) -> ComposeResult:
        with DialogScroll(classes="dialog"):
            yield Static(self.question, id="question", classes="title", markup=False)
            with Horizontal(classes="login-buttons dialog-foot"):
                yield Button(self.yes, id="yes", variant="warning")
                yield Button(self.no, id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # Enter on the dialog does not take the step

    @on(Button.Pressed, "#yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_no(self) -> None:
        self.dismiss(False)


class FormScreen(ModalScreen[dict[str, Any] | None]):
    """Fields and OK / Cancel. ``submit`` (optional) runs the use case and returns an error
    dict (field -> message) to show, or None to close. ``confirm`` (optional) returns a
    question for the values, or None; a question is asked (``AskScreen``) before ``submit``,
    and No returns to the filled form."""

    BINDINGS = [Binding("escape", "cancel", show=False)]
    AUTO_FOCUS = ""  # the first field, in on_mount

    def __init__(self, title: str, fields: list[Field], ok: str, cancel: str, submit=None,  # noqa: ANN001
                 confirm: Callable[[dict[str, Any]], tuple[str, str, str] | None] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.ok = ok
        self.cancel_text = cancel
        self.submit = submit
        self.confirm = confirm
        self._judged: dict[str, Any] = {}  # field -> the value its message shown was given for

    def compose(self) -> ComposeResult:
        with DialogScroll(classes="dialog"):
            # The fields in one column: Tab goes through them before the docked buttons
            # (focus follows the position among siblings).
            with Vertical(classes="dialog-body"):
                yield Static(self.title_text, classes="title form-title", markup=False)
                for f in self.fields:
                    yield from self._field(f)
            with Vertical(classes="dialog-foot"):  # docked: in view while the fields scroll
                yield Static("", id="err-form", classes="field-error")
                with Horizontal(classes="login-buttons"):
                    yield Button(self.ok, id="ok", variant="primary")
                    yield Button(self.cancel_text, id="cancel")

    def _field(self, f: Field) -> ComposeResult:
        # One box per field: hidden whole (shown_for), and in view whole when in focus.
        with Vertical(classes="form-field", id=f"field-{f.name}"):
            if f.kind == "check":
                yield FormCheckbox(f.label, value=bool(f.value), id=f"f-{f.name}")
            else:
                yield Label(f.label)
                if f.kind == "select":
                    yield Select(f.options, id=f"f-{f.name}", allow_blank=f.value is None,
                                 value=f.value if f.value is not None else Select.NULL,
                                 prompt=self.app.t("guest.choose"))
                else:
                    yield Input(value="" if f.value is None else str(f.value), id=f"f-{f.name}",
                                type="integer" if f.kind == "integer" else "text",
                                placeholder=f.placeholder)
            if f.hint:
                yield Static(f.hint, id=f"hint-{f.name}", classes="field-hint", markup=False)
            yield Static("", id=f"err-{f.name}", classes="field-error")

    def on_mount(self) -> None:
        """Open on the first field, so the first key typed or Space/Enter goes to it; at the
        dialog's top (focusing before the first layout would scroll the title away)."""
        self._show_fields()
        shown = self.shown()
        first = next((f for f in self.fields if f.name in shown), None)
        target = self.query_one(f"#f-{first.name}") if first else self.query_one("#ok")
        self.set_focus(target, scroll_visible=False)

    def shown(self) -> set[str]:
        """The names of the fields the form shows now: all but those whose ``shown_for``
        field (itself shown) holds none of their values."""
        names: set[str] = set()
        for f in self.fields:
            if f.shown_for is not None:
                by, among = f.shown_for
                value = self.query_one(f"#f-{by}").value if by in names else None
                if by not in names or value is Select.NULL or value not in among:
                    continue
            names.add(f.name)
        return names

    def _show_fields(self) -> None:
        """Show the fields that apply to the values chosen, hide the others (with any message
        left under them); focus in a field just hidden goes back to the field that hid it."""
        if not any(f.shown_for for f in self.fields):
            return
        shown = self.shown()
        for f in self.fields:
            self.query_one(f"#field-{f.name}").display = f.name in shown
            if f.name not in shown:
                self.query_one(f"#err-{f.name}", Static).update("")
        focused = self.focused
        if focused is None:
            return
        hidden = next((f for f in self.fields if f.name not in shown
                       and any(n.id == f"field-{f.name}" for n in focused.ancestors_with_self)), None)
        if hidden is not None and hidden.shown_for is not None:
            self.set_focus(self.query_one(f"#f-{hidden.shown_for[0]}"))

    @on(Select.Changed)
    @on(FormCheckbox.Changed)
    def _chosen(self, event: Select.Changed | FormCheckbox.Changed) -> None:
        self._forget_error(event.control)
        self._show_fields()

    @on(Input.Changed)
    def _edited(self, event: Input.Changed) -> None:
        self._forget_error(event.input)

    def _forget_error(self, widget: Any) -> None:
        """A field changed since its refusal loses the message: a trial saw "Wajib diisi"
        stay under a name already typed, until the next OK. A change message arriving late
        with the value that was judged leaves it."""
        name = (getattr(widget, "id", None) or "").removeprefix("f-")
        if name in self._judged and getattr(widget, "value", None) != self._judged[name]:
            self.query_one(f"#err-{name}", Static).update("")
            del self._judged[name]

    def _remember_judged(self, errors: dict[str, str]) -> None:
        """The values the messages now shown were given for (``_forget_error``)."""
        self._judged = {f.name: self.query_one(f"#f-{f.name}").value for f in self.fields if errors.get(f.name)}

    def action_ok(self) -> None:
        """Enter on a checkbox (``FormCheckbox``) submits, like the OK button."""
        self._ok()

    def values(self) -> dict[str, Any]:
        """Every field's value by name; a hidden field's (``shown_for``) is None."""
        out: dict[str, Any] = {}
        shown = self.shown()
        for f in self.fields:
            if f.name not in shown:
                out[f.name] = None
                continue
            widget = self.query_one(f"#f-{f.name}")
            value = widget.value
            if f.kind == "integer":
                try:  # ASCII digits only (kiosk.text): '३' is refused by _unsafe, not taken as 3
                    value = whole_number(value) if str(value).strip() else None
                except FieldInvalid:
                    value = None
            elif f.kind == "select" and value is Select.NULL:
                value = None
            out[f.name] = value
        return out

    def _unsafe(self) -> dict[str, str]:
        """Fields typed (or pasted) with control characters or digits of another script:
        each refused under the field, naming it, before anything runs (kiosk.text)."""
        errors: dict[str, str] = {}
        shown = self.shown()
        for f in self.fields:
            if f.kind not in ("text", "integer") or f.name not in shown:
                continue
            typed = str(self.query_one(f"#f-{f.name}", Input).value)
            label = f.label.rstrip(" *:")
            try:
                if f.kind == "integer" and typed.strip():
                    whole_number(typed)
                free_text(typed, "text.field.name")
            except FieldInvalid as exc:
                errors[f.name] = self.app.t(exc.key, field=label)
        return errors

    @on(Button.Pressed, "#ok")
    @on(Input.Submitted)
    def _ok(self) -> None:
        refused = self._unsafe()
        for f in self.fields:
            self.query_one(f"#err-{f.name}", Static).update(refused.get(f.name, ""))
        self._remember_judged(refused)
        if refused:
            return
        values = self.values()
        question = self.confirm(values) if self.confirm else None
        if question is None:
            self._submit(values)
            return
        self.app.push_screen(AskScreen(*question), lambda yes: self._submit(values) if yes else None)

    def _submit(self, values: dict[str, Any]) -> None:
        if self.submit is None:
            self.dismiss(values)
            return
        errors = self.submit(values)
        shown = self.shown()
        for f in self.fields:
            self.query_one(f"#err-{f.name}", Static).update((errors or {}).get(f.name, ""))
        self._remember_judged(errors or {})
        # A refusal of a field not shown still has its say, under the form.
        unseen = [m for f in self.fields if f.name not in shown and (m := (errors or {}).get(f.name))]
        self.query_one("#err-form", Static).update(" ".join(filter(None, [(errors or {}).get("_"), *unseen])))
        if not errors:
            self.dismiss(values)
            return
        # The first field refused takes the focus, which scrolls it (and its message) into
        # view: at 80x24 a field below the fold, under the docked buttons, was refused unseen.
        first = next((f for f in self.fields if f.name in errors and f.name in shown), None)
        if first is not None:
            # Once the messages are laid out, so the field comes into view with its message:
            # focused at once, a message in mid-form was left under the docked buttons.
            refused = self.query_one(f"#f-{first.name}")
            self.call_after_refresh(lambda: refused.focus() if refused.is_attached else None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

"""Service records at the counter: the form for one served ticket (V on the counter, or
Enter on a visit of the day) and the day's visits, those not recorded yet first.

The form shows the fields of the ticket's service (consultation: subject, data sought,
outcome; library: publications; recommendation: agency, activity, stage, Romantik number;
sales: the linked orders) and a note. Every field is optional; Enter in a line field or
Ctrl+S saves, Esc leaves without saving."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Select, Static, TextArea

from kiosk.desk import records, subjects
from kiosk.errors import DomainError, Invalid
from kiosk.queue import Ticket
from kiosk.services import by_code
from screens.base import friendly_error
from screens.desk_list import DeskListScreen
from screens.forms import DialogScroll

if TYPE_CHECKING:
    from screens.counter_app import CounterApp

# Which fields each service's form shows (all of them carry a note).
SECTIONS = {
    "konsultasi": ("subject", "indicator", "region_level", "period", "outcome", "source"),
    "perpustakaan": ("pub_printed", "pub_digital"),
    "rekomendasi": ("agency", "activity", "stage", "reference_number"),
    "penjualan": ("orders",),
}
SELECTS = {"region_level": ("desk.region", records.REGION_LEVELS), "outcome": ("desk.outcome", records.OUTCOMES),
           "stage": ("desk.stage", records.STAGES)}
LABELS = {"outcome": "desk.outcome_label", "stage": "desk.stage_label"}


def summary(record: records.ServiceRecord | None, lang: str) -> str:
    """One line of what a record holds, for the list of visits."""
    from kiosk.i18n import t

    if record is None:
        return ""
    parts = []
    if record.subject:
        parts.append(subjects.subject_name(record.subject, lang))
    if record.indicator:
        parts.append(record.indicator)
    if record.outcome:
        parts.append(t(f"desk.outcome.{record.outcome}", lang))
    if record.publications:
        parts.append(", ".join(p.title for p in record.publications))
    if record.agency:
        parts.append(record.agency)
    if record.note and not parts:
        parts.append(record.note.splitlines()[0])
    return " • ".join(parts)


class RecordScreen(ModalScreen[bool]):
    """The service record of one ticket; dismisses True once saved."""

    CSS_PATH = "desk.tcss"
    BINDINGS = [Binding("escape", "cancel", show=False), Binding("ctrl+s", "save", show=False)]
    AUTO_FOCUS = ""

    def __init__(self, ticket: Ticket) -> None:
        super().__init__()
        self.ticket = ticket

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app, ticket = self.pst, self.ticket
        record = records.for_ticket(app.store, ticket.id)
        current: dict[str, Any] = record.model_dump() if record else {}
        fields = SECTIONS.get(ticket.service, ())
        with DialogScroll(classes="dialog record-dialog"):
            with Vertical(classes="dialog-body"):
                yield Static(app.t("desk.record_title", number=ticket.number,
                                   service=by_code(ticket.service).name(app.lang)), classes="title", markup=False)
                yield Static(app.t("desk.record_editable"), classes="field-hint")
                for name in fields:
                    yield from self._field(name, current)
                yield Label(app.t("desk.note"))
                yield Input(current.get("note") or "", id="f-note", max_length=records.TEXT_FIELDS["note"])
                yield Static("", id="err-note", classes="field-error")
            with Vertical(classes="dialog-foot"):
                yield Static("", id="err-form", classes="field-error")
                with Horizontal(classes="login-buttons"):
                    yield Button(app.t("desk.save"), id="save", variant="primary")
                    yield Button(app.t("desk.cancel"), id="cancel")

    def _field(self, name: str, current: dict[str, Any]) -> ComposeResult:
        app = self.pst
        if name == "orders":
            found = records.linked_orders(app.store, self.ticket.id)
            from kiosk.sales import view as order_view

            if found:
                yield Static(app.t("desk.orders"))
                for order in found:
                    yield Static(app.t("desk.order_line", number=order.number,
                                       status=order_view.status_name(order.status, app.lang)), markup=False)
            else:
                yield Static(app.t("desk.no_orders"), classes="field-hint")
            return
        if name in ("pub_printed", "pub_digital"):
            medium = "printed" if name == "pub_printed" else "digital"
            titles = [p["title"] for p in current.get("publications") or [] if p["medium"] == medium]
            yield Label(app.t(f"desk.{name}"))
            yield TextArea("\n".join(titles), id=f"f-{name}", classes="record-titles", show_line_numbers=False)
            yield Static("", id=f"err-{name}", classes="field-error")
            return
        yield Label(app.t(LABELS.get(name, f"desk.{name}")))
        if name == "subject":
            yield Select([(s.name(app.lang), s.code) for s in subjects.subjects()], id="f-subject",
                         value=current.get("subject") or Select.NULL, prompt=app.t("guest.choose"))
        elif name in SELECTS:
            prefix, codes = SELECTS[name]
            yield Select([(app.t(f"{prefix}.{c}"), c) for c in codes], id=f"f-{name}",
                         value=current.get(name) or Select.NULL, prompt=app.t("guest.choose"))
        else:
            yield Input(current.get(name) or "", id=f"f-{name}", max_length=records.TEXT_FIELDS[name])
        yield Static("", id=f"err-{name}", classes="field-error")

    def on_mount(self) -> None:
        first = next(iter(self.query("Input, Select, TextArea").results()), None)
        if first is not None:
            self.set_focus(first, scroll_visible=False)

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        publications: list[dict[str, str]] = []
        for widget in self.query("Input, Select, TextArea").results():
            name = (widget.id or "").removeprefix("f-")
            if isinstance(widget, TextArea):
                medium = "printed" if name == "pub_printed" else "digital"
                publications += [{"title": line, "medium": medium} for line in widget.text.splitlines()
                                 if line.strip()]
            elif isinstance(widget, Select):
                out[name] = None if widget.value is Select.NULL else widget.value
            else:
                out[name] = widget.value
        out["publications"] = publications
        return out

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        app = self.pst
        for widget in self.query(".field-error").results(Static):
            widget.update("")
        try:
            records.save(app.store, app.settings, app.user, self.ticket.id, self.values())
        except Invalid as exc:
            for name, message in exc.field_messages(app.lang).items():
                target = {"publications": "pub_printed"}.get(name, name)
                found = self.query(f"#err-{target}")
                (found.first(Static) if found else self.query_one("#err-form", Static)).update(message)
            first = self.query(f"#f-{ {'publications': 'pub_printed'}.get(next(iter(exc.errors)), next(iter(exc.errors)))}")
            if first:  # the field at fault comes into view, whatever the terminal's height
                first.first().focus()
            # and the docked foot, always in view, says what is wrong
            self.query_one("#err-form", Static).update(next(iter(exc.field_messages(app.lang).values())))
            return
        except DomainError as exc:
            self.query_one("#err-form", Static).update(exc.message(app.lang))
            return
        except Exception as exc:  # noqa: BLE001 - a message, never a traceback
            self.query_one("#err-form", Static).update(friendly_error(app, exc))
            return
        app.notify(app.t("desk.record_saved", number=self.ticket.number), timeout=3)
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class VisitsScreen(DeskListScreen):
    """Today's served visits and their records: Enter opens one, those missing come first."""

    NAME = "visits"
    COLUMNS = ("col_number", "col_record", "col_service", "col_summary")
    BINDINGS = [
        Binding("enter", "open", "Buka", id="desk.key.open", show=False),
        Binding("escape", "back", "Kembali", id="desk.key.back"),
        Binding("ctrl+l", "logout", "Keluar akun", id="counter.key.logout", show=False),
    ]

    def rows(self) -> list[tuple[list[Any], str]]:
        app = self.pst
        return [([visit.number,
                  app.t("desk.recorded") if visit.record else f"[b]{app.t('desk.not_recorded')}[/b]",
                  by_code(visit.service).short_name(app.lang), escape(summary(visit.record, app.lang))],
                 visit.ticket_id)
                for visit in records.visits(app.store, app.settings, app.user)]

    @on(DataTable.RowSelected, "#visits")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self._open(event.row_key.value)

    def action_open(self) -> None:
        table = self.query_one("#visits", DataTable)
        if table.row_count:
            self._open(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _open(self, ticket_id: str | None) -> None:
        if ticket_id:
            self.app.push_screen(RecordScreen(self.pst.queue.get(ticket_id)), lambda _saved: self.refresh_data())

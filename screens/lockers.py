"""Lockers at the counter: keep a card and give a locker (slip printed), find and return.
The full ID number appears only in the return dialog, to match the card in hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Header,
    Input,
    Label,
    OptionList,
    Select,
    Static,
)
from textual.widgets.option_list import Option

from kiosk import identity, lockers
from kiosk.accounts import Forbidden
from kiosk.errors import DomainError
from kiosk.guestbook import GuestHit, VisitGuest, search_guests
from kiosk.identity import FieldInvalid, Invalid
from kiosk.text import whole_number
from screens.base import TitleHeader, friendly_error
from screens.forms import DialogScroll

if TYPE_CHECKING:
    from textual.app import App

    from screens.counter_app import CounterApp


def refused(app: App, exc: DomainError) -> None:
    """Show a refused use case; when the account lost access (disabled, role changed,
    accounts switched on meanwhile), close the locker screens back to the counter."""
    app.notify(exc.message(app.lang), severity="warning")  # type: ignore[attr-defined]
    if isinstance(exc, Forbidden):
        while len(app.screen_stack) > 1 and isinstance(
                app.screen, (LockerScreen, AssignLockerScreen, ReturnLockerScreen)):
            app.pop_screen()


class AssignLockerScreen(ModalScreen[lockers.Assigned | None]):
    BINDINGS = [Binding("escape", "cancel", show=False)]
    AUTO_FOCUS = ""  # the first field, in on_mount

    def __init__(self, guest: VisitGuest | None) -> None:
        super().__init__()
        self.guest = guest
        self._hits: dict[str, GuestHit] = {}

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app, guest = self.pst, self.guest
        suggestion = lockers.suggest(app.store, app.settings)
        id_types = [(identity.choice_name("id_type", c, app.lang), c) for c in identity.ID_TYPES]
        # The fields scroll and the buttons stay docked under them: all of it is reachable at
        # 80x24, even with the guestbook search on top.
        short = self.app.size.height < 30
        with DialogScroll(classes="dialog"):
            with Vertical(classes="dialog-body"):
                yield Label(app.t("lockers.assign_title"), classes="title")
                if guest is None:  # no called visitor: find one in the guestbook, or type the card
                    yield Input(compact=short, id="guest-search", placeholder=app.t("lockers.guest_search"))
                    yield OptionList(id="guest-results")
                yield Label(app.t("guest.field.id_type"))
                yield Select(id_types, compact=short, id="id_type", value=guest.id_type if guest else "ktp",
                             allow_blank=False)
                yield Label(app.t("guest.field.id_number"))
                hint = (app.t("lockers.use_guest_id", id=guest.id_masked) if guest
                        else app.t("guest.hint.id_number"))
                yield Input(compact=short, id="id_number", placeholder=hint)
                yield Static("", id="err-id_number", classes="field-error")
                yield Label(app.t("lockers.holder"))
                yield Input(value=guest.name if guest else "", compact=short, id="holder_name")
                yield Static("", id="err-holder_name", classes="field-error")
                yield Label(app.t("lockers.number"))
                yield Input(compact=short, id="locker_no", type="integer",
                            placeholder=app.t("lockers.suggested", number=suggestion) if suggestion
                            else app.t("locker.all_taken"))
                yield Static("", id="err-locker", classes="field-error")
            with Horizontal(classes="login-buttons dialog-foot"):
                yield Button(app.t("lockers.save"), id="save", variant="primary")
                yield Button(app.t("guest.cancel"), id="cancel")

    def on_mount(self) -> None:
        """Open at the dialog's top on its first field (focusing before the first layout would
        scroll the title away); the empty results list takes no room."""
        if self.guest is None:
            self.query_one("#guest-results", OptionList).display = False
            first = self.query_one("#guest-search", Input)
        else:
            first = self.query_one("#id_type", Select)
        self.set_focus(first, scroll_visible=False)

    @on(Input.Changed, "#guest-search")
    def _search_guest(self, event: Input.Changed) -> None:
        app = self.pst
        results = self.query_one("#guest-results", OptionList)
        results.clear_options()
        try:
            hits = search_guests(app.store, app.user, event.value)
        except DomainError as exc:
            refused(app, exc)
            return
        self._hits = {h.guest_id: h for h in hits}
        results.display = bool(hits)
        results.add_options([Option(f"{h.name} • {identity.choice_name('id_type', h.id_type, app.lang)}"
                                    f" {h.id_masked}" + (f" • {h.institution}" if h.institution else ""),
                                    id=h.guest_id) for h in hits])

    @on(Input.Submitted, "#guest-search")
    def _to_results(self) -> None:
        """Enter (or Down, ``on_key``) in the search goes to its matches, the first one
        highlighted: Enter there takes it (a trial had to find Tab first)."""
        results = self.query_one("#guest-results", OptionList)
        if results.display and results.option_count:
            results.focus()
            results.highlighted = 0

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.focused is self.query_one("#guest-search", Input):
            event.stop()
            self._to_results()

    @on(OptionList.OptionSelected, "#guest-results")
    def _pick_guest(self, event: OptionList.OptionSelected) -> None:
        hit = self._hits[event.option.id]
        self.guest = VisitGuest(guest_id=hit.guest_id, visit_id="", name=hit.name, id_type=hit.id_type,
                                id_masked=hit.id_masked, institution=hit.institution, segment=hit.segment,
                                purpose="", since=self.pst.clock.now())
        self.query_one("#holder_name", Input).value = hit.name
        self.query_one("#id_type", Select).value = hit.id_type
        self.query_one("#id_number", Input).placeholder = self.pst.t("lockers.use_guest_id", id=hit.id_masked)

    @on(Button.Pressed, "#save")
    @on(Input.Submitted, "#id_number, #holder_name, #locker_no")
    def _save(self) -> None:
        app = self.pst
        for name in ("id_number", "holder_name", "locker"):
            self.query_one(f"#err-{name}", Static).update("")
        number_text = self.query_one("#locker_no", Input).value.strip()
        try:  # ASCII digits only: '३' is not locker 3 (kiosk.text)
            locker_no = whole_number(number_text, "text.field.locker") if number_text else None
        except FieldInvalid as exc:
            self.query_one("#err-locker", Static).update(Invalid({"locker": exc}).field_messages(app.lang)["locker"])
            return
        try:
            assigned = lockers.assign(
                app.store, app.settings, app.user,
                id_type=str(self.query_one("#id_type", Select).value),
                id_number=self.query_one("#id_number", Input).value,
                holder_name=self.query_one("#holder_name", Input).value,
                locker_no=locker_no,
                guest_id=self.guest.guest_id if self.guest else None,
                visit_id=(self.guest.visit_id or None) if self.guest else None)
        except Invalid as exc:
            for field, message in exc.field_messages(app.lang).items():
                self.query_one(f"#err-{field}", Static).update(message)
            return
        except Forbidden as exc:
            refused(app, exc)
            return
        except DomainError as exc:
            self.query_one("#err-locker", Static).update(exc.message(app.lang))
            return
        except Exception as exc:  # noqa: BLE001
            self.query_one("#err-locker", Static).update(friendly_error(app, exc))
            return
        self.dismiss(assigned)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ReturnLockerScreen(ModalScreen[bool]):
    """Confirm the card in hand matches, then close the locker."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, locker: lockers.Locker, full_id: str | None) -> None:
        super().__init__()
        self.locker = locker
        self.full_id = full_id  # revealed (and audited) before the dialog is pushed; None: not kept

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app, lk, full = self.pst, self.locker, self.full_id
        with Vertical(classes="dialog"):
            yield Label(app.t("lockers.return_title", number=lk.locker_no), classes="title")
            yield Static(lk.holder_name, id="holder")
            # A locker restored from the centre has no full number here: the name and the masked
            # one are what the officer can match, never the placeholder stored in its place.
            yield Static(f"{identity.choice_name('id_type', lk.id_type, app.lang)}: {full or lk.id_masked}",
                         id="full-id", markup=False)
            yield Static(app.t("lockers.check_card" if full else "lockers.check_card_not_kept"), id="check-card")
            with Horizontal(classes="login-buttons"):
                yield Button(app.t("lockers.confirm_return"), id="confirm", variant="primary")
                yield Button(app.t("guest.cancel"), id="cancel")

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        try:
            lockers.return_card(self.pst.store, self.pst.user, self.locker.id)
        except Forbidden as exc:
            refused(self.app, exc)
            return
        except Exception as exc:  # noqa: BLE001
            self.notify(friendly_error(self.pst, exc), severity="error")
            self.dismiss(False)
            return
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


class LockerScreen(Screen[None]):
    """Open lockers; search by number, slip QR or name; the day's unreturned cards."""

    BINDINGS = [
        Binding("a", "assign", "Titip kartu", id="lockers.key.assign"),
        Binding("r", "return", "Kembalikan", id="lockers.key.return"),
        Binding("d", "closing", "Belum kembali hari ini", id="lockers.key.closing"),
        Binding("slash", "search", "Cari", id="lockers.key.search"),
        Binding("escape", "back", "Kembali", id="lockers.key.back"),
    ]

    def __init__(self, guest: VisitGuest | None = None) -> None:
        super().__init__()
        self.guest = guest
        self.closing = False

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        app = self.pst
        yield TitleHeader()
        yield Static("", id="locker-title", classes="title")
        yield Input(placeholder=app.t("lockers.search"), id="search")
        yield Static("", id="locker-none", markup=False)  # a search that finds nothing says so
        yield DataTable(id="lockers", cursor_type="row", zebra_stripes=True)
        yield Static("", id="locker-summary")
        yield Footer()

    def on_mount(self) -> None:
        app = self.pst
        app.localize_bindings(self)
        table = self.query_one("#lockers", DataTable)
        for key in ("col_no", "col_name", "col_id", "col_since"):
            table.add_column(app.t(f"lockers.{key}"), key=key)
        self.refresh_data()
        table.focus()  # letters are commands here; "/" goes to the search field

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    @on(Input.Submitted, "#search")
    def _search_done(self) -> None:
        self.query_one("#lockers", DataTable).focus()

    def refresh_data(self) -> None:
        """Re-read the store (after an action, a search, or another connection's commit);
        a refusal is shown, and a lost access closes the screen."""
        app = self.pst
        query = self.query_one("#search", Input).value
        try:
            if self.closing:
                rows = lockers.not_returned(app.store, app.settings, app.user, app.queue.today())
                title = app.t("lockers.closing_title")
            else:
                rows = lockers.find_open(app.store, app.user, query)
                title = app.t("lockers.open_title")
            open_count = len(lockers.open_lockers(app.store, app.user))
        except DomainError as exc:
            refused(app, exc)
            return
        self.query_one("#locker-title", Static).update(title)
        table = self.query_one("#lockers", DataTable)
        table.clear()
        tz = app.settings.office.tz
        # A long name is cut with "…" so the ID and the time stay on screen (at 80 columns a
        # 60-letter name pushed them off): the rest of the row takes ~53 cells.
        room = max(12, self.app.size.width - 53)
        for lk in rows:
            name = Text(lk.holder_name or "")
            name.truncate(room, overflow="ellipsis")
            table.add_row(str(lk.locker_no), name,
                          f"{identity.choice_name('id_type', lk.id_type, app.lang)} {lk.id_masked}",
                          f"{lk.assigned_at.astimezone(tz):%d-%m %H:%M}", key=lk.id)
        none = self.query_one("#locker-none", Static)
        none.display = not rows and bool(query.strip()) and not self.closing
        none.update(app.t("locker.not_found", query=query.strip()) if none.display else "")
        free = len(lockers.free_lockers(app.store, app.settings))
        self.query_one("#locker-summary", Static).update(
            app.t("lockers.summary", open=open_count, free=free))

    @on(Input.Changed, "#search")
    def _search(self) -> None:
        self.closing = False
        self.refresh_data()

    def _selected(self) -> lockers.Locker | None:
        table = self.query_one("#lockers", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        try:
            return lockers.get(self.pst.store, key)
        except DomainError as exc:  # returned and gone meanwhile
            refused(self.app, exc)
            return None

    def action_assign(self) -> None:
        def done(assigned: lockers.Assigned | None) -> None:
            if assigned:
                # What became of the slip is told by the print's own result (printed, sent, or
                # why not): "sent to the printer" was said even with no printer at all.
                self.notify(self.pst.t("salescounter.locker_given", number=assigned.locker.locker_no))
                self.pst.print_in_background(assigned.job_id, self._printed)
                self.refresh_data()

        self.app.push_screen(AssignLockerScreen(self.guest), done)

    def _printed(self, results: list) -> None:  # noqa: ANN001 - PrintResult list
        bad = [r for r in results if not (r.printed or r.sent)]
        if bad or not results:
            message = bad[0].message(self.pst.lang) if bad else self.pst.t("printer.fault.error")
            self.notify(message, severity="error")
        elif not all(r.printed for r in results):  # sent where nothing confirms: never "dicetak"
            self.notify(self.pst.t("printing.done_sent", count=len(results)))
        else:  # confirmed by the printer: only now "dicetak"
            self.notify(self.pst.t("counter.print_done", count=len(results)))

    @on(DataTable.RowSelected, "#lockers")
    def action_return(self) -> None:
        table = self.query_one("#lockers", DataTable)
        if table.row_count == 0:
            self.notify(self.pst.t("lockers.none_selected"), severity="warning")
            return
        locker = self._selected()
        if locker is None:
            return
        try:  # before the dialog: a refusal here is shown, not raised from its compose
            full_id = lockers.reveal_card(self.pst.store, self.pst.user, locker.id)
        except DomainError as exc:
            refused(self.app, exc)
            return

        def done(returned: bool | None) -> None:
            if returned:
                self.notify(self.pst.t("lockers.returned", number=locker.locker_no))
            self.refresh_data()

        try:
            self.app.push_screen(ReturnLockerScreen(locker, full_id), done)
        except Exception as exc:  # noqa: BLE001
            self.notify(friendly_error(self.pst, exc), severity="error")

    def action_closing(self) -> None:
        self.closing = not self.closing
        self.refresh_data()

    def action_back(self) -> None:
        """Esc is one step back: out of the search field (cleared), from the day's unreturned
        cards to the open lockers, and only from that list back to the counter, so a name
        still being typed never lands its next letters on the counter's keys."""
        search = self.query_one("#search", Input)
        if search.has_focus:
            search.value = ""  # Input.Changed shows the open lockers again
            self.query_one("#lockers", DataTable).focus()
        elif self.closing:
            self.closing = False
            self.refresh_data()
        else:
            self.dismiss()

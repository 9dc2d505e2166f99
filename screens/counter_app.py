"""The officer's counter: pick the counter, see who waits, call and serve.

Keys (also in the footer): N next, C call a number, R recall, X no-show, S start,
F finish, T transfer, P reprint, U retry printing, G filter services, V the service
record (of the current ticket, else the day's visits), A complaints and suggestions,
Enter on a row calls that ticket.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import TYPE_CHECKING

from rich.markup import escape
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import DataTable, Digits, Footer, Header, Static

from kiosk import accounts, identity, standard
from kiosk.accounts import User
from kiosk.errors import ConfigError, DomainError
from kiosk.visits import guest_for_ticket
from kiosk.queue import Ticket
from kiosk.services import Service, by_code
from screens.base import PRINTER_TROUBLE, ItemLine, PstApp, TitleHeader, fit_service, friendly_error

if TYPE_CHECKING:  # loaded just after the first paint (CounterScreen._refresh_desk)
    from kiosk import printing

# The dialogs (screens.counter_dialogs) and the login (screens.login) load when first
# shown: the counter's first screen needs neither.


def _cell(text: str, *, no_wrap: bool | None = None) -> Text | str:
    """A table cell or heading as the Text that DataTable's markup reading makes of it (a
    one-line row's cell does not wrap), made directly when the text holds no markup or
    emoji code: reading markup loads rich's emoji table (~12 M instructions of the
    counter's first paint)."""
    if "[" in text or ":" in text:
        return text
    return Text(text, end="", no_wrap=no_wrap)


def _mmss(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes:02d}:{secs:02d}" if minutes < 100 else f"{minutes}m"


class WaitingTable(DataTable):
    """Who waits. The service column takes the width the others leave, its names fitted to it
    again whenever the table's width changes; the vertical scrollbar's place is kept (CSS
    ``scrollbar-gutter: stable``), so a longer queue does not push the last column out."""

    SERVICE = "col_service"

    def __init__(self, **kwargs) -> None:  # noqa: ANN003
        super().__init__(**kwargs)
        self.services: dict[str, Service] = {}  # row key -> the ticket's service
        self.fill_on_resize: Callable[[], None] | None = None

    def service_width(self) -> int | None:
        """Cells left for the service names; before the first layout, as the layout will
        give them (``expected_width``; None when that cannot be told)."""
        inner = self.scrollable_content_region.width or self.expected_width()
        if not inner or inner <= 0:
            return None
        others = sum(c.get_render_width(self) for k, c in self.columns.items() if k.value != self.SERVICE)
        return inner - others - 2 * self.cell_padding

    def expected_width(self) -> int | None:
        """The rows' width before the first layout, from the terminal's size and the CSS of
        the counter's panels (``#current`` beside ``#queue``, which holds this table), so
        the first frame shows the waiting list whole (issue 17): when the guess holds, the
        Resize that follows changes nothing; when not, it fits the names again."""
        screen, viewport = self.screen, self.app.size
        try:
            current, queue = screen.query_one("#current"), screen.query_one("#queue")
        except NoMatches:
            return None
        styles = current.styles
        if styles.width is None:
            return None
        width = styles.width.resolve(viewport, viewport)
        if styles.min_width is not None:
            width = max(width, styles.min_width.resolve(viewport, viewport))
        if styles.max_width is not None:
            width = min(width, styles.max_width.resolve(viewport, viewport))
        gutter = self.styles.scrollbar_size_vertical if self.styles.scrollbar_gutter == "stable" else 0
        return (viewport.width - int(width) - current.styles.margin.width - queue.styles.gutter.width
                - queue.styles.margin.width - self.styles.gutter.width - gutter)

    def service_text(self, service: Service) -> str:
        return fit_service(service, self.app.lang, self.service_width())

    def on_resize(self) -> None:
        if self.fill_on_resize is not None:  # the rows wait for the width: one layout, not two
            fill, self.fill_on_resize = self.fill_on_resize, None
            fill()
            return
        for key, service in self.services.items():
            text = self.service_text(service)
            if key in self.rows and self.get_cell(key, self.SERVICE) != text:  # unchanged: no relayout
                self.update_cell(key, self.SERVICE, text, update_width=True)


class CounterScreen(Screen[None]):
    """The working screen of one counter."""

    BINDINGS = [
        Binding("n", "call_next", "Berikutnya", id="counter.key.next"),
        Binding("c", "call_number", "Panggil no.", id="counter.key.call"),
        Binding("r", "recall", "Ulang", id="counter.key.recall"),
        Binding("x", "no_show", "Tidak hadir", id="counter.key.no_show"),
        Binding("s", "start", "Mulai", id="counter.key.start"),
        Binding("f", "finish", "Selesai", id="counter.key.finish"),
        Binding("t", "transfer", "Alihkan", id="counter.key.transfer"),
        Binding("p", "reprint", "Cetak ulang", id="counter.key.reprint", show=False),
        Binding("u", "retry_print", "Ulang cetak", id="counter.key.retry", show=False),
        Binding("g", "filter", "Filter", id="counter.key.filter", show=False),
        Binding("k", "lockers", "Loker", id="counter.key.lockers", show=False),
        Binding("o", "orders", "Penjualan", id="counter.key.orders", show=False),
        Binding("d", "dashboard", "Ringkasan", id="counter.key.dashboard", show=False),
        Binding("v", "record", "Catatan", id="desk.key.record", show=False),
        Binding("a", "complaints", "Aduan", id="desk.key.complaints", show=False),
        Binding("ctrl+l", "app.logout", "Keluar akun", id="counter.key.logout", show=False),
    ]

    def __init__(self, counter: int) -> None:
        super().__init__()
        self.counter = counter
        self.services: list[str] = []
        self.current: Ticket | None = None
        self._current_guest = None
        self._waiting: list[Ticket] = []
        self._desk = standard.Desk(any_ended=False, free_since=None)
        self._read_at: tuple[int, int, object] | None = None  # the store's version refresh_data read
        self._queue_items: list[str] = []  # the status line: waiting per service, the filter
        self._desk_items: list[str] = []  # and the desk's reminders

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    @property
    def _no_printer(self) -> bool:
        from kiosk import printing

        with suppress(ConfigError):  # a bad printer URL is a printer problem: jobs fail, shown
            return printing.printer_spec(self.pst.settings, "counter").kind == "none"
        return False

    def compose(self) -> ComposeResult:
        app = self.pst
        yield TitleHeader()  # the clock is the office's, in the subtitle (the PC may be on UTC)
        with Horizontal(id="main"):
            with Vertical(id="current"):
                yield Static(app.t("counter.now_serving"), classes="title")
                yield Digits("---", id="current-number")
                yield Static("", id="current-info", markup=False)
            with Vertical(id="queue"):
                yield Static(app.t("counter.waiting"), classes="title")
                yield WaitingTable(id="waiting", cursor_type="row", zebra_stripes=True)
        yield ItemLine(id="counts")
        yield Static("", id="printer-warning")
        yield Static(app.printer_line(), id="printer-state")
        yield Static(self.pst.sync_text(), classes="sync-bar")
        yield ItemLine(separator="  ", id="more-keys")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        app = self.pst
        app.localize_bindings(self)
        self._show_clock(app.clock.now())
        self.app.sub_title = app.settings.office.name
        self.show_printers()  # as last read (a screen pushed again need not wait 15 s)
        table = self.query_one("#waiting", DataTable)
        # The wait comes right after the number, so a narrow terminal cuts the service name,
        # not the 10-minute flag.
        for key in ("col_number", "col_waited", "col_priority", "col_service"):
            table.add_column(_cell(app.t(f"counter.{key}")), key=key)
        self.show_keys()
        self._refresh_queue()
        self.pst.after_paint(self._after_first_paint)
        self.set_interval(1.0, self.tick)

    def show_keys(self) -> None:
        """The keys the footer has no room for. An open desk has no account to leave: Ctrl+L
        ("Keluar akun") is offered only with someone logged in."""
        app = self.pst
        self.query_one("#more-keys", ItemLine).set_items(
            app.more_keys(self, skip=() if app.user else ("counter.key.logout",)))

    def on_screen_resume(self) -> None:
        """Back from orders, lockers or a dialog: what was done there (a referral moves the
        current ticket) shows at once, not at the next commit elsewhere. Shown first (the
        resume that follows the mount), nothing has changed since on_mount read it."""
        if self.is_mounted and self._read_at != self._store_version():
            with suppress(NoMatches):  # resumed before compose finished: on_mount reads
                self.refresh_data()

    def _store_version(self) -> tuple[int, int, object]:
        """Moves with any commit, another connection's (data_version) or this one's, and
        with the office's day."""
        app = self.pst
        return app.store.data_version(), app.store.conn.total_changes, app.queue.today()

    # -- showing --------------------------------------------------------------------

    def _wait_cells(self, ticket: Ticket, now: datetime) -> tuple[Text, Text]:
        """The number and wait cells (the plain wait since the ticket was taken); past the
        service standard as the seeds word it (``kiosk.standard``) both are flagged."""
        waited = ticket.waited_seconds(now)
        late = self._desk.wait(ticket.queued_at, now) >= self.pst.settings.queue.service_standard_minutes * 60
        style = "bold reverse" if late else ""
        return Text(ticket.number, style=style), Text(("! " if late else "") + _mmss(waited), style=style)

    def tick(self) -> None:
        """Every second: only the clocks move (times waited), no store read."""
        from screens.login import LoginScreen

        if isinstance(self.app.screen, LoginScreen):  # the base of an open desk that got its
            return  # first account: the login over it says whose turn it is, not this title
        now = self.pst.clock.now()
        self._show_clock(now)
        self._show_current(now)
        table = self.query_one("#waiting", DataTable)
        for ticket in self._waiting:
            number, waited = self._wait_cells(ticket, now)
            table.update_cell(ticket.id, "col_number", number)
            table.update_cell(ticket.id, "col_waited", waited)

    def _show_clock(self, now: datetime) -> None:
        """Counter, the office's time and who is at the desk: the title comes first in the
        header, so the officer stays in view at 80 columns (the office name is cut first)."""
        app = self.pst
        title = f"{app.t('counter.title', counter=self.counter)} • {now.astimezone(app.settings.office.tz):%H:%M}"
        if app.user is not None:
            title += f" • {app.user.name} ({app.user.role})"
        self.app.title = title

    def refresh_data(self) -> None:
        """Re-read the store: after an action here, or a commit elsewhere (data_version)."""
        self._refresh_queue()
        self._refresh_desk()

    def _refresh_queue(self) -> None:
        """The current ticket and who waits: what the counter works with (its first paint)."""
        app = self.pst
        now = app.clock.now()
        self._read_at = self._store_version()
        self.current = app.queue.active(self.counter)
        self._current_guest = guest_for_ticket(app.store, self.current.id) if self.current else None
        self._show_current(now)
        self._waiting = app.queue.waiting(self.services or None)
        self._desk = standard.desk(app.store, app.queue.today())
        table = self.query_one("#waiting", WaitingTable)
        if table.service_width() is None:  # not laid out yet: the rows wait for the width,
            table.fill_on_resize = lambda: self._fill_waiting(app.clock.now())  # one layout, not two
        else:
            self._fill_waiting(now)
        counts = app.queue.waiting_counts()
        # A narrow screen wraps between services, never between a name and its count.
        self._queue_items = [escape(item) for item in [
            *(f"{by_code(code).letter} {by_code(code).name(app.lang)}: {count}" for code, count in counts.items()),
            *([f"[{app.t('counter.filter_on')}: {', '.join(by_code(c).letter for c in self.services)}]"]
              if self.services else [])]]
        self._show_counts()

    def _refresh_desk(self) -> None:
        """The desk's reminders (visits without a record, open complaints) and the printers'
        trouble. Shown first, the counter reads them just after its first paint, and loads
        the desk's and the printing code only then (issue 17)."""
        from kiosk import printing
        from kiosk.desk import complaints, records

        app = self.pst
        missing = records.unrecorded(app.store, app.queue.today())
        still_open, overdue = complaints.open_counts(app.store, app.settings)
        self._desk_items = [escape(item) for item in [
            *([app.t("desk.unrecorded", count=missing)] if missing else []),
            *([app.t("desk.complaints_open", open=still_open, overdue=overdue)] if still_open else [])]]
        self._show_counts()
        warning = self.query_one("#printer-warning", Static)
        if self._no_printer:  # an office without a printer: said once, not as a failure per ticket
            warning.update(app.t("counter.printer_none"))
            warning.display = True
        else:
            failed = printing.pending_problems(app.store)
            latest = printing.last_problem(app.store) if failed else None
            warning.update(app.t("printing.problem", count=failed, printer=latest[0],
                                 reason=printing.fault_text(latest[1], app.lang)) if latest else "")
            warning.display = bool(failed)

    def _after_first_paint(self) -> None:
        if self.is_attached:
            with suppress(NoMatches):  # closed meanwhile
                self._refresh_desk()

    def _show_counts(self) -> None:
        self.query_one("#counts", ItemLine).set_items([*self._queue_items, *self._desk_items])

    def _show_current(self, now: datetime) -> None:
        app, ticket = self.pst, self.current
        digits = self.query_one("#current-number", Digits)
        info = self.query_one("#current-info", Static)
        if ticket is None:
            digits.update("---")
            info.update(app.t("counter.idle"))
            return
        digits.update(ticket.number)
        tz = app.settings.office.tz
        # What the officer needs facing the visitor comes first: the service and state, then
        # who they are and why they came; the queue's times last. At 80x24 the panel holds
        # about ten lines below the number: the purpose, once last, was cut off.
        lines = [
            by_code(ticket.service).name(app.lang),
            app.t("status." + ticket.status) + (f" • {app.t('counter.yes_priority')}" if ticket.priority else ""),
        ]
        if ticket.started_at:
            lines.append(app.t("counter.serving_for",
                               duration=_mmss((now - ticket.started_at).total_seconds())))
        guest = self._current_guest
        if guest is not None:
            lines += ["", guest.name,
                      app.t("counter.purpose", purpose=identity.choice_name("purpose", guest.purpose, app.lang)),
                      f"{identity.choice_name('id_type', guest.id_type, app.lang)} {guest.id_masked}",
                      identity.choice_name("segment", guest.segment, app.lang)
                      + (f" • {guest.institution}" if guest.institution else "")]
        else:
            lines += ["", app.t("counter.no_guestbook")]
        lines += ["", app.t("counter.issued_at", time=f"{ticket.issued_at.astimezone(tz):%H:%M}"),
                  app.t("counter.waited", duration=_mmss(ticket.waited_seconds(now)))]
        if ticket.standard_wait_seconds is not None:
            lines.append(app.t("desk.standard_wait", duration=_mmss(ticket.standard_wait_seconds)))
        if ticket.recalls:
            lines.append(app.t("counter.recalled", count=ticket.recalls))
        info.update("\n".join(lines))

    def _fill_waiting(self, now: datetime) -> None:
        app = self.pst
        table = self.query_one("#waiting", WaitingTable)
        table.fill_on_resize = None
        selected = self._selected_id()
        table.clear()
        table.services = {ticket.id: by_code(ticket.service) for ticket in self._waiting}
        for ticket in self._waiting:
            number, waited = self._wait_cells(ticket, now)
            table.add_row(
                number,
                waited,
                _cell(app.t("counter.yes") if ticket.priority else "", no_wrap=True),
                _cell(table.service_text(table.services[ticket.id]), no_wrap=True),
                key=ticket.id,
            )
        if selected is not None and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))

    def _selected_id(self) -> str | None:
        table = self.query_one("#waiting", DataTable)
        if table.row_count == 0:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:  # noqa: BLE001 - no cursor yet
            return None

    # -- acting ---------------------------------------------------------------------

    def _do(self, action, *args) -> Ticket | None:  # noqa: ANN001, ANN002
        """Run a use case; refusals and failures become a message, never a crash."""
        try:
            result = action(*args)
        except DomainError as exc:
            self.notify(exc.message(self.pst.lang), severity="warning")
            return None
        except Exception as exc:  # noqa: BLE001
            self.notify(friendly_error(self.pst, exc), severity="error")
            return None
        self.refresh_data()
        return result

    def _need_current(self) -> Ticket | None:
        if self.current is None:
            self.notify(self.pst.t("counter.nothing_current"), severity="warning")
        return self.current

    def action_call_next(self) -> None:
        ticket = self._do(self.pst.queue.call_next, self.counter, self.services or None)
        if ticket:
            self.notify(self.pst.t("counter.called", number=ticket.number))

    def action_call_number(self) -> None:
        def chosen(number: str | None) -> None:
            if number:
                self._call_specific(number)

        from screens.counter_dialogs import CallNumberScreen

        self.app.push_screen(CallNumberScreen(), chosen)

    def _call_specific(self, number: str) -> None:
        ticket = self._do(self.pst.queue.call, self.counter, number)
        if ticket:
            self.notify(self.pst.t("counter.called", number=ticket.number))

    @on(DataTable.RowSelected, "#waiting")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        ticket = self.pst.queue.get(event.row_key.value)
        self._call_specific(ticket.number)

    def _act(self, action, done_key: str) -> None:  # noqa: ANN001
        """Run an action on the current ticket and say what happened, in a short toast."""
        if ticket := self._need_current():
            if (result := self._do(action, ticket.id)) is not None:
                self.notify(self.pst.t(done_key, number=result.number), timeout=3)

    def action_recall(self) -> None:
        self._act(self.pst.queue.recall, "counter.recalled_now")

    def action_no_show(self) -> None:
        """X sits next to C: always asked, so a slip never drops a visitor from the queue."""
        ticket = self._need_current()
        if ticket is None:
            return

        from screens.counter_dialogs import YesNoScreen

        def answered(yes: bool | None) -> None:
            if yes and self.current is not None and self.current.id == ticket.id:
                self._act(self.pst.queue.no_show, "counter.no_show_done")

        self.app.push_screen(YesNoScreen(self.pst.t("counter.no_show_confirm", number=ticket.number)),
                             answered)

    def action_start(self) -> None:
        self._act(self.pst.queue.start, "counter.started")

    def action_finish(self) -> None:
        """F: a visit whose order is not handed over (unpaid, awaiting the treasurer, not
        delivered), or whose card is still in a locker, is asked about first, saying so."""
        ticket = self._need_current()
        if ticket is None:
            return
        from kiosk import sales
        from kiosk.sales import view as order_view
        from screens.counter_dialogs import YesNoScreen

        from kiosk import lockers

        app = self.pst
        if ticket.status not in app.queue.FINISH_FROM:  # refused anyway ("start serving first"): said, not asked
            self._act(app.queue.finish, "counter.finished")
            return
        try:
            open_orders = sales.open_for_ticket(app.store, ticket.id)
            held = lockers.open_for_ticket(app.store, ticket.id)
        except Exception as exc:  # noqa: BLE001 - a message, never a crash
            self.notify(friendly_error(app, exc), severity="error")
            return
        if not open_orders and not held:
            self._act(app.queue.finish, "counter.finished")
            return
        said = []
        if held:  # the card first: it is the visitor's own, and leaves with them or not at all
            said.append(app.t("finishlocker.card_held", number=ticket.number,
                              lockers=", ".join(str(n) for n in held)))
        if open_orders:  # its words end with the question
            said.append(app.t("firstday.finish_open_order", number=ticket.number, order=open_orders[0].number,
                              state=order_view.state(open_orders[0], app.lang, app.clock.now())))
        else:
            said.append(app.t("finishlocker.ask"))

        def answered(yes: bool | None) -> None:
            if yes and self.current is not None and self.current.id == ticket.id:
                self._act(app.queue.finish, "counter.finished")

        app.push_screen(YesNoScreen("\n".join(said)), answered)

    def action_transfer(self) -> None:
        ticket = self._need_current()
        if ticket is None:
            return

        from screens.counter_dialogs import ChooseServiceScreen

        def chosen(code: str | None) -> None:
            if code:
                moved = self._do(self.pst.queue.transfer, ticket.id, code)
                if moved:
                    self.notify(self.pst.t("counter.transferred", number=moved.number,
                                           service=by_code(code).name(self.pst.lang)))

        self.app.push_screen(ChooseServiceScreen(self.pst.t("counter.transfer_to"),
                                                 exclude=ticket.service), chosen)

    def action_lockers(self) -> None:
        from screens.lockers import LockerScreen

        guest = guest_for_ticket(self.pst.store, self.current.id) if self.current else None
        self.app.push_screen(LockerScreen(guest))

    def action_dashboard(self) -> None:
        """The day at a glance: officers and the admin (not the treasurer's desk)."""
        from kiosk.reports import READERS
        from screens.dashboard import DashboardScreen

        try:  # the readers use the same rule again (kiosk.reports)
            accounts.require(self.pst.store, self.pst.user, *READERS)
        except accounts.Forbidden as exc:
            self.notify(exc.message(self.pst.lang), severity="warning")
            return
        self.app.push_screen(DashboardScreen())

    def action_record(self) -> None:
        """The service record of the ticket at the counter; with none there, the day's visits
        (finished ones stay editable until the end of the day)."""
        from kiosk.desk import records
        from screens.records import RecordScreen, VisitsScreen

        try:
            accounts.require(self.pst.store, self.pst.user, *records.WRITERS)
        except accounts.Forbidden as exc:
            self.notify(exc.message(self.pst.lang), severity="warning")
            return
        if self.current is not None:  # called or being served
            self.app.push_screen(RecordScreen(self.current), lambda _saved: self.refresh_data())
        else:
            self.app.push_screen(VisitsScreen())

    def action_complaints(self) -> None:
        from screens.complaints import ComplaintsScreen

        self.app.push_screen(ComplaintsScreen())

    def action_orders(self) -> None:
        from screens.orders import OrdersScreen

        guest = guest_for_ticket(self.pst.store, self.current.id) if self.current else None
        self.app.push_screen(OrdersScreen(guest, self.current.id if self.current else None))

    def action_filter(self) -> None:
        from screens.counter_dialogs import FilterScreen

        def chosen(codes: list[str] | None) -> None:
            if codes is not None:
                self.services = codes
                self.refresh_data()

        self.app.push_screen(FilterScreen(self.services), chosen)

    def action_reprint(self) -> None:
        """Reprint the current ticket, or the one selected in the waiting list."""
        target = self.current.id if self.current else self._selected_id()
        if target is None:
            self.notify(self.pst.t("counter.nothing_current"), severity="warning")
            return
        from kiosk.tickets import reprint_ticket

        settings = self.pst.settings  # the copy comes out here, at this counter
        job_id = self._do(lambda: reprint_ticket(self.pst.store, settings, target, actor=self.pst.user,
                                                 printer=settings.destination("counter")))
        if job_id:
            self.pst.print_in_background(job_id, self._report_print)

    def action_retry_print(self) -> None:
        self.pst.print_in_background(None, self._report_print)

    def _report_print(self, results: list[printing.PrintResult]) -> None:
        app = self.pst
        if not results:
            self.notify(app.t("counter.print_nothing"))
        elif all(r.printed for r in results):
            self.notify(app.t("counter.print_done", count=len(results)))
        elif all(r.printed or r.sent for r in results):  # no printer answered: never "dicetak"
            self.notify(app.t("printing.done_sent", count=len(results)))
        else:
            bad = next(r for r in results if not (r.printed or r.sent))
            self.notify(bad.message(app.lang), severity="error")
        if self.is_attached:
            self.refresh_data()

    def show_printers(self) -> None:
        """Each printer's state, read in the background (``PstApp.check_printers``)."""
        line = self.query_one("#printer-state", Static)
        text = self.pst.printer_line()
        line.update(text)
        line.display = bool(text)
        line.set_class(any(s in PRINTER_TROUBLE for s in self.pst.printer_states.values()), "-problem")


class CounterApp(PstApp):
    """The officers' face: login (once accounts exist), counter, lockers; idle locks it."""

    CSS_PATH = "counter.tcss"
    ENABLE_COMMAND_PALETTE = False
    TITLE = "PST Loket"

    def __init__(self, *args, counter: int | None = None, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.counter = counter
        self.user: User | None = None
        self.last_activity = time.monotonic()
        self._to_login = False  # the first account appeared: the login is on its way

    def _counter_given(self) -> bool:
        return bool(self.counter) and 1 <= self.counter <= self.settings.office.counters

    def get_default_screen(self) -> Screen[None]:
        """An open desk told its counter starts on the counter's screen, the base of the
        stack: painted first, with no blank screen before it (issue 17: the first paint
        took twice as long). The login, or the choice of counter, comes over a blank one."""
        if self._counter_given() and not accounts.enforced(self.store):
            self._serve_counter(self.counter)
            return CounterScreen(self.counter)
        return super().get_default_screen()

    def on_mount(self) -> None:
        super().on_mount()
        self.set_interval(5.0, self._check_idle)
        self.watch_printers(self.settings.printer_names())  # the officer sees every printer
        if isinstance(self.screen_stack[0], CounterScreen):
            return  # already the first screen
        if accounts.enforced(self.store):
            from screens.login import LoginScreen

            self.push_screen(LoginScreen(), self._logged_in)
        else:
            self._start()

    def _logged_in(self, user: User | None) -> None:
        if user is None:
            return
        self.set_user(user)
        self._start()

    def set_user(self, user: User | None) -> None:
        """Who is at the desk: the counter's title shows them (``CounterScreen._show_clock``)."""
        self.user = user
        self.queue = self.queue.as_user(user)
        self.sub_title = self.settings.office.name
        counters = [s for s in self.screen_stack if isinstance(s, CounterScreen)]
        if counters and user is not None:
            counters[-1]._show_clock(self.clock.now())
            if counters[-1].is_mounted:
                counters[-1].show_keys()  # an open desk's screen, now someone's: Ctrl+L too
        else:  # logged out: the next officer's login shows nobody's name
            self.title = self.TITLE

    def _start(self) -> None:
        if self._counter_given():
            self._serve_counter(self.counter)
            base = self.screen_stack[0]
            if not isinstance(base, CounterScreen):
                self.push_screen(CounterScreen(self.counter))
            elif base.services:  # shown again, the login gone: the next officer starts unfiltered,
                base.services = []  # as on a screen of their own
                if base.is_mounted:
                    with suppress(NoMatches):
                        base.refresh_data()
        else:
            from screens.counter_dialogs import CounterPickScreen

            if self.counter:  # --counter 9 in an office of 4: say so, then let them choose
                self.notify(self.t("counterpick.no_such_counter", counter=self.counter,
                                   counters=self.settings.office.counters), severity="warning", timeout=10)
            self.push_screen(CounterPickScreen(), self._picked)

    def _picked(self, counter: int | None) -> None:
        if counter:
            self.counter = counter
            self._serve_counter(counter)
            self.push_screen(CounterScreen(counter))

    def _serve_counter(self, counter: int) -> None:
        """This face serves ``counter``: its slips, invoices and receipts print on its printer."""
        self.settings = self.settings.at_counter(counter)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_activity = time.monotonic()
        await super().on_event(event)

    def _check_idle(self) -> None:
        from screens.login import LockScreen, LoginScreen

        if self.user is None or isinstance(self.screen, (LockScreen, LoginScreen)):
            return
        if time.monotonic() - self.last_activity >= self.settings.counter.lock_minutes * 60:
            self.lock()

    def lock(self) -> None:
        from screens.login import LockScreen

        def unlocked(user: User | None) -> None:
            if user is not None:
                self.set_user(user)
                self.last_activity = time.monotonic()

        self.push_screen(LockScreen(self.user), unlocked)

    def store_changed(self) -> None:
        """The first account was just made (``pst-kiosk user add`` elsewhere): an open desk
        becomes a logged-in one at once, not at the next refused key."""
        from screens.counter_dialogs import CounterPickScreen
        from screens.login import LoginScreen

        # The open desk's counter screen stays at the base under the login: the login already
        # shown is not shown again (each write to the store, a failed login's too, would
        # clear what the officer typed).
        working = any(isinstance(s, (CounterScreen, CounterPickScreen)) for s in self.screen_stack)
        asking = any(isinstance(s, LoginScreen) for s in self.screen_stack)
        if working and not asking and self.user is None and not self._to_login and accounts.enforced(self.store):
            self._to_login = True
            self.notify(self.t("firstday.login_now"), timeout=8)
            self.call_later(self._show_login)
            return
        super().store_changed()

    async def _show_login(self) -> None:
        """Close the open desk's screens one by one (each pop awaited: a closing screen's
        header must not hear the next title), then the login. The title changes only after:
        a header still mounting on a closing screen would look for its title and fail."""
        from screens.login import LoginScreen

        while len(self.screen_stack) > 1:
            await self.pop_screen()
        self.set_user(None)
        self._to_login = False
        self.push_screen(LoginScreen(), self._logged_in)

    def _serving(self) -> Ticket | None:
        """The ticket this counter is calling or serving now, if any."""
        if self.counter is None:
            return None
        with suppress(Exception):  # a broken store must not keep the officer from quitting
            return self.queue.active(self.counter)
        return None

    async def action_quit(self) -> None:
        """Ctrl+Q: while a visitor is being called or served, asked first."""
        from screens.counter_dialogs import YesNoScreen

        ticket = self._serving()
        # Ctrl+Q again on the quit question itself quits; on any other question (a no-show,
        # a finish) it asks like anywhere else.
        if ticket is None or self.screen is getattr(self, "_quit_question", None):
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self._quit_question = YesNoScreen(self.t("firstday.quit_serving", counter=self.counter,
                                                 number=ticket.number,
                                                 status=self.t(f"status.{ticket.status}")))
        self.push_screen(self._quit_question, answered)

    def action_logout(self) -> None:
        """Leave the account: back to the login screen, the counter stays chosen."""
        if not accounts.enforced(self.store):
            return
        from screens.login import LoginScreen

        accounts.logout(self.store, self.user)
        self.set_user(None)
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(LoginScreen(), self._logged_in)

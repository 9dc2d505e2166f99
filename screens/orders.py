"""Sales at the counter: the order list, newest first, with its filters; a new order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, get_args

from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Static

from kiosk import identity, sales
from kiosk.errors import DomainError, Invalid
from kiosk.money import rupiah, thousands
from kiosk.sales import view as order_view
from kiosk.sales.models import OFFICERS
from screens.base import ItemLine, LogoutKey, TitleHeader, friendly_error
from screens.forms import Field, FormScreen
from screens.order import OrderScreen

if TYPE_CHECKING:
    from screens.counter_app import CounterApp

LIST_LIMIT = 200  # rows on screen; the title says "200 of N" when there are more


class OrdersScreen(LogoutKey, Screen[None]):
    """All orders, newest first, with filters."""

    BINDINGS = [
        Binding("n", "new", "Pesanan baru", id="orders.key.new"),
        # The filters wrap in a line above the footer: all of them never fit in 80 columns.
        Binding("a", "filter('all')", "Semua", id="orders.key.all", show=False),
        Binding("w", "filter('awaiting')", "Menunggu bayar", id="orders.key.awaiting", show=False),
        Binding("v", "filter('verification')", "Menunggu verifikasi", id="orders.key.verification",
                show=False),
        Binding("e", "filter('expiring')", "Invoice hampir habis", id="orders.key.expiring", show=False),
        Binding("x", "filter('expired')", "Invoice kedaluwarsa", id="orders.key.expired", show=False),
        Binding("s", "pick_status", "Status", id="orders.key.status", show=False),
        Binding("ctrl+l", "logout", "Keluar akun", id="counter.key.logout", show=False),
        Binding("escape", "back", "Kembali", id="orders.key.back"),
    ]

    def __init__(self, guest=None, ticket_id: str | None = None) -> None:  # noqa: ANN001
        super().__init__()
        self.guest = guest
        self.ticket_id = ticket_id
        self.filter = "all"
        self.status: str | None = None  # with filter "status"
        self._rows: list[tuple[str, dict[str, str]]] = []  # (order id, column -> text)

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield TitleHeader()
        yield Static("", id="orders-title", classes="title")
        yield DataTable(id="orders", cursor_type="row", zebra_stripes=True)
        yield ItemLine(separator="  ", id="more-keys")
        yield Footer()

    def on_mount(self) -> None:
        app = self.pst
        app.localize_bindings(self)
        self.query_one("#more-keys", ItemLine).set_items(more_keys(self))
        self.refresh_data()
        self.query_one("#orders", DataTable).focus()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._fill)  # the customer and status columns take the new width

    def refresh_data(self) -> None:
        app = self.pst
        filters = {"status": self.status if self.filter == "status" else None,
                   "awaiting_payment": self.filter == "awaiting",
                   "awaiting_verification": self.filter == "verification",
                   "expiring_within_days": 7 if self.filter == "expiring" else None,
                   "expired": self.filter == "expired"}
        rows = sales.list_orders(app.store, limit=LIST_LIMIT, **filters)
        count = thousands(len(rows))
        if len(rows) == LIST_LIMIT:
            total = sales.count_orders(app.store, **filters)
            if total > len(rows):
                count = app.t("orders.capped", shown=count, total=thousands(total))
        status = order_view.status_name(self.status, app.lang) if self.status else ""
        self.query_one("#orders-title", Static).update(
            escape(app.t(f"orders.filter.{self.filter}", count=count, status=status)))
        tz = app.settings.office.tz
        now = app.store.clock.now()
        self._rows = []
        for o in rows:
            valid = ""
            if o.valid_until and o.status == "invoiced":  # expired: the state says so
                valid = f"{o.valid_until.astimezone(tz):%d-%m-%Y}"
            self._rows.append((o.id, {"number": o.number, "total": rupiah(o.total), "customer": o.customer_name,
                                      "valid": valid, "status": order_view.row_state(o, app.lang, now)}))
        self._fill()

    def _fill(self) -> None:
        """The rows, in columns that fit the width: number, amount and the invoice's last day
        whole; the customer and the state share what is left, cut with "…" (the order shows
        them whole). The cursor stays on its order when rows move."""
        app = self.pst
        table = self.query_one("#orders", DataTable)
        keys = ("number", "total", "customer", "valid", "status")
        labels = {key: app.t(f"orders.col.{key}") for key in keys}
        widths = {key: max(cell_len(text) for text in [labels[key], *(row[key] for _, row in self._rows)])
                  for key in keys}
        width = table.scrollable_content_region.width or self.app.size.width
        room = width - 2 * table.cell_padding * len(keys) - 2  # the vertical scrollbar may come
        rest = room - widths["number"] - widths["total"] - widths["valid"]
        if widths["customer"] + widths["status"] > rest:
            # Each gets its share (the customer a little more) or what it needs, if less.
            share = max(8, rest * 11 // 20)
            if widths["customer"] > share:
                widths["customer"] = max(share, rest - widths["status"])
            widths["status"] = max(8, rest - widths["customer"])
        cursor = table.cursor_row
        current = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
        table.clear(columns=True)
        for key in keys:
            label = labels[key]
            table.add_column(Text(label, justify="right") if key == "total" else label, key=key, width=widths[key])
        for order_id, row in self._rows:
            table.add_row(*(Text(row[key], justify="right" if key == "total" else "left", no_wrap=True,
                                 overflow="ellipsis") for key in keys), key=order_id)
        ids = [order_id for order_id, _ in self._rows]
        if ids:
            table.move_cursor(row=ids.index(current) if current in ids else min(cursor, len(ids) - 1))

    def action_filter(self, which: str) -> None:
        self.filter = which
        self.refresh_data()

    def action_pick_status(self) -> None:
        app = self.pst
        options = [(order_view.status_name(code, app.lang), code) for code in get_args(sales.Status)]

        def done(values: dict[str, Any] | None) -> None:
            if values and values.get("status"):
                self.filter, self.status = "status", values["status"]
                self.refresh_data()

        self.app.push_screen(FormScreen(app.t("orders.status_title"), [
            Field("status", app.t("orders.col.status"), "select", options, value=self.status)],
            app.t("counter.ok"), app.t("guest.cancel")), done)

    @on(DataTable.RowSelected, "#orders")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(OrderScreen(event.row_key.value), lambda _: self.refresh_data())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """N (new order) is an officer's: a treasurer is not offered it (she filled the whole
        form, then read that she may not)."""
        if action == "new":
            user = self.pst.user
            return user is None or user.role in OFFICERS
        return super().check_action(action, parameters)

    def action_new(self) -> None:
        app = self.pst
        if self.guest is not None:
            try:
                order = sales.create_order(app.store, app.settings, app.user, guest_id=self.guest.guest_id,
                                           ticket_id=self.ticket_id)
            except Exception as exc:  # noqa: BLE001
                self.notify(friendly_error(app, exc), severity="error")
                return
            self.app.push_screen(OrderScreen(order.id), lambda _: self.refresh_data())
            return
        segments = [(identity.choice_name("segment", c, app.lang), c) for c in identity.choice_codes("segment")]
        created: dict[str, str] = {}

        def submit(v: dict[str, Any]) -> dict[str, str] | None:
            try:
                # The order belongs to the visit at the counter, guestbook entry or not: F and V
                # find it by its ticket.
                order = sales.create_order(app.store, app.settings, app.user, customer_name=v["customer_name"],
                                           segment=v["segment"], npwp=v["npwp"], abroad=bool(v["abroad"]),
                                           ticket_id=self.ticket_id)
            except Invalid as exc:
                return exc.field_messages(app.lang)
            except DomainError as exc:
                return {"_": exc.message(app.lang)}
            created["id"] = order.id
            return None

        def done(values: dict[str, Any] | None) -> None:
            if values is not None and "id" in created:
                converted = identity.npwp_conversion(values.get("npwp"))
                if converted:
                    self.notify(app.t("identity.npwp_converted", legacy=converted[0], npwp=converted[1]),
                                timeout=10)
                self.app.push_screen(OrderScreen(created["id"]), lambda _: self.refresh_data())

        self.app.push_screen(FormScreen(app.t("orders.new_title"), [
            Field("customer_name", app.t("orders.f.customer")),
            Field("segment", app.t("guest.field.segment"), "select", segments),
            Field("npwp", app.t("guest.field.npwp").rstrip(" *"), placeholder=app.t("guest.hint.npwp")),
            Field("abroad", app.t("orders.f.abroad"), "check"),
        ], app.t("orders.create"), app.t("guest.cancel"), submit), done)

    def action_back(self) -> None:
        self.dismiss()


def more_keys(screen: Screen) -> list[str]:
    """The screen's key line; without a login, no "log out"."""
    app: CounterApp = screen.app  # type: ignore[assignment]
    logout = [b for b in screen._bindings.key_to_bindings.get("ctrl+l", []) if b.action == "logout"]
    hidden = {f"[b]{app.get_key_display(b)}[/b] {b.description}" for b in logout} if app.user is None else set()
    return [item for item in app.more_keys(screen) if item not in hidden]


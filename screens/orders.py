"""Sales at the counter: the order list, and one order with its lines, live total,
document checklist, timeline and only the actions allowed now for this role."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, get_args

from rich.cells import cell_len
from rich.markup import escape
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, ItemGrid, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Header, Static

from kiosk import identity, order_view, payments, sales
from kiosk.catalogue import Product, active
from kiosk.errors import DomainError, Invalid
from kiosk.money import rupiah, thousands
from kiosk.sales_print import print_invoice, print_receipt
from screens.base import ItemLine, LogoutKey, friendly_error
from screens.forms import Field, FormScreen

if TYPE_CHECKING:
    from screens.counter_app import CounterApp

LIST_LIMIT = 200  # rows on screen; the title says "200 of N" when there are more

# One fixed key per order action, shown on its button: the same key always does the same
# thing, whichever buttons an order offers now (mostly the Indonesian label's initial).
# The keys are the order screen's own, so they never reach a dialog's fields.
ACTION_KEYS = {
    "add_line": "t", "remove_line": "h", "agree": "s", "check": "d", "invoice": "i", "revise": "r",
    "prepare": "p", "pay": "b", "verify": "v", "reject": "l", "receipt": "k", "sppd": "m",
    "deliver": "e", "correction": "f", "resolve": "g", "print_invoice": "c", "print_receipt": "u",
    "cancel": "x",
}


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
        yield Header()
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
                order = sales.create_order(app.store, app.settings, app.user, customer_name=v["customer_name"],
                                           segment=v["segment"], npwp=v["npwp"], abroad=bool(v["abroad"]))
            except Invalid as exc:
                return exc.field_messages(app.lang)
            except DomainError as exc:
                return {"_": exc.message(app.lang)}
            created["id"] = order.id
            return None

        def done(values: dict[str, Any] | None) -> None:
            if values is not None and "id" in created:
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


class OrderScreen(LogoutKey, Screen[None]):
    """One order. The buttons are exactly ``order_view.allowed_actions`` for this user, each
    with its key (``ACTION_KEYS``) on it; they wrap into as many rows as the width needs."""

    BINDINGS = [
        Binding("escape", "back", "Kembali", id="orders.key.back"),
        Binding("ctrl+l", "logout", "Keluar akun", id="counter.key.logout"),
        *(Binding(key, f"act('{name}')", name, id=f"orders.act.{name}", show=False)
          for name, key in ACTION_KEYS.items()),
    ]

    def __init__(self, order_id: str) -> None:
        super().__init__()
        self.order_id = order_id
        self.order: sales.Order | None = None
        self.allowed: list[str] = []
        self._history = ""

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="order-title", classes="title")
        with Horizontal(id="order-main"):
            with Vertical(id="order-left"):
                yield DataTable(id="lines", cursor_type="row")
                yield Static("", id="order-total")
                yield Static("", id="checklist")
                yield Static("", id="order-hint")
            # Scrolled by the mouse wheel; never a silent stop for Tab between the lines and the buttons.
            with VerticalScroll(id="order-right", can_focus=False):
                yield Static("", id="timeline")
        yield ItemGrid(id="actions")
        yield Footer()

    def on_mount(self) -> None:
        self.pst.localize_bindings(self)
        self.refresh_data()

    def on_resize(self, event: events.Resize) -> None:
        self.call_after_refresh(self._show_lines)  # the title column takes the new width

    def refresh_data(self) -> None:
        app = self.pst
        order = self.order = sales.get(app.store, self.order_id)
        tz = app.settings.office.tz
        now = app.store.clock.now()
        self.query_one("#order-title", Static).update(escape(
            f"{order.number} • {order.customer_name} • {order_view.state(order, app.lang, now)}"
            + (f" • Rp0 ({order.zero_basis})" if order.zero_tariff else "")))
        self._show_lines()
        total = f"{app.t('orders.total')}: {rupiah(order.total)}"
        if order.invoice:
            expired = order.status == "invoiced" and now > order.invoice.valid_until
            total += "   " + app.t("orders.invoice_expired" if expired else "orders.invoice_line",
                                   number=order.invoice.number, version=order.invoice.version,
                                   until=f"{order.invoice.valid_until.astimezone(tz):%d-%m-%Y}")
        deadline = payments.correction_deadline(app.store, app.settings, order)
        if deadline is not None:
            total += "\n" + app.t("orders.correction_until" if now <= deadline else "orders.correction_closed",
                                  date=f"{deadline:%d-%m-%Y}")
        self.query_one("#order-total", Static).update(total)
        marks = [escape(("[x] " if done else "[ ] ") + app.t(f"orders.doc.{key}"))  # not Rich markup
                 for key, done in order_view.documents(order, active(app.store)).items()]
        self.query_one("#checklist", Static).update(app.t("orders.checklist") + "\n" + "\n".join(marks))
        # Newest first: the step just taken shows at the top, under the heading, however long
        # the history and however narrow the panel, and a refresh never fights a scroll.
        history = app.t("orders.timeline_newest") + "\n" + "\n".join(
            escape(f"{when.astimezone(tz):%d-%m %H:%M}  {app.t('orders.event.' + key, **params)}")
            for when, key, params in reversed(order_view.timeline(order, app.lang)))  # typed notes, not markup
        if history != self._history:
            self._history = history
            self.query_one("#timeline", Static).update(history)
            self.query_one("#order-right", VerticalScroll).scroll_home(animate=False)
        role = app.user.role if app.user else None
        hint, words = self.query_one("#order-hint", Static), self._waiting_hint(order, role)
        hint.update(words)
        hint.display = bool(words)
        allowed = order_view.allowed_actions(app.store, app.settings, order, role)
        if allowed != self.allowed or not self.query(".act"):
            self._show_actions(allowed)

    def _waiting_hint(self, order: sales.Order, role: str | None) -> str:
        """A payment waiting for the treasurer, seen by someone else: who verifies it and how
        (on an open desk, the commands that make the accounts). Verifying money stays the
        treasurer's: an open desk does not get to do it."""
        if order.submitted_payment is None or role == "bendahara":
            return ""
        from kiosk import accounts

        store = self.pst.store
        if not accounts.enforced(store):
            return self.pst.t("firstday.treasurer_open_desk")
        if not accounts.role_exists(store, "bendahara"):
            return self.pst.t("firstday.treasurer_none")
        return self.pst.t("firstday.treasurer_login")

    def _show_actions(self, allowed: list[str]) -> None:
        """One compact button per action, its key first, in a grid as wide as the longest."""
        app = self.pst
        self.allowed = allowed
        focused = self.focused.name if isinstance(self.focused, Button) else None
        labels = [Content.assemble((ACTION_KEYS[a], "bold"), " ", app.t(f"orders.act.{a}")) for a in allowed]
        bar = self.query_one("#actions", ItemGrid)
        # the label, the button's padding (2) and the gap after it (1)
        bar.min_column_width = max((label.cell_length for label in labels), default=8) + 3
        bar.remove_children()
        buttons = [Button(label, name=a, classes="act", compact=True) for a, label in zip(allowed, labels)]
        bar.mount_all(buttons)
        self.refresh_bindings()
        again = next((b for b in buttons if b.name == focused), None)
        if again is not None:
            self.call_after_refresh(again.focus)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """An action's key works only while its button is offered."""
        if action == "act":
            return parameters[0] in self.allowed
        return super().check_action(action, parameters)

    def action_act(self, name: str) -> None:
        self._do(name)

    def _show_lines(self) -> None:
        """The lines, amount first and right-aligned, so prices are whole on 80 columns; the
        title takes the width left and wraps. Widths are set here: the table's own sizing
        keeps a column as wide as its first content (a price cut to "Rp50.")."""
        app, order = self.pst, self.order
        if order is None:
            return
        table = self.query_one("#lines", DataTable)
        catalogue = active(app.store)
        rows = [(rupiah(line.amount), order_view.line_detail(order, line, catalogue, app.lang), line.description,
                 line.id) for line in order.lines]
        labels = [app.t(f"orders.line.{key}") for key in ("amount", "detail", "product")]
        amount_w = max(cell_len(text) for text in [labels[0], *(r[0] for r in rows)])
        detail_w = max(cell_len(text) for text in [labels[1], *(r[1] for r in rows)])
        width = table.scrollable_content_region.width or self.app.size.width * 2 // 3
        room = width - amount_w - 6 * table.cell_padding - 2  # the vertical scrollbar may come
        detail_w = min(detail_w, max(8, room // 2))  # a long detail wraps too
        product_w = max(8, room - detail_w)
        cursor = table.cursor_row
        table.clear(columns=True)
        table.add_column(Text(labels[0], justify="right"), key="amount", width=amount_w)
        table.add_column(labels[1], key="detail", width=detail_w)
        table.add_column(labels[2], key="product", width=product_w)
        console = self.app.console
        for amount, detail, title, key in rows:
            # Each row's height is counted here, not left to the table (height=None): an auto
            # height is 0 until the table's next idle, and a row of height 0 is not drawn.
            height = max(1, *(len(Text(text).wrap(console, width)) for text, width
                              in ((detail, detail_w), (title, product_w))))
            table.add_row(Text(amount, justify="right", no_wrap=True), Text(detail), Text(title),
                          key=key, height=height)
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))

    # -- running actions ---------------------------------------------------------------

    def _run(self, fn: Callable[[], Any]) -> bool:
        try:
            fn()
        except DomainError as exc:
            self.notify(exc.message(self.pst.lang), severity="warning", timeout=8)
            return False
        except Exception as exc:  # noqa: BLE001
            self.notify(friendly_error(self.pst, exc), severity="error")
            return False
        self.refresh_data()
        return True

    def _form(self, title: str, fields: list[Field], action: Callable[[dict[str, Any]], Any],
              confirm: Callable[[dict[str, Any]], tuple[str, str, str] | None] | None = None) -> None:
        app = self.pst
        names = {f.name for f in fields}

        def submit(values: dict[str, Any]) -> dict[str, str] | None:
            try:
                action(values)
            except Invalid as exc:
                messages = exc.field_messages(app.lang)
                # A field this dialog does not show still has its say, under the form.
                other = [m for k, m in messages.items() if k not in names and k != "_"]
                if other:
                    messages["_"] = " ".join(filter(None, [messages.get("_"), *other]))
                return messages
            except DomainError as exc:
                return {"_": exc.message(app.lang)}
            return None

        self.app.push_screen(FormScreen(title, fields, app.t("counter.ok"), app.t("guest.cancel"),
                                        submit, confirm), lambda _: self.refresh_data())

    def _add_line(self, products: dict[str, Product]) -> None:
        """Pick the product first, then ask only what its tariff uses: the size (in the
        product's measure) for a tiered tariff, the printed price for a listed one."""
        app = self.pst
        store, user, oid = app.store, app.user, self.order_id

        def chosen(values: dict[str, Any]) -> dict[str, str] | None:
            return None if values.get("product") in products else {"product": app.t("orders.f.choose_product")}

        def details(values: dict[str, Any] | None) -> None:
            product = products.get((values or {}).get("product") or "")
            if product is None:
                return
            unit = product.unit(app.lang)
            fields = [Field("quantity", app.t("orders.f.quantity", unit=unit), "integer", value=1)]
            if product.rule == "tiered":
                fields.append(Field("measure", app.t("orders.f.measure", measure=product.measure(app.lang)),
                                    "integer"))
            elif product.rule == "listed":
                fields.append(Field("listed_price", app.t("orders.f.listed_price", unit=unit), "integer"))
            fields.append(Field("description", app.t("orders.f.description")))
            self._form(product.name(app.lang), fields, lambda v: sales.add_line(
                store, user, oid, product=product.code, quantity=v["quantity"] or 0, measure=v.get("measure"),
                listed_price=v.get("listed_price"), description=v["description"] or ""))

        options = [(p.name(app.lang), code) for code, p in products.items()]
        self.app.push_screen(FormScreen(app.t("orders.add_title"), [
            Field("product", app.t("orders.f.product"), "select", options)],
            app.t("guest.next"), app.t("guest.cancel"), chosen), details)

    def _print(self, make_job: Callable[[], str]) -> None:
        app = self.pst
        try:
            job_id = make_job()
        except Exception as exc:  # noqa: BLE001
            self.notify(friendly_error(app, exc), severity="error")
            return

        def done(results: list) -> None:  # noqa: ANN001
            bad = [r for r in results if not (r.printed or r.sent)]
            if bad or not results:
                self.notify(bad[0].message(app.lang) if bad else app.t("printer.fault.error"), severity="error")
            elif not all(r.printed for r in results):  # sent where nothing confirms: never "dicetak"
                self.notify(app.t("printing.done_sent", count=len(results)))
            else:
                self.notify(app.t("orders.printed"))

        app.print_in_background(job_id, done)

    @on(Button.Pressed, ".act")
    def _action(self, event: Button.Pressed) -> None:
        self._do(event.button.name)

    def _do(self, act: str) -> None:
        app, order = self.pst, self.order
        store, settings, user = app.store, app.settings, app.user
        oid = order.id
        if act == "add_line":
            reg = active(store).by_code(order.regulation)
            # Once documents were checked without the abstraksi, microdata and maps need a new order.
            late = order.status == "checked" and not order.abstraksi
            self._add_line({p.code: p for p in (reg.product if reg else []) if not (late and p.needs_documents)})
        elif act == "remove_line":
            table = self.query_one("#lines", DataTable)
            if table.row_count:
                key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
                self._run(lambda: sales.remove_line(store, user, oid, key))
        elif act == "agree":
            bases = [(b.name(app.lang), b.code) for b in active(store).zero_basis]
            self._form(app.t("orders.agree_title"), [
                Field("zero_basis", app.t("orders.f.zero_basis"), "select", bases,
                      hint=app.t("orders.f.zero_basis_hint")),
            ], lambda v: sales.agree(store, user, oid, zero_basis=v["zero_basis"]))
        elif act == "check":
            # Only the documents this order needs: the abstraksi for microdata and maps, the
            # request letter for a Rp0 sale; with none, the dialog says so.
            needs_documents = order.needs_documents(active(store))
            fields = [Field("abstraksi", app.t("orders.f.abstraksi"), "check", value=False),
                      Field("matches", app.t("orders.f.matches"), "check", value=True)] if needs_documents else []
            if order.zero_tariff:
                fields.append(Field("request_letter", app.t("orders.f.letter"), "check", value=False))

            def check(v: dict[str, Any]) -> None:
                checked = sales.check_documents(store, user, oid, abstraksi=v.get("abstraksi", False),
                                                matches=v.get("matches", True),
                                                request_letter=v.get("request_letter", False))
                if checked.status == "referred":
                    self._refer_ticket(checked)

            def refer_first(v: dict[str, Any]) -> tuple[str, str, str] | None:
                """Referring ends the sale: ask before an unticked "matches" does it."""
                if needs_documents and v.get("abstraksi") and not v.get("matches"):
                    return app.t("orders.refer_confirm"), app.t("orders.yes"), app.t("guest.cancel")
                return None
            self._form(app.t("orders.check_title" if fields else "orders.check_none"), fields, check,
                       confirm=refer_first)
        elif act == "invoice":
            def invoice(v: dict[str, Any]) -> None:
                sales.issue_invoice(store, settings, user, oid, sample_note=v.get("sample_note"))
                self._print(lambda: print_invoice(store, settings, user, oid))
            # The sample shown is asked only of an order with microdata (seed 001, step 9).
            sample = [Field("sample_note", app.t("orders.f.sample"), value=order.sample_note or "")
                      ] if order.has_kind(active(store), "microdata") else []
            until = sales.invoice_valid_until(store.clock.now(), settings)
            self._form(app.t("orders.invoice_title", total=rupiah(order.total), customer=order.customer_name,
                             until=f"{until:%d-%m-%Y}"), sample, invoice)
        elif act == "revise":
            self._form(app.t("orders.revise_title"), [Field("reason", app.t("orders.f.reason"),
                                                     hint=app.t("orders.revise_hint"))],
                       lambda v: sales.revise(store, user, oid, reason=v["reason"] or ""))
        elif act == "prepare":
            self._run(lambda: sales.mark_prepared(store, user, oid))
        elif act == "pay":
            methods = [(app.t(f"paper.method.{m}"), m) for m in ("cash", "billing", "transfer")]
            self._form(app.t("orders.pay_title"), [
                Field("method", app.t("orders.f.method"), "select", methods, value="cash"),
                Field("amount", app.t("orders.f.amount"), "integer", value=order.invoice.total if order.invoice else 0),
                Field("billing_code", app.t("orders.f.billing_code"), placeholder="15 angka"),
                Field("ntpn", "NTPN", placeholder="16 huruf/angka"),
                Field("proof", app.t("orders.f.proof")),
            ], lambda v: payments.submit_payment(store, user, oid, method=v["method"] or "", amount=v["amount"] or 0,
                                                 billing_code=v["billing_code"], ntpn=v["ntpn"], proof=v["proof"]))
        elif act == "verify":
            self._run(lambda: payments.verify_payment(store, user, oid))
        elif act == "reject":
            self._form(app.t("orders.reject_title"), [Field("reason", app.t("orders.f.reason"))],
                       lambda v: payments.verify_payment(store, user, oid, accept=False, reason=v["reason"] or ""))
        elif act == "receipt":
            if self._run(lambda: payments.issue_receipt(store, settings, user, oid)):
                self._print(lambda: print_receipt(store, settings, user, oid))
        elif act == "sppd":
            self._form(app.t("orders.sppd_title"), [Field("meterai", app.t("orders.f.meterai"), "check", value=True)],
                       lambda v: payments.record_sppd(store, user, oid, meterai=v["meterai"]))
        elif act == "deliver":
            media = [(app.t(f"orders.medium.{m}"), m) for m in payments.MEDIA]
            self._form(app.t("orders.deliver_title"), [Field("medium", app.t("orders.f.medium"), "select", media)],
                       lambda v: payments.hand_over(store, user, oid, medium=v["medium"] or ""))
        elif act == "correction":
            self._form(app.t("orders.correction_title"), [Field("note", app.t("orders.f.note"))],
                       lambda v: payments.request_correction(store, settings, user, oid, note=v["note"] or ""))
        elif act == "resolve":
            open_c = next(c for c in order.corrections if c.resolved_at is None)
            self._form(app.t("orders.resolve_title"), [Field("resolution", app.t("orders.f.resolution"))],
                       lambda v: payments.resolve_correction(store, user, oid, open_c.id,
                                                             resolution=v["resolution"] or ""))
        elif act == "print_invoice":
            self._print(lambda: print_invoice(store, settings, user, oid))
        elif act == "print_receipt":
            self._print(lambda: print_receipt(store, settings, user, oid))
        elif act == "cancel":
            self._form(app.t("orders.cancel_title"), [Field("reason", app.t("orders.f.reason"))],
                       lambda v: sales.cancel(store, user, oid, reason=v["reason"] or ""))

    def _refer_ticket(self, order: sales.Order) -> None:
        """Seed 003: a mismatch sends the visitor to consultation, keeping their number."""
        app = self.pst
        ticket = app.queue.get(order.ticket_id) if order.ticket_id else None
        if ticket is not None and ticket.status in ("called", "serving"):
            moved = app.queue.transfer(ticket.id, "konsultasi")
            self.notify(app.t("orders.referred_ticket", number=moved.number), timeout=10)
        else:
            self.notify(app.t("orders.referred"), timeout=10)

    def action_back(self) -> None:
        self.dismiss()

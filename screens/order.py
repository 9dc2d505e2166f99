"""One order at the counter: its lines, live total, document checklist, timeline and only
the actions allowed now for this role, each a button with its key (the dialogs are in
``screens.order_dialogs``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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

from kiosk import sales
from kiosk.catalogue import active
from kiosk.errors import DomainError, Invalid
from kiosk.money import rupiah
from kiosk.sales import payments
from kiosk.sales import view as order_view
from screens import order_dialogs
from screens.base import LogoutKey, TitleHeader, friendly_error
from screens.forms import Field, FormScreen

if TYPE_CHECKING:
    from screens.counter_app import CounterApp

# One fixed key per order action, shown on its button: the same key always does the same
# thing, whichever buttons an order offers now (mostly the Indonesian label's initial).
# The keys are the order screen's own, so they never reach a dialog's fields.
ACTION_KEYS = {
    "add_line": "t", "remove_line": "h", "agree": "s", "check": "d", "invoice": "i", "revise": "r",
    "prepare": "p", "pay": "b", "verify": "v", "reject": "l", "receipt": "k", "sppd": "m",
    "deliver": "e", "correction": "f", "resolve": "g", "print_invoice": "c", "print_receipt": "u",
    "cancel": "x", "print_sppd": "j", "customer_check": "o",
}



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
        yield TitleHeader()
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
            + (f" • Rp0 ({order.zero_basis})" if order.zero_tariff else "")
            # Abroad decides the payment methods (a transfer): say so where the officer looks.
            + (f" • {app.t('salescounter.abroad')}" if order.abroad else "")))
        self._show_lines()
        total = f"{app.t('orders.total')}: {rupiah(order.total)}"
        if order.zero_tariff:  # nothing is paid: the tariff's figure alone read as an amount due
            total = f"{app.t('orders.total')}: {app.t('salescounter.zero_total', value=rupiah(order.total))}"
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

    def _print(self, make_job: Callable[[], str], printed: str | None = None) -> None:
        """Queue a paper and print it in the background; ``printed`` is said once it came out."""
        app = self.pst
        try:
            job_id = make_job()
        except Exception as exc:  # noqa: BLE001
            self.notify(friendly_error(app, exc), severity="error")
            return
        self.refresh_data()  # queuing may have noted the print on the order (the SPPD)

        def done(results: list) -> None:  # noqa: ANN001
            bad = [r for r in results if not (r.printed or r.sent)]
            if bad or not results:
                self.notify(bad[0].message(app.lang) if bad else app.t("printer.fault.error"), severity="error")
            elif not all(r.printed for r in results):  # sent where nothing confirms: never "dicetak"
                self.notify(app.t("printing.done_sent", count=len(results)))
            else:
                self.notify(printed or app.t("orders.printed"))

        app.print_in_background(job_id, done)

    @on(Button.Pressed, ".act")
    def _action(self, event: Button.Pressed) -> None:
        self._do(event.button.name)

    def _do(self, act: str) -> None:
        order_dialogs.run(self, act)

    def action_back(self) -> None:
        self.dismiss()

"""The order screen's dialogs, one per action: each asks what its use case needs and runs
it through the screen (``_form``, ``_run``, ``_print``), which shows the use case's refusal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.widgets import DataTable

from kiosk import sales
from kiosk.catalogue import Product, active
from kiosk.money import rupiah
from kiosk.sales import payments
from kiosk.sales import view as order_view
from kiosk.sales.papers import print_invoice, print_receipt, print_sppd
from screens.forms import Field, FormScreen

if TYPE_CHECKING:
    from screens.order import OrderScreen


def run(screen: OrderScreen, act: str) -> None:
    """Open the dialog of ``act`` (or run it at once when it asks nothing)."""
    app, order = screen.pst, screen.order
    store, settings, user = app.store, app.settings, app.user
    oid = order.id
    if act == "add_line":
        reg = active(store).by_code(order.regulation)
        # Once documents were checked without the abstraksi, microdata and maps need a new order.
        late = order.status == "checked" and not order.abstraksi
        add_line(screen, {p.code: p for p in (reg.product if reg else []) if not (late and p.needs_documents)})
    elif act == "remove_line":
        table = screen.query_one("#lines", DataTable)
        if table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            line = next((li for li in order.lines if li.id == key), None)
            if line is None:
                return
            # The line under the table's cursor goes: say which, and ask (one key removed
            # the first line, unasked and unsaid, when the cursor was never moved).
            catalogue = active(store)
            detail = order_view.line_detail(order, line, catalogue, app.lang)
            title = order_view.line_title(order, line, catalogue, app.lang)
            screen._form(app.t("salescounter.remove_line", line=f"{title}, {detail}",
                               amount=rupiah(line.amount)), [],
                         lambda v: sales.remove_line(store, user, oid, key))
    elif act == "agree":
        bases = [(b.name(app.lang), b.code) for b in active(store).zero_basis]
        screen._form(app.t("orders.agree_title"), [
            Field("zero_basis", app.t("orders.f.zero_basis"), "select", bases,
                  hint=app.t("orders.f.zero_basis_hint")),
        ], lambda v: sales.agree(store, user, oid, zero_basis=v["zero_basis"]))
    elif act == "check":
        # Only the documents this order needs: the abstraksi for microdata and maps, the
        # request letter for a Rp0 sale; with none, the dialog says so.
        needs_documents = order.needs_documents(active(store))
        # The statement of data use is recorded as the customer gave it (seed 001 step 6).
        fields = [Field("abstraksi", app.t("orders.f.abstraksi"), value=order.abstraksi_text or ""),
                  Field("matches", app.t("orders.f.matches"), "check", value=True)] if needs_documents else []
        if order.zero_tariff:
            fields.append(Field("request_letter", app.t("orders.f.letter"), "check", value=False))
            if order.has_kind(active(store), "microdata"):  # no invoice, where a paid order notes it
                fields.append(Field("sample_note", app.t("orders.f.sample"), value=order.sample_note or ""))

        def check(v: dict[str, Any]) -> None:
            checked = sales.check_documents(store, user, oid, abstraksi=v.get("abstraksi"),
                                            matches=v.get("matches", True),
                                            request_letter=v.get("request_letter", False),
                                            sample_note=v.get("sample_note"))
            if checked.status == "referred":
                refer_ticket(screen, checked)

        def refer_first(v: dict[str, Any]) -> tuple[str, str, str] | None:
            """Referring ends the sale: ask before an unticked "matches" does it."""
            if needs_documents and v.get("abstraksi") and not v.get("matches"):
                return app.t("orders.refer_confirm"), app.t("orders.yes"), app.t("guest.cancel")
            return None
        screen._form(app.t("orders.check_title" if fields else "orders.check_none"), fields, check,
                   confirm=refer_first)
    elif act == "invoice":
        def invoice(v: dict[str, Any]) -> None:
            sales.issue_invoice(store, settings, user, oid, sample_note=v.get("sample_note"))
            screen._print(lambda: print_invoice(store, settings, user, oid))
        # The sample shown is asked only of an order with microdata (seed 001, step 9).
        sample = [Field("sample_note", app.t("orders.f.sample"), value=order.sample_note or "")
                  ] if order.has_kind(active(store), "microdata") else []
        until = sales.invoice_valid_until(store.clock.now(), settings)
        screen._form(app.t("orders.invoice_title", total=rupiah(order.total), customer=order.customer_name,
                         until=f"{until:%d-%m-%Y}"), sample, invoice)
    elif act == "revise":
        screen._form(app.t("orders.revise_title"), [Field("reason", app.t("orders.f.reason"),
                                                 hint=app.t("orders.revise_hint"))],
                   lambda v: sales.revise(store, user, oid, reason=v["reason"] or ""))
    elif act == "prepare":
        screen._run(lambda: sales.mark_prepared(store, user, oid))
    elif act == "pay":
        # A transfer is for a customer abroad only (seed 001, step 11): not offered otherwise.
        methods = [(app.t(f"paper.method.{m}"), m)
                   for m in ("cash", "billing", *(("transfer",) if order.abroad else ()))]
        # Each method asks only for its own document: the SIMPONI billing code and its NTPN,
        # or the transfer's proof; a field not shown is submitted as None.
        screen._form(app.t("orders.pay_title"), [
            Field("method", app.t("orders.f.method"), "select", methods, value="cash"),
            Field("amount", app.t("orders.f.amount"), "integer", value=order.invoice.total if order.invoice else 0),
            Field("billing_code", app.t("orders.f.billing_code"), placeholder=app.t("payform.billing_code_hint"),
                  shown_for=("method", ("billing",))),
            Field("ntpn", "NTPN", placeholder=app.t("payform.ntpn_hint"), shown_for=("method", ("billing",))),
            Field("proof", app.t("orders.f.proof"), shown_for=("method", ("transfer",))),
            # The date on the proof decides whether the invoice was still valid; cash is
            # counted at the desk today, so it is not asked.
            Field("paid_on", app.t("sales.paid_on.label"), placeholder="DD-MM-YYYY",
                  value=f"{store.clock.now().astimezone(settings.office.tz):%d-%m-%Y}",
                  shown_for=("method", ("billing", "transfer"))),
        ], lambda v: payments.submit_payment(store, user, oid, method=v["method"] or "", amount=v["amount"] or 0,
                                             billing_code=v["billing_code"], ntpn=v["ntpn"], proof=v["proof"],
                                             paid_on=v["paid_on"], settings=settings))
    elif act == "verify":
        # The treasurer checks the money against its own documents: shown here, and asked,
        # so one key never verifies a payment unseen.
        pending = next((p for p in order.payments if p.status == "submitted"), None)
        if pending is None:
            screen._run(lambda: payments.verify_payment(store, user, oid))  # says why not
            return
        screen._form(verify_title(app, order.number, pending), [],
                     lambda v: payments.verify_payment(store, user, oid))
    elif act == "reject":
        screen._form(app.t("orders.reject_title"), [Field("reason", app.t("orders.f.reason"))],
                   lambda v: payments.verify_payment(store, user, oid, accept=False, reason=v["reason"] or ""))
    elif act == "receipt":
        if screen._run(lambda: payments.issue_receipt(store, settings, user, oid)):
            screen._print(lambda: print_receipt(store, settings, user, oid))
    elif act == "sppd":
        screen._form(app.t("orders.sppd_title"), [Field("meterai", app.t("orders.f.meterai"), "check", value=True)],
                   lambda v: payments.record_sppd(store, user, oid, meterai=v["meterai"]))
    elif act == "deliver":
        media = [(app.t(f"orders.medium.{m}"), m) for m in payments.MEDIA]
        screen._form(app.t("orders.deliver_title"), [Field("medium", app.t("orders.f.medium"), "select", media)],
                   lambda v: payments.hand_over(store, user, oid, medium=v["medium"] or ""))
    elif act == "correction":
        screen._form(app.t("orders.correction_title"), [Field("note", app.t("orders.f.note"))],
                   lambda v: payments.request_correction(store, settings, user, oid, note=v["note"] or ""))
    elif act == "resolve":
        open_c = next(c for c in order.corrections if c.resolved_at is None)
        screen._form(app.t("orders.resolve_title"), [Field("resolution", app.t("orders.f.resolution"))],
                   lambda v: payments.resolve_correction(store, user, oid, open_c.id,
                                                         resolution=v["resolution"] or ""))
    elif act == "print_sppd":
        screen._print(lambda: print_sppd(store, settings, user, oid), app.t("sales.documents.sppd_printed"))
    elif act == "customer_check":
        invoice = order.invoice
        sample = app.t("sales.documents.check_sample") if order.has_kind(active(store), "microdata") else ""
        outcomes = [(app.t("sales.documents.accepted"), "accepted"), (app.t("sales.documents.revision"), "revision")]
        screen._form(app.t("sales.documents.check_title", number=invoice.number, version=invoice.version,
                           sample=sample), [
            Field("outcome", app.t("sales.documents.outcome"), "select", outcomes, value="accepted"),
            Field("note", app.t("sales.documents.note")),
        ], lambda v: sales.documents.customer_check(store, user, oid, accepted=v["outcome"] != "revision",
                                                    note=v["note"]))
    elif act == "print_invoice":
        screen._print(lambda: print_invoice(store, settings, user, oid))
    elif act == "print_receipt":
        screen._print(lambda: print_receipt(store, settings, user, oid))
    elif act == "cancel":
        screen._form(app.t("orders.cancel_title"), [Field("reason", app.t("orders.f.reason"))],
                   lambda v: sales.cancel(store, user, oid, reason=v["reason"] or ""))


def verify_title(app: Any, number: str, payment: Any) -> str:
    """What the treasurer verifies: the method, the amount and the payment's documents."""
    return app.t("salescounter.verify_title", order=number, method=app.t(f"paper.method.{payment.method}"),
                 amount=rupiah(payment.amount), documents=order_view.payment_documents(payment, app.lang))


def add_line(screen: OrderScreen, products: dict[str, Product]) -> None:
    """Pick the product first, then ask only what its tariff uses: the size (in the
    product's measure) for a tiered tariff, the printed price for a listed one."""
    app = screen.pst
    store, user, oid = app.store, app.user, screen.order_id

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
        screen._form(product.name(app.lang), fields, lambda v: sales.add_line(
            store, user, oid, product=product.code, quantity=v["quantity"] or 0, measure=v.get("measure"),
            listed_price=v.get("listed_price"), description=v["description"] or ""))

    options = [(p.name(app.lang), code) for code, p in products.items()]
    screen.app.push_screen(FormScreen(app.t("orders.add_title"), [
        Field("product", app.t("orders.f.product"), "select", options)],
        app.t("guest.next"), app.t("guest.cancel"), chosen), details)


def refer_ticket(screen: OrderScreen, order: sales.Order) -> None:
    """Seed 003: a mismatch sends the visitor to consultation, keeping their number."""
    app = screen.pst
    ticket = app.queue.get(order.ticket_id) if order.ticket_id else None
    if ticket is not None and ticket.status in ("called", "serving"):
        moved = app.queue.transfer(ticket.id, "konsultasi")
        screen.notify(app.t("orders.referred_ticket", number=moved.number), timeout=10)
    else:
        screen.notify(app.t("orders.referred"), timeout=10)

"""The order's payment form asks only what the chosen method needs (a trial: a cash payment
showed the billing code and NTPN fields): cash the amount, a SIMPONI billing its code, NTPN
and the date on the proof, a transfer its proof and date. The fields change as the method
does; hidden ones are skipped by Tab and never submitted."""

from __future__ import annotations

import pytest

from kiosk import sales
from kiosk.store import Store
from screens.counter_app import CounterApp
from screens.forms import FormScreen
from screens.order import OrderScreen
from tests.screens.helpers import shown
from tests.screens.test_orders import act, dialog_words

SIZES = [(80, 24), (120, 40)]
PROOF_FIELDS = ("billing_code", "ntpn", "proof", "paid_on")


def invoiced_order(settings, clock, abroad: bool = False) -> str:
    """A publication order (Rp50.000) with its invoice issued: ready to be paid."""
    with Store(settings.db_path, clock=clock) as store:
        order = sales.create_order(store, settings, None, customer_name="Andi", segment="perorangan",
                                   abroad=abroad)
        sales.add_line(store, None, order.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, None, order.id)
        sales.check_documents(store, None, order.id)
        sales.issue_invoice(store, settings, None, order.id)
        return order.id


async def open_pay(app, pilot, order_id: str) -> FormScreen:
    app.push_screen(OrderScreen(order_id))
    await pilot.pause()
    next(b for b in app.screen.query(".act") if b.name == "pay").press()
    await pilot.pause()
    assert isinstance(app.screen, FormScreen)
    return app.screen


def displayed(form: FormScreen) -> list[str]:
    return [f.name for f in form.fields if form.query_one(f"#field-{f.name}").display]


def methods(form: FormScreen) -> list[str]:
    return [value for _, value in next(f for f in form.fields if f.name == "method").options]


async def choose(pilot, form: FormScreen, method: str) -> None:
    form.query_one("#f-method").value = method
    await pilot.pause()


async def until(pilot, check) -> None:
    """Let the app settle until ``check()`` holds (a refused field takes the focus once the
    messages are laid out)."""
    for _ in range(50):
        if check():
            return
        await pilot.pause()
    assert check()


async def tab_order(pilot, form: FormScreen) -> list[str]:
    """The ids Tab visits from the method, once round the form."""
    form.query_one("#f-method").focus()
    await pilot.pause()
    seen = [form.focused.id]
    for _ in range(10):
        await pilot.press("tab")
        if form.focused.id == seen[0]:
            break
        seen.append(form.focused.id)
    return seen


@pytest.mark.parametrize("size", SIZES)
async def test_the_fields_follow_the_method(settings, clock, size):
    order_id = invoiced_order(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        form = await open_pay(app, pilot, order_id)
        assert form.focused.id == "f-method"
        # Cash, the default: the amount only; no billing code, NTPN, proof or date.
        assert displayed(form) == ["method", "amount"]
        words = dialog_words(app)
        assert "Kode billing" not in words and "NTPN" not in words and "15 angka" not in words
        assert await tab_order(pilot, form) == ["f-method", "f-amount", "ok", "cancel"]

        await choose(pilot, form, "billing")
        assert displayed(form) == ["method", "amount", "billing_code", "ntpn", "paid_on"]
        assert await tab_order(pilot, form) == ["f-method", "f-amount", "f-billing_code", "f-ntpn",
                                                "f-paid_on", "ok", "cancel"]
        form.query_one("#f-ntpn").focus()
        await pilot.pause()
        assert "NTPN" in shown(app) and "16 huruf/angka" in shown(app)  # in view, in focus

        # Back to cash with the NTPN in focus: the focus goes back to the method, not lost
        # in a hidden field.
        await choose(pilot, form, "cash")
        assert displayed(form) == ["method", "amount"] and form.focused.id == "f-method"
        assert "NTPN" not in dialog_words(app)

        # A transfer is for a customer abroad only: a domestic order is not offered one.
        assert methods(form) == ["cash", "billing"]

    abroad = invoiced_order(settings, clock, abroad=True)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        form = await open_pay(app, pilot, abroad)
        assert methods(form) == ["cash", "billing", "transfer"]
        await choose(pilot, form, "transfer")
        assert displayed(form) == ["method", "amount", "proof", "paid_on"]
        assert "Kode billing" not in dialog_words(app)


@pytest.mark.parametrize("size", SIZES)
async def test_a_cash_payment_records_no_billing_code(settings, clock, size):
    """A billing code typed before the officer switched to cash is not sent with it."""
    order_id = invoiced_order(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        form = await open_pay(app, pilot, order_id)
        await choose(pilot, form, "billing")
        form.query_one("#f-billing_code").value = "820261123000123"
        form.query_one("#f-ntpn").value = "0A1B2C3D4E5F6G7H"
        form.query_one("#f-paid_on").value = "not a date"  # hidden with cash: not refused
        await choose(pilot, form, "cash")
        form.query_one("#ok").press()
        await pilot.pause()
        assert isinstance(app.screen, OrderScreen)
        assert "menunggu verifikasi bendahara: tunai Rp50.000" in str(app.screen.query_one("#order-title").render())
    with Store(settings.db_path, clock=clock) as store:
        rows = store.rows("SELECT method, amount, billing_code, ntpn, proof, paid_on FROM payments")
    assert [dict(r) for r in rows] == [{"method": "cash", "amount": 50_000, "billing_code": None,
                                        "ntpn": None, "proof": None, "paid_on": "2026-11-23"}]


@pytest.mark.parametrize("size", SIZES)
async def test_a_bad_billing_code_is_refused_beside_it_and_nothing_is_recorded(settings, clock, size):
    order_id = invoiced_order(settings, clock)
    with Store(settings.db_path, clock=clock) as store:
        changes = store.row("SELECT count(*) AS n FROM changes")["n"]
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        form = await open_pay(app, pilot, order_id)
        await choose(pilot, form, "billing")
        form.query_one("#f-billing_code").value = "82026112300"  # 11 digits
        form.query_one("#f-ntpn").value = "0A1B2C3D4E5F6G7H"
        form.query_one("#f-method").focus()
        form.query_one("#ok").press()
        await until(pilot, lambda: getattr(form.focused, "id", None) == "f-billing_code")
        assert app.screen is form
        assert str(form.query_one("#err-billing_code").render()) == "Kode billing harus 15 angka"
        assert str(form.query_one("#err-ntpn").render()) == ""
        await until(pilot, lambda: "Kode billing harus 15 angka" in shown(app))  # beside the field, in view
        err = form.query_one("#err-billing_code").region
        assert err.y + err.height <= form.query_one("#ok").region.y  # above the docked buttons
    with Store(settings.db_path, clock=clock) as store:
        assert store.row("SELECT count(*) AS n FROM payments")["n"] == 0
        assert store.row("SELECT count(*) AS n FROM changes")["n"] == changes
        assert sales.get(store, order_id).status == "invoiced"


async def test_act_refuses_a_value_for_a_field_the_method_hides(settings, clock):
    """The tests' own helper fills only what an officer could see."""
    order_id = invoiced_order(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(OrderScreen(order_id))
        await pilot.pause()
        with pytest.raises(AssertionError, match="billing_code is hidden"):
            await act(pilot, "pay", method="cash", amount=50_000, billing_code="820261123000123")


async def test_a_refusal_of_a_hidden_field_is_said_under_the_form(settings, clock):
    """The form machinery itself: a field shown for a ticked box, and a use case that still
    refuses it once hidden; the message is not lost under an invisible field."""
    from screens.forms import Field

    asked: list[dict] = []

    def submit(values):
        asked.append(values)
        return {"note": "Catatan wajib"}

    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        form = FormScreen("Uji", [Field("more", "Lagi", "check", value=True),
                                  Field("note", "Catatan", shown_for=("more", (True,)))], "OK", "Batal", submit)
        app.push_screen(form)
        await pilot.pause()
        assert displayed(form) == ["more", "note"]
        form.query_one("#f-note").value = "ditulis"
        await pilot.press("space")  # the box in focus, unticked: the note goes
        await pilot.pause()
        assert displayed(form) == ["more"]
        form.query_one("#ok").press()
        await pilot.pause()
        assert asked == [{"more": False, "note": None}]
        assert str(form.query_one("#err-form").render()) == "Catatan wajib"
        assert form.focused.id == "f-more"

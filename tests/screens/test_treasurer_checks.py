"""What a fresh-eyes trial of the sales counter found at the treasurer's and the officer's
keys: V verified a payment at one key press without ever showing its billing code, NTPN or
proof; a rejection took an empty reason (stored "-", the history said only "ditolak"); a
wrong amount read "Jumlah bayar 0 tidak sama dengan total invoice 170000"; a size of -5
pages was refused as "at most 1.000.000.000.000"."""

from __future__ import annotations

import pytest

from kiosk import accounts, sales
from kiosk.errors import Invalid, Refused
from kiosk.sales import payments
from kiosk.store import Store
from screens.counter_app import CounterApp
from screens.forms import FormScreen
from screens.order import OrderScreen
from tests.screens.helpers import login
from tests.screens.test_orders import dialog_words

SIZES = [(80, 24), (120, 40)]
BILLING, NTPN = "820261123000123", "0A1B2C3D4E5F6G7H"


def paid_by_billing(settings, clock) -> str:
    """Budi records a SIMPONI payment (Rp50.000) on an invoiced order: it waits for Rina."""
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        budi = accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
        accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
        order = sales.create_order(store, settings, budi, customer_name="Andi", segment="perorangan")
        sales.add_line(store, budi, order.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, budi, order.id)
        sales.check_documents(store, budi, order.id)
        sales.issue_invoice(store, settings, budi, order.id)
        payments.submit_payment(store, budi, order.id, method="billing", amount=50_000,
                                billing_code=BILLING, ntpn=NTPN)
        return order.id


def status(settings, order_id: str) -> tuple[str, list[tuple[str, str | None]]]:
    with Store(settings.db_path) as store:
        order = sales.get(store, order_id)
        rows = store.rows("SELECT status, reject_reason FROM payments WHERE order_id = ?", (order_id,))
        return order.status, [(r["status"], r["reject_reason"]) for r in rows]


async def as_treasurer(app, pilot, order_id: str) -> OrderScreen:
    await login(pilot, "rina", "435162")
    app.push_screen(OrderScreen(order_id))
    await pilot.pause()
    assert isinstance(app.screen, OrderScreen)
    return app.screen


@pytest.mark.parametrize("size", SIZES)
async def test_verify_shows_the_payments_documents_and_asks_first(settings, clock, size):
    order_id = paid_by_billing(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        await as_treasurer(app, pilot, order_id)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        words = dialog_words(app)
        for shown in (BILLING, NTPN, "Rp50.000", "23-11-2026", "SIMPONI"):
            assert shown in words, (shown, words)
        assert status(settings, order_id) == ("invoiced", [("submitted", None)])  # asked, not done
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, OrderScreen)
        assert status(settings, order_id) == ("invoiced", [("submitted", None)])
        await pilot.press("v")
        await pilot.pause()
        app.screen.query_one("#ok").press()
        await pilot.pause()
        assert isinstance(app.screen, OrderScreen)
        assert status(settings, order_id)[0] == "paid"


@pytest.mark.parametrize("size", SIZES)
async def test_a_rejection_needs_its_reason_and_the_history_tells_it(settings, clock, size):
    order_id = paid_by_billing(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        screen = await as_treasurer(app, pilot, order_id)
        await pilot.press("l")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#ok").press()  # no reason typed
        await pilot.pause()
        assert app.screen is form and "Wajib diisi" in dialog_words(app)
        assert status(settings, order_id) == ("invoiced", [("submitted", None)])
        form.query_one("#f-reason").value = "Dana belum masuk rekening"
        form.query_one("#ok").press()
        await pilot.pause()
        assert app.screen is screen
        assert status(settings, order_id) == ("invoiced", [("rejected", "Dana belum masuk rekening")])
        timeline = str(screen.query_one("#timeline").render())
        assert "Pembayaran ditolak: Dana belum masuk rekening" in " ".join(timeline.split())


def test_a_rejection_without_a_reason_is_refused_on_its_field(store, settings, clock):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    rina = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
    order = sales.create_order(store, settings, admin, customer_name="Andi", segment="perorangan")
    sales.add_line(store, admin, order.id, product="publikasi-elektronik", measure=10)
    sales.agree(store, admin, order.id)
    sales.check_documents(store, admin, order.id)
    sales.issue_invoice(store, settings, admin, order.id)
    payments.submit_payment(store, admin, order.id, method="cash", amount=50_000)
    for reason in ("", "   "):
        with pytest.raises(Invalid) as err:
            payments.verify_payment(store, rina, order.id, accept=False, reason=reason)
        assert set(err.value.errors) == {"reason"}
    assert sales.get(store, order.id).payments[0].status == "submitted"
    # An amount that is not the invoice's reads in rupiah.
    payments.verify_payment(store, rina, order.id, accept=False, reason="uang kurang")
    with pytest.raises(Refused) as refused:
        payments.submit_payment(store, admin, order.id, method="cash", amount=0)
    assert refused.value.message("id") == "Jumlah bayar Rp0 tidak sama dengan total invoice Rp50.000"


def test_a_negative_size_is_refused_as_out_of_range(store, settings):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    order = sales.create_order(store, settings, admin, customer_name="Andi", segment="perorangan")
    with pytest.raises(Invalid) as err:
        sales.add_line(store, admin, order.id, product="publikasi-elektronik", measure=-5)
    assert err.value.field_messages("id") == {"measure": "Ukuran harus 1 sampai 1.000.000.000.000"}
    assert sales.get(store, order.id).lines == []


async def test_a_pasted_paragraph_lands_in_a_one_line_field_as_one_line(settings, clock):
    """The customer's statement of data use, pasted from an e-mail: its line breaks (CR, as
    terminals paste them) and tabs become spaces, so the form takes it (it showed U+FFFD and
    was refused; a line feed dropped all but the first line unseen)."""
    from textual import events

    with Store(settings.db_path, clock=clock) as store:
        order = sales.create_order(store, settings, None, customer_name="Andi", segment="perorangan")
        sales.add_line(store, None, order.id, product="data-mikro", measure=1000)
        sales.agree(store, None, order.id)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(OrderScreen(order.id))
        await pilot.pause()
        await pilot.press("d")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        field = form.query_one("#f-abstraksi")
        field.focus()
        await pilot.pause()
        app.post_message(events.Paste("Penelitian kemiskinan\r\ndi Kota Sawahlunto\t2020-2024\r"))
        await pilot.pause()
        assert field.value == "Penelitian kemiskinan di Kota Sawahlunto 2020-2024 "
        form.query_one("#ok").press()
        await pilot.pause()
        assert isinstance(app.screen, OrderScreen)
        field_value = field.value
    with Store(settings.db_path) as store:
        assert sales.get(store, order.id).abstraksi_text == field_value.strip()


@pytest.mark.parametrize("size", SIZES)
async def test_h_names_the_line_and_asks_before_removing_it(settings, clock, size):
    """H removed the line under the table's cursor (the first, if never moved) at once and
    said nothing: a Rp160.000 line vanished at one key."""
    with Store(settings.db_path, clock=clock) as store:
        order = sales.create_order(store, settings, None, customer_name="Andi", segment="perorangan")
        sales.add_line(store, None, order.id, product="publikasi-elektronik", quantity=2, measure=120)
        sales.add_line(store, None, order.id, product="peta-kabkota-desa")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        app.push_screen(OrderScreen(order.id))
        await pilot.pause()
        screen = app.screen
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)
        words = dialog_words(app)
        assert "Hapus baris ini" in words and "Publikasi elektronik (softcopy), 2 publikasi, 120 halaman" in words
        assert "Rp160.000" in words
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        with Store(settings.db_path) as store:
            assert len(sales.get(store, order.id).lines) == 2  # Esc: nothing removed
        screen.query_one("#lines").focus()
        await pilot.press("down", "h")
        await pilot.pause()
        assert "Peta digital wilkerstat satu kabupaten/kota menurut desa, 1 peta" in dialog_words(app)
        app.screen.query_one("#ok").press()
        await pilot.pause()
        assert app.screen is screen
    with Store(settings.db_path) as store:
        assert [li.product for li in sales.get(store, order.id).lines] == ["publikasi-elektronik"]


async def test_a_rp0_microdata_order_notes_the_sample_at_the_document_check(settings, clock):
    """A Rp0 order has no invoice, the only place a paid order notes the microdata sample
    shown: its checklist kept "[ ] Contoh data mikro diperlihatkan" to the hand-over."""
    with Store(settings.db_path, clock=clock) as store:
        order = sales.create_order(store, settings, None, customer_name="Bappeda Kota Sawahlunto",
                                   segment="pemerintah")
        sales.add_line(store, None, order.id, product="data-mikro", measure=500_000)
        sales.agree(store, None, order.id, zero_basis="pemerintah")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(OrderScreen(order.id))
        await pilot.pause()
        screen = app.screen
        await pilot.press("d")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#f-abstraksi").value = "Perencanaan tenaga kerja daerah"
        form.query_one("#f-request_letter").value = True
        form.query_one("#f-sample_note").value = "10 baris Sakernas"
        form.query_one("#ok").press()
        await pilot.pause()
        assert app.screen is screen
        assert "[x] Contoh data mikro diperlihatkan" in str(screen.query_one("#checklist").render())
    with Store(settings.db_path) as store:
        assert sales.get(store, order.id).sample_note == "10 baris Sakernas"


@pytest.mark.parametrize("size", SIZES)
async def test_the_order_list_offers_a_new_order_to_officers_only(settings, clock, size):
    """A treasurer was offered N (Pesanan baru), filled the form and only then read
    "rina (bendahara) tidak berwenang"."""
    from screens.orders import OrdersScreen
    from tests.screens.helpers import shown

    paid_by_billing(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        await login(pilot, "rina", "435162")
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)
        assert "Pesanan baru" not in shown(app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, OrdersScreen)  # no form
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        await login(pilot, "budi", "284751")
        await pilot.press("o")
        await pilot.pause()
        assert "Pesanan baru" in shown(app)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, FormScreen)


async def test_an_order_abroad_says_so_in_its_title(settings, clock):
    """Abroad decides the payment methods (a transfer): the title said nothing of it."""
    from tests.screens.test_payment_form import invoiced_order

    abroad, home = invoiced_order(settings, clock, abroad=True), invoiced_order(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for order_id, said in ((abroad, True), (home, False)):
            app.push_screen(OrderScreen(order_id))
            await pilot.pause()
            title = " ".join(str(app.screen.query_one("#order-title").render()).split())
            assert ("pelanggan luar negeri" in title) is said, title
            await pilot.press("escape")
            await pilot.pause()


async def test_a_rp0_order_shows_rp0_to_pay_beside_the_tariffs_figure(settings, clock):
    """A Rp0 order read "Total: Rp20.000", as if that were due."""
    with Store(settings.db_path, clock=clock) as store:
        order = sales.create_order(store, settings, None, customer_name="Bappeda", segment="pemerintah")
        sales.add_line(store, None, order.id, product="data-mikro", measure=500_000)
        sales.agree(store, None, order.id, zero_basis="pemerintah")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        app.push_screen(OrderScreen(order.id))
        await pilot.pause()
        total = " ".join(str(app.screen.query_one("#order-total").render()).split())
        assert total.startswith("Total: Rp0 (tarif Rp0; nilai menurut tarif Rp20.000)"), total


async def test_a_refused_fields_message_goes_once_the_field_is_changed(settings, clock):
    """'Wajib diisi' stayed under the customer's name after it was typed, until the next OK."""
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o", "n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FormScreen)
        form.query_one("#ok").press()
        await pilot.pause()

        def message(name: str) -> str:
            return str(form.query_one(f"#err-{name}").render())

        assert message("customer_name") == "Wajib diisi" and message("segment")
        form.query_one("#f-customer_name").focus()
        await pilot.press("A", "n", "d", "i")
        await pilot.pause()
        assert message("customer_name") == ""
        assert message("segment")  # not touched: still said
        form.query_one("#f-segment").value = "perorangan"
        await pilot.pause()
        assert message("segment") == ""
        form.query_one("#f-customer_name").value = "A"  # too short: refused again, and said
        await pilot.pause()
        form.query_one("#ok").press()
        await pilot.pause()
        await pilot.pause()
        assert app.screen is form and message("customer_name")

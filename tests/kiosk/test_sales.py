"""The sales flow from request to receipt, its guards, and a property test over random
sequences of actions."""

import json
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings as hsettings
from hypothesis import strategies as st

from kiosk import accounts, audit, sales
from kiosk.sales import payments
from kiosk.accounts import Forbidden
from kiosk.catalogue import load, price, shipped
from kiosk.errors import ConfigError, DomainError, Invalid, Refused
from kiosk.guestbook import register_visit, validate_guest
from kiosk.money import rupiah, terbilang
from kiosk.workdays import add_working_days, is_working_day, working_days_between
from tests.conftest import JAKARTA

SITI = {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001",
        "email": "siti@example.com", "segment": "akademisi"}
BILLING = "820261123000123"
NTPN = "0A1B2C3D4E5F6G7H"


@pytest.fixture
def staff(store):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    officer = accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    treasurer = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
    return officer, treasurer


@pytest.mark.parametrize("amount, words", [
    (1000, "seribu rupiah"), (11, "sebelas rupiah"), (100, "seratus rupiah"),
    (1_001_000, "satu juta seribu rupiah"), (125_000, "seratus dua puluh lima ribu rupiah"),
    (21_000, "dua puluh satu ribu rupiah"), (101_000, "seratus satu ribu rupiah"),
    (1_001, "seribu satu rupiah"), (12_000_000, "dua belas juta rupiah"),
    (36_070_000, "tiga puluh enam juta tujuh puluh ribu rupiah"), (0, "nol rupiah"),
])
def test_terbilang(amount, words):
    assert terbilang(amount) == words


@pytest.mark.parametrize("amount, text", [(125000, "Rp125.000"), (0, "Rp0"), (36_000_000, "Rp36.000.000"), (20, "Rp20")])
def test_rupiah(amount, text):
    assert rupiah(amount) == text


def test_thousands_for_quantities():
    from kiosk.money import thousands

    assert [thousands(n) for n in (0, 999, 1000, 2_500_000)] == ["0", "999", "1.000", "2.500.000"]


def test_working_days_skip_weekends_and_holidays():
    assert not is_working_day(date(2026, 11, 28))  # Saturday
    assert not is_working_day(date(2026, 12, 25))  # Christmas
    assert add_working_days(date(2026, 11, 23), 5) == date(2026, 11, 30)  # Mon -> next Mon
    assert not is_working_day(date(2026, 12, 24))  # joint leave (cuti bersama) for Christmas
    assert add_working_days(date(2026, 12, 21), 5) == date(2026, 12, 30)  # over Christmas
    assert working_days_between(date(2026, 12, 21), date(2026, 12, 30)) == 5
    # Nyepi, Idul Fitri and the joint leave around them: five working days take two weeks.
    assert add_working_days(date(2026, 3, 16), 5) == date(2026, 3, 30)
    assert add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 5)  # New Year 2027 too


def test_tariffs_follow_the_catalogue():
    cat = shipped()
    today = date(2026, 11, 23)
    assert cat.in_force(today).code == "PP-13-2024"
    assert price(cat.product("publikasi-elektronik", today), 1, 50) == 50_000
    assert price(cat.product("publikasi-elektronik", today), 1, 51) == 65_000
    assert price(cat.product("data-mikro", today), 1, 1_000_000) == 20_000
    assert price(cat.product("data-mikro", today), 1, 1_000_500) == 20_020
    assert price(cat.product("data-mikro-olah", today), 3, 2_000_000) == 3 * (22_000 + 1000 * 22)
    assert price(cat.product("peta-kabkota-desa", today), 2) == 140_000
    assert price(cat.product("publikasi-tercetak", today), 2, listed_price=75_000) == 150_000
    with pytest.raises(Invalid):
        price(cat.product("data-mikro", today), 1)
    with pytest.raises(DomainError):
        cat.product("data-mikro", date(2015, 6, 1))  # PP 7/2015's tariffs are not entered


def test_a_bad_catalogue_is_refused_with_the_line(tmp_path):
    text = shipped_text().replace("base_price = 22000", "base_price = -5", 1)
    path = tmp_path / "catalogue.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load(path)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "base_price = -5" in l)
    assert f"line {line}" in err.value.message("en")
    path.write_text("[[regulation]\n")
    with pytest.raises(ConfigError) as err:
        load(path)
    assert "line 1" in err.value.message("en")


def shipped_text():
    import data

    return data.path("catalogue.toml").read_text()


def _guest_order(store, settings, officer, **kw):
    reg = register_visit(store, settings, service="B", purpose="penelitian", consent=True,
                         guest=validate_guest({**SITI, **kw}))
    return sales.create_order(store, settings, officer, guest_id=reg.guest_id,
                              ticket_id=reg.issued.ticket.id)


def test_microdata_order_from_request_to_receipt(store, settings, staff, clock):
    officer, treasurer = staff
    order = _guest_order(store, settings, officer)
    assert order.number == "ORD/1373/2026/0001" and order.customer_name == "Siti Aminah"
    order = sales.add_line(store, officer, order.id, product="data-mikro", quantity=1, measure=2_500_000,
                           description="Susenas Maret 2025, pilih variabel")
    order = sales.add_line(store, officer, order.id, product="peta-kabkota-desa", quantity=1)
    assert order.total == 20_000 + 1500 * 20 + 70_000 == 120_000
    order = sales.agree(store, officer, order.id)
    with pytest.raises(Refused) as err:
        sales.check_documents(store, officer, order.id, abstraksi=False)
    assert "abstraksi" in err.value.message("id")
    order = sales.check_documents(store, officer, order.id, abstraksi="Analisis kemiskinan untuk skripsi")
    with pytest.raises(Invalid):
        sales.issue_invoice(store, settings, officer, order.id)  # sample data must be noted
    order = sales.issue_invoice(store, settings, officer, order.id, sample_note="10 baris contoh Susenas")
    assert order.invoice.number == "INV/1373/2026/0001" and order.invoice.total == 120_000
    assert order.invoice.valid_until.astimezone(JAKARTA).date() == date(2026, 12, 23)
    # The customer asks a revision: a new version, the old one void.
    order = sales.revise(store, officer, order.id, reason="tanpa peta")
    order = sales.remove_line(store, officer, order.id, order.lines[1].id)
    order = sales.issue_invoice(store, settings, officer, order.id)
    assert [(i.version, i.voided_at is None) for i in order.invoices] == [(1, False), (2, True)] or \
        [(i.version, i.voided_at is not None) for i in order.invoices] == [(1, True), (2, False)]
    assert order.invoice.version == 2 and order.invoice.total == 50_000
    order = sales.mark_prepared(store, officer, order.id)
    with pytest.raises(Refused):
        payments.submit_payment(store, officer, order.id, method="billing", amount=49_000,
                                billing_code=BILLING, ntpn=NTPN)
    with pytest.raises(Invalid) as err:
        payments.submit_payment(store, officer, order.id, method="billing", amount=50_000,
                                billing_code="123", ntpn="x")
    assert set(err.value.errors) == {"billing_code", "ntpn"}
    order = payments.submit_payment(store, officer, order.id, method="billing", amount=50_000,
                                    billing_code="8202 6112 3000 123", ntpn=NTPN.lower())
    assert order.payments[0].billing_code == BILLING and order.payments[0].ntpn == NTPN
    with pytest.raises(Forbidden):
        payments.verify_payment(store, officer, order.id)  # only the treasurer
    order = payments.verify_payment(store, treasurer, order.id)
    with pytest.raises(Forbidden):
        payments.issue_receipt(store, settings, officer, order.id)
    order = payments.issue_receipt(store, settings, treasurer, order.id)
    assert order.receipt.number == "0001/KW/1373/2026"
    assert order.receipt.terbilang == "lima puluh ribu rupiah"
    with pytest.raises(Refused) as err:
        payments.hand_over(store, officer, order.id, medium="flashdisk")
    assert "SPPD" in err.value.message("id")
    with pytest.raises(Invalid):
        payments.record_sppd(store, officer, order.id, meterai=False)
    payments.record_sppd(store, officer, order.id, meterai=True)
    order = payments.hand_over(store, officer, order.id, medium="flashdisk")
    assert order.status == "delivered" and order.medium == "flashdisk"
    # Corrections: within five working days of hand-over only.
    clock.advance(days=7)  # Monday 23 -> Monday 30: 5 working days
    order = payments.request_correction(store, settings, officer, order.id, note="variabel kurang")
    order = payments.resolve_correction(store, officer, order.id, order.corrections[0].id, resolution="dikirim ulang")
    clock.advance(days=1)
    with pytest.raises(Refused):
        payments.request_correction(store, settings, officer, order.id, note="lagi")
    actions = [e.action for e in audit.entries(store, action="order.")]
    assert {"order.create", "order.invoice", "order.revise", "order.verify", "order.receipt",
            "order.deliver", "order.correction"} <= set(actions)
    by = {e.action: e.username for e in audit.entries(store, action="order.")}
    assert by["order.verify"] == "rina" and by["order.receipt"] == "rina" and by["order.deliver"] == "budi"


def test_publication_order_paid_in_cash(store, settings, staff):
    officer, treasurer = staff
    order = sales.create_order(store, settings, officer, customer_name="Andi Wijaya", segment="perorangan")
    order = sales.add_line(store, officer, order.id, product="publikasi-elektronik", measure=120)
    sales.agree(store, officer, order.id)
    order = sales.check_documents(store, officer, order.id)  # no documents needed
    order = sales.issue_invoice(store, settings, officer, order.id)
    payments.submit_payment(store, treasurer, order.id, method="cash", amount=80_000)
    payments.verify_payment(store, treasurer, order.id)
    order = payments.issue_receipt(store, settings, treasurer, order.id)
    with pytest.raises(Refused):
        payments.hand_over(store, officer, order.id, medium="email")  # not prepared yet
    sales.mark_prepared(store, officer, order.id)
    order = payments.hand_over(store, officer, order.id, medium="email")
    assert order.status == "delivered" and order.receipt.terbilang == "delapan puluh ribu rupiah"
    second = sales.create_order(store, settings, officer, customer_name="Beni", segment="perorangan")
    assert second.number == "ORD/1373/2026/0002"


def test_an_orders_npwp_leaves_the_office_masked(store, settings, staff):
    import json

    officer, treasurer = staff
    person = sales.create_order(store, settings, officer, customer_name="Andi", segment="swasta",
                                npwp="3273014101900001")  # since 2024 a person's NPWP is the NIK
    firm = sales.create_order(store, settings, officer, customer_name="PT Data Maju", segment="swasta",
                              npwp="01.855.081.4-005.000")
    none = sales.create_order(store, settings, officer, customer_name="Beni", segment="perorangan")
    for order in (person, firm):
        sales.add_line(store, officer, order.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, officer, order.id)
        sales.check_documents(store, officer, order.id)
        sales.issue_invoice(store, settings, officer, order.id)
    payments.submit_payment(store, treasurer, person.id, method="cash", amount=50_000)
    payments.verify_payment(store, treasurer, person.id)
    payments.issue_receipt(store, settings, treasurer, person.id)
    # In the office the NPWP stays whole (the invoice prints it) ...
    assert sales.get(store, person.id).npwp == "3273014101900001"
    assert sales.get(store, firm.id).npwp == "0018550814005000"  # stored as the 16 digits
    # ... the outbox carries it masked, and everything the centre reports on whole.
    outbox = " ".join(r["payload"] for r in store.rows("SELECT payload_text(payload) AS payload FROM changes"))
    assert "3273014101900001" not in outbox and "018550814005000" not in outbox
    sent = {}
    for row in store.rows("SELECT entity_id, payload_text(payload) AS payload FROM changes WHERE entity = 'order' ORDER BY seq"):
        sent[row["entity_id"]] = json.loads(row["payload"])
    assert sent[person.id]["npwp"] == "3273********0001" and sent[firm.id]["npwp"] == "0018********5000"
    assert sent[none.id].get("npwp") is None  # a null field is left out
    last = sent[person.id]
    assert (last["segment"], last["status"], last["receipt"]["amount"]) == ("swasta", "receipted", 50_000)
    assert last["lines"][0]["amount"] == 50_000 and last["invoices"][0]["total"] == 50_000


def test_queued_order_changes_get_their_npwp_masked_on_upgrade(tmp_path, clock):
    import json

    from kiosk.store import Store
    from tests.kiosk.test_guestbook import store_at

    conn = store_at(tmp_path / "old.db", 7)
    queued = [("o1", {"id": "o1", "segment": "swasta", "npwp": "3273014101900001", "lines": []}),
              ("o2", {"id": "o2", "segment": "swasta", "npwp": "018550814005000"}),
              ("o3", {"id": "o3", "segment": "perorangan", "npwp": None}),
              ("o4", {"id": "o4", "segment": "swasta", "npwp": "3273********0001"})]  # already masked
    for entity_id, payload in queued:
        conn.execute("INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                     " VALUES (?, 'order', ?, 'create', ?, 't', '2026-01-01T00:00:00Z')",
                     (f"c-{entity_id}", entity_id, json.dumps(payload)))
    conn.execute("INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                 " VALUES ('c-g', 'guest', 'g1', 'add', ?, 't', '2026-01-01T00:00:00Z')",
                 (json.dumps({"id": "g1", "npwp": "3273********0001"}),))
    conn.close()
    with Store(tmp_path / "old.db", clock=clock) as store:
        payloads = [json.loads(r[0]) for r in store.conn.execute("SELECT payload_text(payload) AS payload FROM changes ORDER BY seq")]
    assert [p.get("npwp") for p in payloads] == ["3273********0001", "0185*******5000", None,
                                                 "3273********0001", "3273********0001"]
    assert payloads[0] == {"id": "o1", "segment": "swasta", "npwp": "3273********0001", "lines": []}


def test_private_customers_need_npwp_and_transfer_is_for_abroad(store, settings, staff):
    officer, _ = staff
    # A walk-in firm is asked for its NPWP when the order is made (nothing adds it later)...
    with pytest.raises(Invalid) as asked:
        sales.create_order(store, settings, officer, customer_name="PT Data Maju", segment="swasta")
    assert "NPWP wajib" in asked.value.field_messages("id")["npwp"]
    # ... and an order that has none by another way (an older store) is not agreed.
    order = sales.create_order(store, settings, officer, customer_name="PT Data Maju", segment="swasta",
                               npwp="01.855.081.4-005.000")
    store.conn.execute("UPDATE orders SET npwp = NULL WHERE id = ?", (order.id,))
    sales.add_line(store, officer, order.id, product="publikasi-elektronik", measure=10)
    with pytest.raises(Refused) as err:
        sales.agree(store, officer, order.id)
    assert "NPWP" in err.value.message("id")
    local = sales.create_order(store, settings, officer, customer_name="Andi", segment="perorangan")
    sales.add_line(store, officer, local.id, product="publikasi-elektronik", measure=10)
    sales.agree(store, officer, local.id)
    sales.check_documents(store, officer, local.id)
    sales.issue_invoice(store, settings, officer, local.id)
    with pytest.raises(Refused):
        payments.submit_payment(store, officer, local.id, method="transfer", amount=50_000, proof="TT 123")
    abroad = sales.create_order(store, settings, officer, customer_name="John Smith",
                                segment="peneliti", abroad=True)
    sales.add_line(store, officer, abroad.id, product="publikasi-elektronik", measure=10)
    sales.agree(store, officer, abroad.id)
    sales.check_documents(store, officer, abroad.id)
    sales.issue_invoice(store, settings, officer, abroad.id)
    order = payments.submit_payment(store, officer, abroad.id, method="transfer", amount=50_000,
                                    proof="SWIFT MT103 ref 998877")
    assert order.payments[0].proof.startswith("SWIFT")


def test_an_invoice_older_than_a_month_cannot_be_paid(store, settings, staff, clock):
    officer, _ = staff
    order = sales.create_order(store, settings, officer, customer_name="Andi", segment="perorangan")
    sales.add_line(store, officer, order.id, product="publikasi-elektronik", measure=10)
    sales.agree(store, officer, order.id)
    sales.check_documents(store, officer, order.id)
    sales.issue_invoice(store, settings, officer, order.id)
    clock.advance(days=31)
    with pytest.raises(Refused) as err:
        payments.submit_payment(store, officer, order.id, method="cash", amount=50_000)
    assert "kedaluwarsa" in err.value.message("id")
    # A revision makes a fresh invoice that can be paid.
    sales.revise(store, officer, order.id, reason="kedaluwarsa")
    sales.issue_invoice(store, settings, officer, order.id)
    assert payments.submit_payment(store, officer, order.id, method="cash", amount=50_000).payments


def test_zero_tariff_skips_payment_but_keeps_the_documents(store, settings, staff):
    officer, _ = staff
    order = sales.create_order(store, settings, officer, customer_name="Bappeda Kota Sawahlunto",
                               segment="pemerintah")
    sales.add_line(store, officer, order.id, product="data-mikro", measure=500_000)
    with pytest.raises(Refused):
        sales.agree(store, officer, order.id, zero_basis="internasional")  # wrong basis for the segment
    sales.agree(store, officer, order.id, zero_basis="pemerintah")
    with pytest.raises(Refused):
        sales.check_documents(store, officer, order.id, abstraksi="Analisis kemiskinan untuk skripsi")  # no request letter
    order = sales.check_documents(store, officer, order.id, abstraksi="Analisis kemiskinan untuk skripsi", request_letter=True)
    with pytest.raises(Refused):
        sales.issue_invoice(store, settings, officer, order.id)
    sales.mark_prepared(store, officer, order.id)
    with pytest.raises(Refused):
        payments.hand_over(store, officer, order.id, medium="unduhan")  # SPPD first
    payments.record_sppd(store, officer, order.id, meterai=True)
    order = payments.hand_over(store, officer, order.id, medium="unduhan")
    assert order.status == "delivered" and order.receipt is None and order.payments == []


def test_mismatched_abstract_goes_to_consultation(store, settings, staff):
    officer, _ = staff
    order = _guest_order(store, settings, officer)
    sales.add_line(store, officer, order.id, product="data-mikro", measure=100)
    sales.agree(store, officer, order.id)
    order = sales.check_documents(store, officer, order.id, abstraksi="Analisis kemiskinan untuk skripsi", matches=False)
    assert order.status == "referred"
    with pytest.raises(Refused):
        sales.issue_invoice(store, settings, officer, order.id)


def test_order_list_filters(store, settings, staff, clock):
    officer, _ = staff
    first = sales.create_order(store, settings, officer, customer_name="Andi", segment="perorangan")
    sales.add_line(store, officer, first.id, product="publikasi-elektronik", measure=10)
    sales.agree(store, officer, first.id)
    sales.check_documents(store, officer, first.id)
    sales.issue_invoice(store, settings, officer, first.id)
    clock.advance(days=1)
    sales.create_order(store, settings, officer, customer_name="Beni", segment="perorangan")
    assert [o.customer_name for o in sales.list_orders(store)] == ["Beni", "Andi"]
    assert [o.customer_name for o in sales.list_orders(store, awaiting_payment=True)] == ["Andi"]
    assert sales.list_orders(store, expiring_within_days=7) == []
    clock.advance(days=26)
    assert [o.total for o in sales.list_orders(store, expiring_within_days=7)] == [50_000]
    assert [o.customer_name for o in sales.list_orders(store, status="draft")] == ["Beni"]
    assert sales.count_orders(store) == 2 and sales.count_orders(store, status="draft") == 1


def test_a_recorded_payment_awaits_verification_not_payment(store, settings, staff):
    officer, treasurer = staff
    waiting = _invoiced(store, settings, officer, name="Andi")
    paid = _invoiced(store, settings, officer, name="Beni")
    assert sales.get(store, paid.id).submitted_payment is None
    order = payments.submit_payment(store, officer, paid.id, method="cash", amount=50_000)
    assert (order.status, order.submitted_payment.amount) == ("invoiced", 50_000)
    assert [o.id for o in sales.list_orders(store, awaiting_payment=True)] == [waiting.id]
    assert [o.id for o in sales.list_orders(store, awaiting_verification=True)] == [paid.id]
    assert sales.count_orders(store, awaiting_verification=True) == 1
    assert {o.customer_name: o.awaiting_verification for o in sales.list_orders(store)} == {
        "Andi": False, "Beni": True}
    payments.verify_payment(store, treasurer, paid.id, accept=False, reason="uang kurang")
    assert {o.id for o in sales.list_orders(store, awaiting_payment=True)} == {paid.id, waiting.id}
    assert sales.list_orders(store, awaiting_verification=True) == []


def test_expired_invoices_are_not_awaiting_payment(store, settings, staff, clock):
    officer, treasurer = staff
    unpaid = _invoiced(store, settings, officer, name="Andi")
    paid_in_time = _invoiced(store, settings, officer, name="Beni")
    payments.submit_payment(store, treasurer, paid_in_time.id, method="cash", amount=50_000)
    clock.set(datetime(2026, 12, 23, 23, 0, tzinfo=JAKARTA))  # the last day
    assert [o.customer_name for o in sales.list_orders(store, expiring_within_days=7)] == ["Andi"]
    assert sales.list_orders(store, expired=True) == []
    clock.set(datetime(2026, 12, 24, 0, 0, 1, tzinfo=JAKARTA))
    assert sales.list_orders(store, awaiting_payment=True) == []
    assert [o.customer_name for o in sales.list_orders(store, awaiting_verification=True)] == ["Beni"]
    assert sales.list_orders(store, expiring_within_days=7) == []
    assert [o.id for o in sales.list_orders(store, expired=True)] == [unpaid.id]
    assert sales.count_orders(store, expired=True) == 1


# -- a property test over random sequences of actions --------------------------------------------

ACTIONS = ["add_pub", "add_micro", "add_map", "add_printed", "remove", "agree", "agree_zero", "agree_edu",
           "check", "check_no_docs", "check_bad", "invoice", "revise", "prepare", "pay_cash", "pay_wrong",
           "pay_billing", "verify", "reject", "receipt", "sppd", "deliver", "cancel", "age", "officer_verifies",
           "officer_receipt"]
# (segment, NPWP): government and education may be Rp0 (each with its own basis), the rest pay;
# a private customer needs an NPWP, given or not.
CUSTOMERS = [("pemerintah", None), ("akademisi", None), ("perorangan", None), ("swasta", None),
             ("swasta", "01.855.081.4-005.000")]


@hsettings(max_examples=60, deadline=None,
           suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(customer=st.sampled_from(CUSTOMERS), steps=st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=30))
@example(customer=("perorangan", None), steps=["add_pub", "agree", "check_no_docs", "add_micro", "invoice"])
def test_no_sequence_breaks_the_rules(tmp_path_factory, customer, steps):
    from kiosk.clock import FixedClock
    from kiosk.store import Store
    from tests.conftest import write_config

    import shutil

    tmp = tmp_path_factory.mktemp("prop")
    settings = write_config(tmp / "c.toml", tmp / "p.db")
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=JAKARTA))
    template = _template_store(tmp_path_factory)
    shutil.copy(template, settings.db_path)  # accounts made once: argon2 is slow on purpose
    with Store(settings.db_path, clock=clock) as store:
        officer = accounts.find(store, "budi")
        treasurer = accounts.find(store, "rina")
        segment, npwp = customer
        if segment == "swasta" and not npwp:  # a walk-in firm is asked for its NPWP at once
            with pytest.raises(Invalid):
                sales.create_order(store, settings, officer, customer_name="Pelanggan Uji", segment=segment)
            return
        order = sales.create_order(store, settings, officer, customer_name="Pelanggan Uji", segment=segment,
                                   npwp=npwp)
        oid = order.id
        for step in steps:
            current = sales.get(store, oid)
            amount = current.invoice.total if current.invoice else 1
            try:
                {
                    "add_pub": lambda: sales.add_line(store, officer, oid, product="publikasi-elektronik", measure=60),
                    "add_micro": lambda: sales.add_line(store, officer, oid, product="data-mikro", measure=1_200_000),
                    "add_map": lambda: sales.add_line(store, officer, oid, product="peta-kabkota-kecamatan"),
                    "add_printed": lambda: sales.add_line(store, officer, oid, product="publikasi-tercetak",
                                                          quantity=2, listed_price=45_000),
                    "remove": lambda: current.lines and sales.remove_line(store, officer, oid, current.lines[0].id),
                    "agree": lambda: sales.agree(store, officer, oid),
                    "agree_zero": lambda: sales.agree(store, officer, oid, zero_basis="pemerintah"),
                    "agree_edu": lambda: sales.agree(store, officer, oid, zero_basis="pendidikan"),
                    "check": lambda: sales.check_documents(store, officer, oid, abstraksi="Analisis kemiskinan untuk skripsi", request_letter=True),
                    "check_no_docs": lambda: sales.check_documents(store, officer, oid, request_letter=True),
                    "check_bad": lambda: sales.check_documents(store, officer, oid, abstraksi="Analisis kemiskinan untuk skripsi", matches=False),
                    "invoice": lambda: sales.issue_invoice(store, settings, officer, oid, sample_note="contoh"),
                    "revise": lambda: sales.revise(store, officer, oid, reason="revisi"),
                    "prepare": lambda: sales.mark_prepared(store, officer, oid),
                    "pay_cash": lambda: payments.submit_payment(store, treasurer, oid, method="cash", amount=amount),
                    "pay_wrong": lambda: payments.submit_payment(store, treasurer, oid, method="cash", amount=amount + 1),
                    "pay_billing": lambda: payments.submit_payment(store, officer, oid, method="billing", amount=amount,
                                                                   billing_code=BILLING, ntpn=NTPN),
                    "verify": lambda: payments.verify_payment(store, treasurer, oid),
                    "reject": lambda: payments.verify_payment(store, treasurer, oid, accept=False, reason="tidak masuk"),
                    "receipt": lambda: payments.issue_receipt(store, settings, treasurer, oid),
                    "sppd": lambda: payments.record_sppd(store, officer, oid, meterai=True),
                    "deliver": lambda: payments.hand_over(store, officer, oid, medium="flashdisk"),
                    "cancel": lambda: sales.cancel(store, officer, oid, reason="batal"),
                    "age": lambda: clock.advance(days=17),
                    "officer_verifies": lambda: payments.verify_payment(store, officer, oid),
                    "officer_receipt": lambda: payments.issue_receipt(store, settings, officer, oid),
                }[step]()
            except DomainError:
                pass
            _check_invariants(store, oid, segment)


_TEMPLATE = {}


def _template_store(tmp_path_factory):
    from kiosk.store import Store

    if "path" not in _TEMPLATE:
        path = tmp_path_factory.mktemp("template") / "t.db"
        with Store(path) as store:
            admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
            accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
            accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _TEMPLATE["path"] = path
    return _TEMPLATE["path"]


def _check_invariants(store, oid, segment):
    import json

    order = sales.get(store, oid)
    catalogue = shipped()
    products = {p.code: p for p in catalogue.in_force(date(2026, 11, 23)).product}

    def tariff(line):
        return price(products[line["product"]], line["quantity"], line["measure"], line["listed_price"])

    # Every amount is the catalogue's tariff, on the order and on each invoice version.
    for line in order.lines:
        assert line.amount == tariff(line.model_dump())
    for invoice in order.invoices:
        lines = json.loads(store.row("SELECT lines FROM invoices WHERE id = ?", (invoice.id,))["lines"])
        assert invoice.total == sum(tariff(line) for line in lines)
    if order.status not in ("draft", "cancelled"):
        assert order.segment != "swasta" or order.npwp  # private customers agreed only with an NPWP
    if order.zero_tariff:
        assert segment in catalogue.basis(order.zero_basis).segments and not order.invoices
    if order.sppd_signed_at is not None:
        assert order.needs_documents(catalogue)
    if order.status in ("invoiced", "paid", "receipted", "delivered") and order.needs_documents(catalogue):
        assert order.abstraksi  # microdata and maps only with the statement of use
    assert len([i for i in order.invoices if i.voided_at is None]) <= 1
    if order.receipt is not None:
        verified = [p for p in order.payments if p.status == "verified"]
        assert len(verified) == 1
        paid_invoice = next(i for i in order.invoices if i.id == verified[0].invoice_id)
        assert verified[0].amount == paid_invoice.total == order.receipt.amount
        assert paid_invoice.voided_at is None
    for payment in order.payments:
        if payment.status == "verified":
            invoice = next(i for i in order.invoices if i.id == payment.invoice_id)
            assert payment.created_at <= invoice.valid_until  # never paid on an expired invoice
            assert invoice.voided_at is None  # a paid invoice is never voided
            assert payment.amount == invoice.total
    if order.status == "delivered":
        assert order.prepared_at is not None
        if order.needs_documents(catalogue):
            assert order.sppd_signed_at is not None and order.meterai
        if not order.zero_tariff:
            assert order.receipt is not None
    if order.status in ("paid", "receipted", "delivered") and not order.zero_tariff:
        assert any(p.status == "verified" for p in order.payments)


def test_invoice_and_receipt_print_through_the_real_printer(printer_settings, capture, clock):
    from kiosk import printing
    from kiosk.sales.papers import print_invoice, print_receipt
    from kiosk.store import Store

    with Store(printer_settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        officer = accounts.add_user(store, admin, username="budi", name="Budi Santoso", role="petugas", pin="284751")
        treasurer = accounts.add_user(store, admin, username="rina", name="Rina Marlina", role="bendahara", pin="435162")
        order = sales.create_order(store, printer_settings, officer, customer_name="Siti Aminah", segment="akademisi")
        sales.add_line(store, officer, order.id, product="data-mikro", measure=2_500_000, description="Susenas 2025")
        sales.add_line(store, officer, order.id, product="peta-kabkota-desa", quantity=1)
        sales.agree(store, officer, order.id)
        sales.check_documents(store, officer, order.id, abstraksi="Analisis kemiskinan untuk skripsi")
        sales.issue_invoice(store, printer_settings, officer, order.id, sample_note="10 baris")
        job = print_invoice(store, printer_settings, officer, order.id)
        assert printing.print_job(store, printer_settings, job).printed
        payments.submit_payment(store, officer, order.id, method="billing", amount=120_000,
                                billing_code=BILLING, ntpn=NTPN)
        payments.verify_payment(store, treasurer, order.id)
        payments.issue_receipt(store, printer_settings, treasurer, order.id)
        job = print_receipt(store, printer_settings, treasurer, order.id)
        assert printing.print_job(store, printer_settings, job).printed
        again = print_receipt(store, printer_settings, treasurer, order.id)
        assert printing.print_job(store, printer_settings, again).printed
    invoice, receipt, copy = capture.wait_for_jobs(3)
    for expected in (b"INVOICE", b"INV/1373/2026/0001 v1", b"Rp120.000", b"Susenas 2025", b"Rp50.000",
                     b"Rp70.000", b"Seratus dua puluh ribu rupiah", b"23-12-2026", b"Kode billing SIMPONI",
                     b"Budi Santoso", b"1 dataset, 2.500.000 byte", b"1 peta", b"\x1dV\x00"):
        assert expected in invoice, expected
    assert b"dataset." not in invoice
    # A line says its tariff item before what the officer typed (a trial: "Susenas 2025" alone
    # hid which product priced it).
    assert invoice.index(b"Data mikro tanpa pengolahan") < invoice.index(b"Susenas 2025")
    for expected in (b"KUITANSI", b"0001/KW/1373/2026", b"Siti Aminah", b"Seratus dua puluh ribu rupiah",
                     b"Rp120.000", b"NTPN " + NTPN.encode(), b"Rina Marlina", b"\x1dV\x00"):
        assert expected in receipt, expected
    assert b"CETAK ULANG" in copy and b"CETAK ULANG" not in receipt


def test_screens_offer_only_what_the_role_may_do_now(store, settings, staff):
    from kiosk.sales.view import allowed_actions, timeline

    officer, treasurer = staff
    order = sales.create_order(store, settings, officer, customer_name="Andi", segment="perorangan")
    assert allowed_actions(store, settings, order, "petugas") == ["add_line", "cancel"]
    assert allowed_actions(store, settings, order, "bendahara") == []
    sales.add_line(store, officer, order.id, product="publikasi-elektronik", measure=10)
    sales.agree(store, officer, order.id)
    sales.check_documents(store, officer, order.id)
    sales.issue_invoice(store, settings, officer, order.id)
    order = payments.submit_payment(store, officer, order.id, method="cash", amount=50_000)
    assert "verify" in allowed_actions(store, settings, order, "bendahara")
    assert "verify" not in allowed_actions(store, settings, order, "petugas")
    assert "pay" not in allowed_actions(store, settings, order, "bendahara")  # one payment at a time
    order = payments.verify_payment(store, treasurer, order.id)
    assert allowed_actions(store, settings, order, "bendahara")[:1] == ["receipt"]
    assert "cancel" not in allowed_actions(store, settings, order, "petugas")
    assert [key for _, key, _ in timeline(order)] == ["created", "agreed", "checked", "invoiced", "payment", "verified"]


def _invoiced(store, settings, actor, name="Andi", measure=10):
    order = sales.create_order(store, settings, actor, customer_name=name, segment="perorangan")
    sales.add_line(store, actor, order.id, product="publikasi-elektronik", measure=measure)
    sales.agree(store, actor, order.id)
    sales.check_documents(store, actor, order.id)
    return sales.issue_invoice(store, settings, actor, order.id)


def test_open_desk_cannot_verify_money_or_issue_receipts(store, settings):
    from kiosk.sales.view import allowed_actions

    order = _invoiced(store, settings, None)  # no accounts yet: the desk is open
    order = payments.submit_payment(store, None, order.id, method="cash", amount=50_000)
    assert not {"verify", "reject", "receipt"} & set(allowed_actions(store, settings, order, None))
    for attempt in (lambda: payments.verify_payment(store, None, order.id),
                    lambda: payments.verify_payment(store, None, order.id, accept=False, reason="x")):
        with pytest.raises(Forbidden) as err:
            attempt()
        assert "pst-kiosk user add" in err.value.message("id") and "bendahara" in err.value.message("en")
    unchanged = sales.get(store, order.id)
    assert unchanged.status == "invoiced" and [p.status for p in unchanged.payments] == ["submitted"]
    # Once a treasurer account exists and acts, the receipt still needs that treasurer.
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    treasurer = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
    payments.verify_payment(store, treasurer, order.id)
    with pytest.raises(Forbidden):
        payments.issue_receipt(store, settings, None, order.id)
    assert sales.get(store, order.id).receipt is None
    assert payments.issue_receipt(store, settings, treasurer, order.id).receipt.number == "0001/KW/1373/2026"


@pytest.mark.parametrize("issued, last_day", [
    (datetime(2027, 1, 31, 6, 0), date(2027, 2, 28)),    # 30 Jan in UTC; clamped to February's end
    (datetime(2028, 1, 31, 9, 0), date(2028, 2, 29)),    # leap year
    (datetime(2026, 11, 23, 0, 30), date(2026, 12, 23)),  # 22 Nov in UTC
    (datetime(2026, 12, 31, 23, 50), date(2027, 1, 31)),  # over the year's end
    (datetime(2026, 3, 31, 10, 0), date(2026, 4, 30)),
])
def test_an_invoice_is_payable_to_the_end_of_the_printed_last_day(store, settings, clock, issued, last_day):
    from datetime import timedelta

    from kiosk.sales.papers import invoice_paper

    clock.set(issued.replace(tzinfo=JAKARTA))
    on_time = _invoiced(store, settings, None)
    late = _invoiced(store, settings, None, name="Beni")
    assert invoice_paper(store, settings, on_time).valid_until == f"{last_day:%d-%m-%Y}"
    end_of_day = datetime(last_day.year, last_day.month, last_day.day, 23, 59, 59, tzinfo=JAKARTA)
    clock.set(end_of_day)
    assert payments.submit_payment(store, None, on_time.id, method="cash", amount=50_000).payments
    clock.set(end_of_day + timedelta(seconds=1))  # midnight: the next day
    with pytest.raises(Refused) as err:
        payments.submit_payment(store, None, late.id, method="cash", amount=50_000)
    assert f"{last_day:%d-%m-%Y}" in err.value.message("id")
    assert sales.get(store, late.id).payments == []


def _receipted(store, settings, staff, product, **line):
    officer, treasurer = staff
    order = sales.create_order(store, settings, officer, customer_name="Andi", segment="perorangan")
    sales.add_line(store, officer, order.id, product=product, **line)
    sales.agree(store, officer, order.id)
    sales.check_documents(store, officer, order.id, abstraksi="Analisis kemiskinan untuk skripsi")
    order = sales.issue_invoice(store, settings, officer, order.id, sample_note="contoh")
    payments.submit_payment(store, treasurer, order.id, method="cash", amount=order.invoice.total)
    payments.verify_payment(store, treasurer, order.id)
    return payments.issue_receipt(store, settings, treasurer, order.id)


def test_hand_over_is_offered_only_once_prepared_and_with_the_sppd(store, settings, staff):
    from kiosk.sales.view import allowed_actions

    officer, _ = staff
    order = _receipted(store, settings, staff, "data-mikro", measure=500_000)
    offered = allowed_actions(store, settings, order, "petugas")
    assert "deliver" not in offered and {"prepare", "sppd"} <= set(offered)
    order = sales.mark_prepared(store, officer, order.id)
    assert "deliver" not in allowed_actions(store, settings, order, "petugas")  # SPPD still missing
    with pytest.raises(Refused):
        payments.hand_over(store, officer, order.id, medium="flashdisk")
    order = payments.record_sppd(store, officer, order.id, meterai=True)
    assert "deliver" in allowed_actions(store, settings, order, "petugas")
    assert payments.hand_over(store, officer, order.id, medium="flashdisk").status == "delivered"


def test_publications_need_no_sppd(store, settings, staff):
    from kiosk.sales.view import allowed_actions

    officer, _ = staff
    order = _receipted(store, settings, staff, "publikasi-elektronik", measure=10)
    assert "sppd" not in allowed_actions(store, settings, order, "petugas")
    assert "deliver" not in allowed_actions(store, settings, order, "petugas")  # not prepared
    with pytest.raises(Refused) as err:
        payments.record_sppd(store, officer, order.id, meterai=True)
    assert "tidak memerlukan SPPD" in err.value.message("id") and "needs no SPPD" in err.value.message("en")
    assert sales.get(store, order.id).sppd_signed_at is None
    order = sales.mark_prepared(store, officer, order.id)
    assert "deliver" in allowed_actions(store, settings, order, "petugas")


def test_an_expired_invoice_offers_only_revision_or_cancel(store, settings, staff, clock):
    from kiosk.sales.view import allowed_actions

    officer, treasurer = staff
    order = _invoiced(store, settings, officer)
    assert "pay" in allowed_actions(store, settings, order, "bendahara")
    clock.set(datetime(2026, 12, 24, 0, 0, tzinfo=JAKARTA))  # valid until 23-12-2026
    for role in ("petugas", "bendahara"):
        offered = allowed_actions(store, settings, order, role)
        # "pay" stays: a bill paid at the bank in time may be recorded late (its date is checked)
        assert "pay" in offered and "print_invoice" not in offered
    with pytest.raises(Refused) as refused:  # cash counted today is too late
        payments.submit_payment(store, treasurer, order.id, method="cash", amount=50_000, settings=settings)
    assert refused.value.key == "sales.invoice_expired"
    assert {"revise", "cancel"} <= set(allowed_actions(store, settings, order, "petugas"))
    order = sales.revise(store, officer, order.id, reason="kedaluwarsa")
    order = sales.issue_invoice(store, settings, officer, order.id)
    assert "pay" in allowed_actions(store, settings, order, "bendahara")


def test_correction_is_offered_until_the_deadline_counting_published_holidays(store, settings, staff, clock):
    from kiosk import reference
    from kiosk.sales.view import allowed_actions

    officer, _ = staff
    order = _receipted(store, settings, staff, "publikasi-elektronik", measure=10)
    sales.mark_prepared(store, officer, order.id)
    order = payments.hand_over(store, officer, order.id, medium="email")  # Monday 23-11-2026
    assert payments.correction_deadline(store, settings, order).date() == date(2026, 11, 30)
    reference.apply(store, "holidays", {"dates": ["2026-11-25"]})  # the centre adds a day off
    deadline = payments.correction_deadline(store, settings, order)
    assert (deadline.date(), deadline.hour, deadline.minute) == (date(2026, 12, 1), 23, 59)
    clock.set(datetime(2026, 12, 1, 16, 0, tzinfo=JAKARTA))
    assert "correction" in allowed_actions(store, settings, order, "petugas")
    order = payments.request_correction(store, settings, officer, order.id, note="halaman hilang")
    clock.set(datetime(2026, 12, 2, 8, 0, tzinfo=JAKARTA))
    assert "correction" not in allowed_actions(store, settings, order, "petugas")
    assert "resolve" in allowed_actions(store, settings, order, "petugas")
    with pytest.raises(Refused) as err:
        payments.request_correction(store, settings, officer, order.id, note="lagi")
    assert "01-12-2026" in err.value.message("id")
    assert len(sales.get(store, order.id).corrections) == 1


def test_the_catalogue_refuses_duplicate_codes_and_data_without_documents(tmp_path):
    path = tmp_path / "catalogue.toml"
    text = shipped_text()
    duplicate = text.replace('code = "data-mikro-olah"', 'code = "data-mikro"', 1)
    path.write_text(duplicate)
    with pytest.raises(ConfigError) as err:
        load(path)
    assert "duplicate product code 'data-mikro'" in err.value.message("en")
    start = text.index('code = "peta-kabkota-desa"')
    no_docs = text[:start] + text[start:].replace('documents = ["abstraksi", "sppd"]', 'documents = []', 1)
    path.write_text(no_docs)
    with pytest.raises(ConfigError) as err:
        load(path)
    line = text[:start].count("\n") + 1 + text[start:].split('documents = ["abstraksi"')[0].count("\n")
    assert f"line {line}" in err.value.message("en") and "map needs documents" in err.value.message("en")
    only_abstraksi = text.replace('documents = ["abstraksi", "sppd"]', 'documents = ["abstraksi"]', 1)
    path.write_text(only_abstraksi)
    with pytest.raises(ConfigError):
        load(path)
    path.write_text(text.replace('code = "internasional"', 'code = "pemerintah"'))
    with pytest.raises(ConfigError) as err:
        load(path)
    assert "duplicate zero_basis code 'pemerintah'" in err.value.message("en")


def test_the_sample_note_follows_the_product_kind_not_its_code(store, settings, staff):
    from kiosk import reference

    officer, _ = staff
    payload = shipped().model_dump(mode="json")
    products = payload["regulation"][0]["product"]
    products.append({**next(p for p in products if p["code"] == "data-mikro"), "code": "susenas-2025"})
    products.append({**next(p for p in products if p["code"] == "publikasi-elektronik"),
                     "code": "data-mikro-ringkasan"})
    reference.apply(store, "catalogue", payload)
    for product, needs_sample in (("susenas-2025", True), ("data-mikro-ringkasan", False)):
        order = sales.create_order(store, settings, officer, customer_name="Andi", segment="perorangan")
        sales.add_line(store, officer, order.id, product=product, measure=2_000)
        sales.agree(store, officer, order.id)
        sales.check_documents(store, officer, order.id, abstraksi="Analisis kemiskinan untuk skripsi")
        if needs_sample:
            with pytest.raises(Invalid) as err:
                sales.issue_invoice(store, settings, officer, order.id)
            assert set(err.value.errors) == {"sample_note"}
            assert sales.get(store, order.id).status == "checked"
        else:
            assert sales.issue_invoice(store, settings, officer, order.id).status == "invoiced"


def test_a_failed_first_print_comes_out_as_the_original(printer_settings, capture, clock):
    from kiosk import printing
    from kiosk.sales.papers import print_invoice
    from kiosk.store import Store

    with Store(printer_settings.db_path, clock=clock) as store:
        order = _invoiced(store, printer_settings, None)
        capture.mode = "paper_out"
        first = print_invoice(store, printer_settings, None, order.id)
        assert not printing.print_job(store, printer_settings, first).printed
        capture.mode = "ok"
        again = print_invoice(store, printer_settings, None, order.id)
        assert again == first  # the same job, retried: not a copy
        assert printing.print_job(store, printer_settings, again).printed
        copy = print_invoice(store, printer_settings, None, order.id)
        assert copy != first and printing.print_job(store, printer_settings, copy).printed
        assert [j["is_copy"] for j in store.rows("SELECT is_copy FROM print_jobs ORDER BY created_at, id")] == [0, 1]
    original, reprinted = capture.wait_for_jobs(2)
    assert b"INVOICE" in original and b"CETAK ULANG" not in original
    assert b"CETAK ULANG" in reprinted


def test_the_treasurer_signs_invoice_and_receipt_and_the_officer_is_named(store, settings, staff, tmp_path):
    from printers.render import render_text
    from printers.sales_documents import invoice_document, receipt_document
    from kiosk.sales.papers import invoice_paper, receipt_paper
    from tests.conftest import write_config

    named = write_config(tmp_path / "named.toml", settings.db_path, treasurer_name="Dra. Rina Marlina")
    order = _receipted(store, settings, staff, "publikasi-elektronik", measure=10)
    invoice = render_text(invoice_document(invoice_paper(store, named, order)))
    receipt = render_text(receipt_document(receipt_paper(store, named, order)))
    signature = invoice[invoice.rindex("Bendahara Penerimaan"):]
    assert "Dra. Rina Marlina" in signature and "Petugas PST: Budi" in invoice
    assert "Budi" not in signature
    assert "Dra. Rina Marlina" in receipt[receipt.rindex("Bendahara Penerimaan"):]
    # No name set: the invoice leaves the name blank under the line, the receipt names who issued it.
    invoice = render_text(invoice_document(invoice_paper(store, settings, order)))
    receipt = render_text(receipt_document(receipt_paper(store, settings, order)))
    signature = [line.strip() for line in invoice[invoice.rindex("Bendahara Penerimaan"):].splitlines()]
    assert signature[-2].startswith("(____") and signature[-1].startswith("- - -")  # then the cut
    assert receipt[receipt.rindex("Bendahara Penerimaan"):].count("Rina") == 1


def test_invoice_prints_the_npwp_formatted(store, settings, staff):
    from kiosk.sales.papers import invoice_paper, npwp_text
    from printers.render import render_text
    from printers.sales_documents import invoice_document

    officer, _ = staff
    assert npwp_text("018550814005000") == "01.855.081.4-005.000"
    assert npwp_text("3273014101900001") == "3273014101900001"  # 16 digits (the NIK): as is
    assert npwp_text("0185*******5000") == "0185*******5000"  # masked (a restored order): as is
    for typed, printed in (("01.855.081.4-005.000", "NPWP 0018550814005000"),
                           ("3273014101900001", "NPWP 3273014101900001")):
        order = sales.create_order(store, settings, officer, customer_name="PT Data Maju", segment="swasta",
                                   npwp=typed)
        sales.add_line(store, officer, order.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, officer, order.id)
        sales.check_documents(store, officer, order.id)
        order = sales.issue_invoice(store, settings, officer, order.id)
        assert printed in render_text(invoice_document(invoice_paper(store, settings, order)))


def test_receipt_place_is_the_city_never_the_office_name(store, settings, staff, tmp_path):
    from kiosk.sales.papers import receipt_paper
    from printers.render import render_text
    from printers.sales_documents import receipt_document
    from tests.conftest import write_config

    order = _receipted(store, settings, staff, "publikasi-elektronik", measure=10)
    assert settings.office.city == ""
    paper = receipt_paper(store, settings, order)
    assert paper.place_date == "23-11-2026"
    assert "PST BPS Kota Sawahlunto, " not in render_text(receipt_document(paper))
    with_city = write_config(tmp_path / "city.toml", settings.db_path, city="Sawahlunto")
    paper = receipt_paper(store, with_city, order)
    assert paper.place_date == "Sawahlunto, 23-11-2026"
    assert "Sawahlunto, 23-11-2026" in render_text(receipt_document(paper))


def test_microdata_cannot_join_an_order_checked_without_the_abstraksi(store, settings, staff):
    officer, _ = staff
    order = sales.create_order(store, settings, officer, customer_name="Andi", segment="perorangan")
    sales.add_line(store, officer, order.id, product="publikasi-elektronik", measure=10)
    sales.agree(store, officer, order.id)
    sales.check_documents(store, officer, order.id)  # a publication: no abstraksi asked
    with pytest.raises(Refused) as err:
        sales.add_line(store, officer, order.id, product="data-mikro", measure=10)
    assert "abstraksi" in err.value.message("id") and "new order" in err.value.message("en")
    assert [line.product for line in sales.get(store, order.id).lines] == ["publikasi-elektronik"]
    assert sales.add_line(store, officer, order.id, product="publikasi-tercetak", listed_price=40_000).total == 90_000


# -- a published catalogue cannot change an existing order's rules ---------------------------------


def test_a_catalogue_dropping_a_code_orders_use_is_refused_and_the_old_kept(store, settings, staff):
    from kiosk import reference
    from kiosk.catalogue import active

    officer, _ = staff
    order = sales.create_order(store, settings, officer, customer_name="Andi", segment="perorangan")
    sales.add_line(store, officer, order.id, product="data-mikro", measure=500_000)
    before = active(store)
    renamed_product = shipped().model_dump(mode="json")
    for p in renamed_product["regulation"][0]["product"]:
        if p["code"] == "data-mikro":
            p["code"] = "data-mikro-baru"
    renamed_regulation = shipped().model_dump(mode="json")
    renamed_regulation["regulation"][0]["code"] = "PP-13-2024-REV"
    for payload, named in ((renamed_product, "PP-13-2024/data-mikro"), (renamed_regulation, "PP-13-2024")):
        with pytest.raises(ValueError) as err:
            reference.apply(store, "catalogue", payload)
        assert named in str(err.value)
        assert active(store) == before  # refused like an invalid catalogue: the old one kept
    # Adding a product, or renaming one no order uses, is accepted.
    renamed_product["regulation"][0]["product"].append(
        {**shipped().regulation[0].product[2].model_dump(mode="json"), "code": "data-mikro"})
    reference.apply(store, "catalogue", renamed_product)
    assert active(store).product("data-mikro-baru", date(2026, 11, 23)).needs_documents


def test_an_order_keeps_the_rules_its_lines_recorded_whatever_the_catalogue(store, settings, staff):
    from kiosk.sales.view import allowed_actions, documents

    officer, _ = staff
    order = _receipted(store, settings, staff, "data-mikro", measure=500_000)
    assert (order.lines[0].kind, order.lines[0].needs_documents) == ("microdata", True)
    order = sales.mark_prepared(store, officer, order.id)
    # A catalogue the centre published with the codes renamed got in (written directly here:
    # reference.apply refuses it): the order still needs the SPPD and nothing fails.
    payload = shipped().model_dump(mode="json")
    payload["regulation"][0]["code"] = "PP-BARU"
    for p in payload["regulation"][0]["product"]:
        p["code"] += "-baru"
    with store.write():
        store.conn.execute("INSERT INTO meta(key, value) VALUES ('reference.catalogue', ?)", (json.dumps(payload),))
    order = sales.get(store, order.id)
    offered = allowed_actions(store, settings, order, "petugas")
    assert "deliver" not in offered and "sppd" in offered
    assert documents(order, shipped())["sppd"] is False
    with pytest.raises(Refused):
        payments.hand_over(store, officer, order.id, medium="flashdisk")
    # A line restored from before the migration, its product unknown: documents needed, no crash.
    legacy = order.model_copy(update={"lines": [order.lines[0].model_copy(
        update={"kind": None, "needs_documents": None, "product": "hilang"})]})
    assert legacy.needs_documents(shipped()) and not legacy.has_kind(shipped(), "microdata")


def test_the_migration_backfills_what_each_line_needs(tmp_path, clock):
    from kiosk.store import Store
    from tests.kiosk.test_guestbook import store_at

    conn = store_at(tmp_path / "old.db", 8)
    conn.execute("INSERT INTO orders(id, created_at, updated_at, terminal_id, number, year, seq, status,"
                 " customer_name, segment, regulation) VALUES ('o1', 'x', 'x', 't', 'ORD/1/2026/0001', 2026, 1,"
                 " 'draft', 'Andi', 'perorangan', 'PP-13-2024')")
    for line_id, product in (("l1", "data-mikro"), ("l2", "publikasi-tercetak"), ("l3", "hilang"),
                             ("l4", "peta-indonesia-desa")):
        conn.execute("INSERT INTO order_lines(id, created_at, terminal_id, order_id, product, description,"
                     " quantity, amount) VALUES (?, 'x', 't', 'o1', ?, 'd', 1, 0)", (line_id, product))
    conn.commit()
    conn.close()
    with Store(tmp_path / "old.db", clock=clock) as store:
        rows = store.conn.execute("SELECT id, kind, needs_documents FROM order_lines ORDER BY id").fetchall()
    assert [tuple(r) for r in rows] == [("l1", "microdata", 1), ("l2", "publication", 0), ("l3", None, 1),
                                        ("l4", "map", 1)]


# -- bounds on what is typed -------------------------------------------------------------------------


def test_a_huge_price_or_measure_is_invalid_not_a_crash(store, settings, staff):
    officer, _ = staff
    order = sales.create_order(store, settings, officer, customer_name="Andi", segment="perorangan")
    for product, line, field in (("publikasi-tercetak", {"listed_price": 99999999999999999999}, "listed_price"),
                                 ("publikasi-tercetak", {"listed_price": 10**12, "quantity": 2}, "listed_price"),
                                 ("data-mikro", {"measure": 10**12 + 1}, "measure"),
                                 ("data-mikro", {"measure": 10**12, "quantity": 10_000}, "measure"),
                                 ("publikasi-elektronik", {"measure": 99999999999999999999}, "measure")):
        with pytest.raises(Invalid) as err:
            sales.add_line(store, officer, order.id, product=product, **line)
        assert set(err.value.errors) == {field}
        assert "1.000.000.000.000" in err.value.field_messages("id")[field]
    assert sales.get(store, order.id).lines == []
    sales.add_line(store, officer, order.id, product="publikasi-tercetak", listed_price=10**12)
    sales.add_line(store, officer, order.id, product="publikasi-tercetak", listed_price=10**12)
    assert sales.list_orders(store)[0].total == 2 * 10**12


# -- a payment waiting for the treasurer ------------------------------------------------------------


def test_a_payment_awaiting_the_treasurer_blocks_revise_and_cancel(store, settings, staff):
    from kiosk.sales.view import allowed_actions

    officer, treasurer = staff
    order = _invoiced(store, settings, officer)
    payments.submit_payment(store, officer, order.id, method="billing", amount=order.invoice.total,
                            billing_code=BILLING, ntpn=NTPN)
    order = sales.get(store, order.id)
    assert not {"revise", "cancel"} & set(allowed_actions(store, settings, order, "petugas"))
    for step in (lambda: sales.revise(store, officer, order.id, reason="harga salah"),
                 lambda: sales.cancel(store, officer, order.id, reason="batal")):
        with pytest.raises(Refused) as err:
            step()
        assert "verify or reject it first" in err.value.message("en")
        assert "bendahara harus memverifikasi atau menolaknya" in err.value.message("id")
    order = sales.get(store, order.id)
    assert order.status == "invoiced" and order.invoice is not None
    assert [p.status for p in order.payments] == ["submitted"]
    payments.verify_payment(store, treasurer, order.id, accept=False, reason="tidak masuk")
    order = sales.get(store, order.id)
    assert {"revise", "cancel"} <= set(allowed_actions(store, settings, order, "petugas"))
    assert sales.revise(store, officer, order.id, reason="harga salah").status == "checked"


# -- the payment's own date (issue 15, point 6) ------------------------------------------------


def test_an_invoice_is_valid_on_the_day_the_ntpn_says_it_was_paid(store, settings, staff, clock):
    """Paid at the bank on the invoice's last day, recorded two days later: accepted, and the
    date travels with the payment; paid a day after the last day: refused, saying both dates."""
    officer, treasurer = staff
    order = _invoiced(store, settings, officer)
    last_day = order.invoice.valid_until.astimezone(settings.office.tz).date()
    clock.set(datetime.combine(last_day + timedelta(days=2), time(10), JAKARTA))
    with pytest.raises(Refused) as refused:
        payments.submit_payment(store, officer, order.id, method="billing", amount=50_000,
                                billing_code="820260000012345", ntpn="0A1B2C3D4E5F6G7H",
                                paid_on=f"{last_day + timedelta(days=1):%d-%m-%Y}", settings=settings)
    assert refused.value.key == "sales.paid_on.after_validity"
    assert f"{last_day:%d-%m-%Y}" in refused.value.message("id")
    paid = payments.submit_payment(store, officer, order.id, method="billing", amount=50_000,
                                   billing_code="820260000012345", ntpn="0A1B2C3D4E5F6G7H",
                                   paid_on=f"{last_day:%d-%m-%Y}", settings=settings)
    assert paid.submitted_payment.paid_on == last_day
    payload = json.loads(store.row("SELECT payload_text(payload) AS payload FROM changes WHERE entity = 'order' ORDER BY seq DESC")["payload"])
    assert payload["payments"][0]["paid_on"] == last_day.isoformat()
    assert payments.verify_payment(store, treasurer, order.id).status == "paid"
    from kiosk.sales.papers import receipt_paper

    order = payments.issue_receipt(store, settings, treasurer, order.id)
    assert receipt_paper(store, settings, order).payment.endswith(f"dibayar {last_day:%d-%m-%Y}")


@pytest.mark.parametrize("typed, key", [("31-02-2026", "sales.paid_on.format"), ("besok", "sales.paid_on.format"),
                                        ("", "invalid.required")])
def test_a_payment_date_that_is_not_a_date_is_refused_on_its_field(store, settings, staff, typed, key):
    officer, _ = staff
    order = _invoiced(store, settings, officer)
    with pytest.raises(Invalid) as invalid:
        payments.submit_payment(store, officer, order.id, method="billing", amount=50_000,
                                billing_code="820260000012345", ntpn="0A1B2C3D4E5F6G7H", paid_on=typed,
                                settings=settings)
    assert invalid.value.errors["paid_on"].key == key
    assert sales.get(store, order.id).payments == []


def test_a_payment_date_to_come_or_before_the_invoice_is_refused(store, settings, staff, clock):
    officer, _ = staff
    order = _invoiced(store, settings, officer)
    today = clock.now().astimezone(settings.office.tz).date()
    for day, key in ((today + timedelta(days=1), "sales.paid_on.future"),
                     (today - timedelta(days=1), "sales.paid_on.before_invoice")):
        with pytest.raises(Invalid) as invalid:
            payments.submit_payment(store, officer, order.id, method="billing", amount=50_000,
                                    billing_code="820260000012345", ntpn="0A1B2C3D4E5F6G7H",
                                    paid_on=day.isoformat(), settings=settings)
        assert invalid.value.errors["paid_on"].key == key


# -- the seeds' documents as documents (issue 15, point 4) -----------------------------------


def _microdata_checked(store, settings, officer, statement="Analisis kemiskinan untuk skripsi"):
    order = sales.create_order(store, settings, officer, customer_name="Siti", segment="akademisi")
    sales.add_line(store, officer, order.id, product="data-mikro", measure=2_500_000)
    sales.agree(store, officer, order.id)
    return sales.check_documents(store, officer, order.id, abstraksi=statement)


def test_the_statement_of_data_use_is_text_not_a_tick(store, settings, staff):
    officer, _ = staff
    order = sales.create_order(store, settings, officer, customer_name="Siti", segment="akademisi")
    sales.add_line(store, officer, order.id, product="data-mikro", measure=2_500_000)
    sales.agree(store, officer, order.id)
    for blank in (True, "", "   \n "):  # a tick or nothing typed is no statement
        with pytest.raises(Refused) as refused:
            sales.check_documents(store, officer, order.id, abstraksi=blank)
        assert refused.value.key == "sales.abstraksi_missing"
    with pytest.raises(Invalid) as invalid:
        sales.check_documents(store, officer, order.id, abstraksi="Analisis\x1b[2J kemiskinan")
    assert invalid.value.errors["abstraksi"].key == "invalid.characters"
    with pytest.raises(Invalid) as invalid:
        sales.check_documents(store, officer, order.id, abstraksi="x" * 1001)
    assert invalid.value.errors["abstraksi"].key == "sales.documents.too_long"
    order = sales.check_documents(store, officer, order.id, abstraksi="  Analisis   kemiskinan\n\nuntuk skripsi ")
    assert (order.abstraksi, order.abstraksi_text) == (True, "Analisis kemiskinan\nuntuk skripsi")


def test_the_customer_check_accepts_or_asks_a_revision_saying_what(store, settings, staff):
    from kiosk.sales.view import allowed_actions, timeline

    officer, treasurer = staff
    order = _microdata_checked(store, settings, officer)
    order = sales.issue_invoice(store, settings, officer, order.id, sample_note="10 baris")
    assert "customer_check" in allowed_actions(store, settings, order, "petugas")
    with pytest.raises(Invalid) as invalid:
        sales.customer_check(store, officer, order.id, accepted=False, note=" ")
    assert invalid.value.errors["note"].key == "sales.documents.revision_what"
    order = sales.customer_check(store, officer, order.id, accepted=False, note="Tambah variabel umur")
    assert order.status == "checked" and order.invoice is None
    assert order.invoices[0].void_reason == "Tambah variabel umur"
    order = sales.issue_invoice(store, settings, officer, order.id)
    order = sales.customer_check(store, officer, order.id, accepted=True)
    assert (order.invoice.version, order.invoice.customer_check) == (2, "accepted")
    assert "customer_check" not in allowed_actions(store, settings, order, "petugas")
    with pytest.raises(Refused) as refused:
        sales.customer_check(store, officer, order.id, accepted=True)
    assert refused.value.key == "sales.documents.already_checked"
    events = [key for _, key, _ in timeline(order)]
    assert events.count("statement") == 1 and events.count("check_revision") == 1
    assert events.count("check_accepted") == 1
    # A revision is refused while a payment waits for the treasurer (it may be in the treasury).
    other = _microdata_checked(store, settings, officer)
    other = sales.issue_invoice(store, settings, officer, other.id, sample_note="10 baris")
    payments.submit_payment(store, treasurer, other.id, method="cash", amount=other.invoice.total)
    with pytest.raises(Refused) as refused:
        sales.customer_check(store, officer, other.id, accepted=False, note="salah")
    assert refused.value.key == "sales.payment_awaits_treasurer"


def test_the_sppd_is_printed_pre_filled_only_for_microdata_and_maps(store, settings, staff):
    from kiosk.sales.papers import print_sppd, sppd_paper
    from printers.render import render_text
    from printers.sales_documents import sppd_document

    officer, _ = staff
    order = _microdata_checked(store, settings, officer, "Analisis kemiskinan untuk skripsi")
    text = render_text(sppd_document(sppd_paper(store, settings, order, officer)))
    for expected in ("SURAT PERJANJIAN", "Siti", "Analisis kemiskinan untuk skripsi", "[ meterai Rp10.000 ]",
                     "tidak memperjualbelikan", order.number, "Budi"):
        assert expected in text
    print_sppd(store, settings, officer, order.id)
    assert sales.get(store, order.id).sppd_printed_at is not None
    assert store.row("SELECT kind FROM print_jobs WHERE ref_id = ?", (f"{order.id}:sppd",))["kind"] == "sppd"
    publication = _invoiced(store, settings, officer)
    with pytest.raises(Refused) as refused:
        print_sppd(store, settings, officer, publication.id)
    assert refused.value.key == "sales.sppd_not_needed"

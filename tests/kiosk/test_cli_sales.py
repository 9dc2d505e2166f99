"""The sales commands as scripts use them: the catalogue in force and orders."""

import json

import pytest

from kiosk import config, reference
from kiosk.catalogue import shipped
from kiosk.store import Store
from screens.main import main


@pytest.fixture
def env(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").touch()  # an explicit config file must exist (empty: the defaults)
    monkeypatch.setenv("PST_KIOSK_DB", str(tmp_path / "pst.db"))
    assert main(["init", "--office-code", "1373", "--office-name", "PST BPS Kota Sawahlunto",
                 "--printer", "none"]) == 0
    capsys.readouterr()
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _store(env):
    return Store(config.load(env / "config.toml").db_path)


def test_catalogue_shows_the_one_the_centre_published(env, capsys):
    payload = shipped().model_dump(mode="json")
    product = next(p for p in payload["regulation"][0]["product"] if p["code"] == "peta-kabkota-desa")
    product["price"] = 75_000
    with _store(env) as store:
        reference.apply(store, "catalogue", payload)
    code, out, _ = run(capsys, "catalogue", "--json")
    prices = {p["code"]: p["price"] for p in json.loads(out)["products"]}
    assert code == 0 and prices["peta-kabkota-desa"] == 75_000
    code, out, _ = run(capsys, "catalogue")
    assert code == 0 and "Rp75.000" in out and "Rp70.000" not in out


def test_catalogue_says_when_a_regulation_has_no_tariffs(env, capsys):
    code, out, _ = run(capsys, "catalogue", "--date", "2020-01-01")
    assert code == 0 and "PP 7/2015" in out and "belum dimasukkan" in out


def test_order_show_tells_the_whole_story(env, capsys):
    from kiosk import accounts, sales
    from kiosk.sales import payments

    settings = config.load(env / "config.toml")
    with _store(env) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        rina = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
        order = sales.create_order(store, settings, admin, customer_name="Siti Aminah", segment="akademisi")
        sales.add_line(store, admin, order.id, product="data-mikro", measure=2_500_000, description="Susenas")
        sales.agree(store, admin, order.id)
        sales.check_documents(store, admin, order.id, abstraksi="Analisis kemiskinan untuk skripsi")
        sales.issue_invoice(store, settings, admin, order.id, sample_note="10 baris")
        sales.customer_check(store, admin, order.id, accepted=True, note="contoh sesuai")
        sales.mark_prepared(store, admin, order.id)
        payments.submit_payment(store, rina, order.id, method="cash", amount=50_000)
        payments.verify_payment(store, rina, order.id)
        payments.issue_receipt(store, settings, rina, order.id)
        payments.record_sppd(store, admin, order.id, meterai=True)
        payments.hand_over(store, admin, order.id, medium="flashdisk")
        payments.request_correction(store, settings, admin, order.id, note="variabel kurang")
    code, out, _ = run(capsys, "order", "show", order.number.lower())  # any case
    assert code == 0 and out.startswith(order.number)
    for expected in ("Data mikro tanpa pengolahan (fullset/pilih variabel): Susenas",  # item, then typed
                     "1 dataset, 2.500.000 byte", "[x] Abstraksi penggunaan data",
                     "[x] SPPD bertanda tangan dan bermeterai", "[x] Contoh data mikro", "Media: Flashdisk",
                     "Perbaikan dapat diminta s.d.", "Perbaikan diminta: variabel kurang", "Riwayat pesanan",
                     "SPPD bermeterai diterima", "Produk diserahkan (Flashdisk)", "Pembayaran diverifikasi bendahara",
                     "Pembayaran tunai Rp50.000", "tunai  Rp50.000  terverifikasi",
                     "Abstraksi penggunaan data: Analisis kemiskinan untuk skripsi",  # the statement, as given
                     "invoice INV/1373/2026/0001 v1: sesuai, catatan: contoh sesuai"):  # the customer's check
        assert expected in out, expected
    assert "verified" not in out and "cash" not in out
    code, out, _ = run(capsys, "order", "show", order.number, "--json")
    shown = json.loads(out)
    assert shown["documents"] == {"abstraksi": True, "sppd": True, "sample": True, "prepared": True}
    assert shown["medium"] == "flashdisk" and shown["meterai"] is True and shown["correction_until"]
    assert [c["note"] for c in shown["corrections"]] == ["variabel kurang"]
    assert "Produk diserahkan (Flashdisk)" in [e["event"] for e in shown["timeline"]]
    assert shown["abstraksi_text"] == "Analisis kemiskinan untuk skripsi"
    assert shown["invoices"][0]["customer_check"] == "accepted"


def test_a_recorded_payment_is_listed_for_verification_not_payment(env, capsys):
    from kiosk import sales
    from kiosk.sales import payments

    settings = config.load(env / "config.toml")
    with _store(env) as store:
        numbers = []
        for name in ("Andi", "Beni"):
            order = sales.create_order(store, settings, None, customer_name=name, segment="perorangan")
            sales.add_line(store, None, order.id, product="publikasi-elektronik", measure=10)
            sales.agree(store, None, order.id)
            sales.check_documents(store, None, order.id)
            sales.issue_invoice(store, settings, None, order.id)
            numbers.append(order.number)
        payments.submit_payment(store, None, numbers[1], method="cash", amount=50_000)
    code, out, _ = run(capsys, "order", "list", "--awaiting-payment")
    assert code == 0 and numbers[0] in out and numbers[1] not in out
    code, out, _ = run(capsys, "order", "list", "--awaiting-verification")
    assert code == 0 and numbers[1] in out and numbers[0] not in out
    assert "menunggu verifikasi bendahara" in out
    code, out, _ = run(capsys, "order", "show", numbers[1])
    assert "(menunggu verifikasi bendahara: tunai Rp50.000)" in out.splitlines()[0]
    assert "tunai  Rp50.000  menunggu verifikasi" in out
    code, out, _ = run(capsys, "order", "list", "--awaiting-verification", "--json")
    assert [o["awaiting_verification"] for o in json.loads(out)] == [True]


def test_order_list_keeps_its_columns_with_a_long_customer_name(env, capsys):
    """A long name pushed the state and the total of its row out of line (a trial): it is cut
    to its column with "…"; the total starts where the others' do."""
    from kiosk import sales

    settings = config.load(env / "config.toml")
    with _store(env) as store:
        for name in ("Andi", "Dinas Komunikasi dan Informatika Kota Sawahlunto"):
            order = sales.create_order(store, settings, None, customer_name=name, segment="pemerintah")
            sales.add_line(store, None, order.id, product="publikasi-elektronik", measure=10)
    code, out, _ = run(capsys, "order", "list")
    rows = out.splitlines()
    assert code == 0 and len(rows) == 2
    assert "Dinas Komunikasi dan Info…" in out and "Sawahlunto" not in out
    assert len({row.index("Rp") for row in rows}) == 1  # the totals in one column


def test_init_sets_the_city_and_the_treasurer(env, capsys):
    code, _, _ = run(capsys, "init", "--city", "Sawahlunto", "--treasurer", "Dra. Rina Marlina")
    office = config.load(env / "config.toml").office
    assert code == 0 and (office.city, office.treasurer_name) == ("Sawahlunto", "Dra. Rina Marlina")
    assert office.name == "PST BPS Kota Sawahlunto"  # the rest is kept


def test_printer_jobs_name_invoices_by_their_numbers_in_aligned_columns(env, capsys):
    from kiosk import sales
    from kiosk.sales import papers as sales_print

    settings = config.load(env / "config.toml")
    with _store(env) as store:
        order = sales.create_order(store, settings, None, customer_name="Andi", segment="perorangan")
        sales.add_line(store, None, order.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, None, order.id)
        sales.check_documents(store, None, order.id)
        sales.issue_invoice(store, settings, None, order.id)
        sales_print.print_invoice(store, settings, None, order.id)
        sales.revise(store, None, order.id, reason="judul salah")
        sales.issue_invoice(store, settings, None, order.id)
        sales_print.print_invoice(store, settings, None, order.id)
        invoice = sales.get(store, order.id).invoice
    assert (invoice.number, invoice.version) == ("INV/1373/2026/0001", 2)
    assert run(capsys, "ticket", "take", "B")[0] == 0
    with _store(env) as store, store.write():
        store.conn.execute("UPDATE print_jobs SET label = ? WHERE kind = 'ticket'",
                           ("a label far too long for its column",))
    code, out, _ = run(capsys, "printer", "jobs", "--json")
    assert [j["label"] for j in json.loads(out)][1:] == ["INV/1373/2026/0001 v2", "INV/1373/2026/0001"]
    code, out, _ = run(capsys, "printer", "jobs")
    header, *rows = out.splitlines()
    assert code == 0 and len(rows) == 3 and "ORD/" not in out and header.split()[0] == "TUGAS"
    assert " a label far too long… " in rows[0]
    assert " INV/1373/2026/0001 v2 " in rows[1] and " INV/1373/2026/0001    " in rows[2]
    # No printer here: every job is held (never printed by surprise later), columns aligned.
    assert len({r.index(" tidak dicetak ") for r in rows}) == 1


def test_order_list_refuses_a_negative_expiring(env, capsys):
    code, out, err = run(capsys, "order", "list", "--expiring", "-3")
    assert (code, out) == (9, "") and err == "pst-kiosk: --expiring -3: jumlah hari harus 0 atau lebih\n"
    code, out, _ = run(capsys, "order", "list", "--expiring", "0")
    assert (code, out) == (0, "Tidak ada pesanan.\n")


def test_order_show_prints_the_history_oldest_first(env, capsys):
    from kiosk import sales

    settings = config.load(env / "config.toml")
    with _store(env) as store:
        order = sales.create_order(store, settings, None, customer_name="Andi", segment="perorangan")
        sales.add_line(store, None, order.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, None, order.id)
    code, out, _ = run(capsys, "order", "show", order.number)
    history = [row.split("  ")[-1] for row in out.split("Riwayat pesanan")[1].splitlines()[1:]]
    assert code == 0 and history == ["Permintaan dicatat", "Pelanggan menyetujui tarif dan syarat"]
    code, _, err = run(capsys, "order", "show", "ord/1373/2026/9999")
    assert code == 3 and "ORD/1373/2026/9999" in err


def test_order_show_prints_what_proves_each_payment(env, capsys):
    """The treasurer reads the billing code and NTPN to check in SIMPONI (a trial: order show
    said only "kode billing Rp50.000 menunggu verifikasi")."""
    from kiosk import sales
    from kiosk.sales import payments

    settings = config.load(env / "config.toml")
    with _store(env) as store:
        order = sales.create_order(store, settings, None, customer_name="Andi", segment="perorangan")
        sales.add_line(store, None, order.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, None, order.id)
        sales.check_documents(store, None, order.id)
        sales.issue_invoice(store, settings, None, order.id)
        payments.submit_payment(store, None, order.id, method="billing", amount=50_000,
                                billing_code="820261123000123", ntpn="0A1B2C3D4E5F6G7H")
        today = f"{store.clock.now().astimezone(settings.office.tz):%d-%m-%Y}"
    code, out, _ = run(capsys, "order", "show", order.number)
    assert code == 0
    assert (f"kode billing  Rp50.000  menunggu verifikasi  (kode billing 820261123000123,"
            f" NTPN 0A1B2C3D4E5F6G7H, dibayar {today})") in out

"""IKM against a table, and a report against figures computed by hand."""

import csv
import json
import io
from datetime import date

import pytest

from kiosk import accounts, lockers, reports, sales, survey
from kiosk.sales import payments
from kiosk.errors import Invalid, Refused
from kiosk.guestbook import register_visit, validate_guest
from kiosk.tickets import queue_for

G = {"id_type": "ktp", "email": "x@example.com", "segment": "akademisi", "gender": "p", "education": "s1"}


@pytest.mark.parametrize("scores, ikm, grade", [
    ([4] * 9, 100.0, "A"), ([1] * 9, 25.0, "D"), ([3] * 9, 75.0, "C"),
    ([4, 4, 3, 4, 3, 4, 4, 3, 4], 91.67, "A"), ([3, 3, 3, 3, 3, 3, 4, 4, 4], 83.33, "B"),
    ([3, 3, 3, 3, 3, 2, 2, 2, 3], 66.67, "C"), ([2, 3, 2, 3, 2, 3, 2, 3, 2], 61.11, "D"),
])
def test_ikm_and_grade(scores, ikm, grade):
    index = survey.compute([dict(zip(survey.ELEMENTS, scores))])
    assert index.ikm == ikm and index.grade == grade


@pytest.mark.parametrize("value, grade", [(88.31, "A"), (88.30, "B"), (76.61, "B"), (76.60, "C"),
                                          (65.00, "C"), (64.99, "D"), (25.0, "D")])
def test_grade_boundaries(value, grade):
    assert survey.grade(value)[0] == grade


def test_ikm_is_the_mean_of_element_means():
    rows = [dict(zip(survey.ELEMENTS, [4] * 9)), dict(zip(survey.ELEMENTS, [3] * 8 + [1]))]
    index = survey.compute(rows)
    # element means: eight at 3.5, one at 2.5 -> (8*3.5 + 2.5) / 9 * 25 = 84.72
    assert index.ikm == 84.72 and index.grade == "B" and index.elements["u9"] == 2.5


def _visit(store, settings, clock, service, name, nik, **kw):
    guest = validate_guest({**G, "name": name, "id_number": nik, "email": f"{name.lower()}@example.com", **kw})
    return register_visit(store, settings, service=service, purpose=kw.pop("purpose", "tugas"), consent=True,
                          guest=guest).issued.ticket


def test_report_agrees_with_hand_computed_figures(store, settings, clock):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    treasurer = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
    q = queue_for(store, settings).as_user(admin)
    a1 = _visit(store, settings, clock, "A", "Ani", "3273014101900001")                       # 09:00
    b1 = _visit(store, settings, clock, "B", "Budi", "3273010101900002", gender="l", segment="swasta",
                npwp="01.855.081.4-005.000", education="s2")
    clock.advance(minutes=4)                                                                   # 09:04
    assert q.call_next(1, ["A"]).id == a1.id
    clock.advance(minutes=1)
    q.start(a1.id)                                                                             # 09:05
    clock.advance(minutes=5)                                                                   # 09:10
    b2 = q.take("B")
    clock.advance(minutes=2)                                                                   # 09:12
    assert q.call_next(2, ["B"]).id == b1.id
    q.start(b1.id)
    clock.advance(minutes=3)                                                                   # 09:15
    q.finish(a1.id)
    clock.advance(minutes=5)                                                                   # 09:20
    q.finish(b1.id)
    assert q.call_next(2, ["B"]).id == b2.id
    q.no_show(b2.id)
    clock.advance(minutes=10)                                                                  # 09:30
    _visit(store, settings, clock, "C", "Cici", "3273014201900003", purpose="skripsi")
    # ratings: one all 4, one all 3 -> 3.5 per element -> IKM 87.5, B
    for ticket, score in ((a1, 4), (b1, 3)):
        survey.submit(store, q, survey.find_rateable(store, q, ticket.number), dict.fromkeys(survey.ELEMENTS, score))
    # sales: 50.000 by billing code, 70.000 in cash
    for product, measure, method in (("publikasi-elektronik", 10, "billing"), ("peta-kabkota-desa", None, "cash")):
        order = sales.create_order(store, settings, admin, customer_name="Andi", segment="perorangan")
        sales.add_line(store, admin, order.id, product=product, measure=measure)
        sales.agree(store, admin, order.id)
        sales.check_documents(store, admin, order.id, abstraksi="Analisis kemiskinan untuk skripsi")
        order = sales.issue_invoice(store, settings, admin, order.id)
        payments.submit_payment(store, treasurer, order.id, method=method, amount=order.invoice.total,
                                billing_code="820261123000123", ntpn="0A1B2C3D4E5F6G7H")
        payments.verify_payment(store, treasurer, order.id)
        payments.issue_receipt(store, settings, treasurer, order.id)
    held = lockers.assign(store, settings, admin, id_type="sim", id_number="123456789012", holder_name="Andi")

    day = date(2026, 11, 23)
    r = reports.report(store, settings, admin, day, day)
    assert r["visits"]["total"] == 3
    assert r["visits"]["by_service"] == {"konsultasi": 1, "penjualan": 1, "perpustakaan": 1}
    assert r["visits"]["by_segment"] == {"akademisi": 2, "swasta": 1}
    assert r["visits"]["by_gender"] == {"p": 2, "l": 1}
    assert r["visits"]["by_purpose"] == {"tugas": 2, "skripsi": 1}
    assert r["visits"]["by_education"] == {"s1": 2, "s2": 1}
    assert (r["tickets"]["issued"], r["tickets"]["served"], r["tickets"]["no_show"]) == (4, 2, 1)
    assert r["waiting_minutes"] == {"median": 10.0, "p90": 11.6, "called": 3}   # waits 4, 12, 10
    assert r["service_minutes"] == {"median": 9.0, "p90": 9.8, "finished": 2}   # 10 and 8
    # Cici (C-001) was queued at 09:30 and it is 09:30: not yet a miss.
    assert r["within_standard"] == {"minutes": 10, "count": 2, "uncalled_late": 0, "share": 0.6667,
                                    "plain_count": 2, "plain_share": 0.6667}
    # The standard as the seeds word it: B-002 waited from 09:20, when B-001 (the visitor of
    # that service before it) finished, not from its issue at 09:10: 0, where the plain is 10.
    assert r["standard_wait_minutes"] == {"median": 4.0, "p90": 10.4, "called": 3}   # 4, 12, 0
    assert r["lockers_open"] == 1
    assert r["sales"]["by_product"] == {"peta-kabkota-desa": 70_000, "publikasi-elektronik": 50_000}
    assert r["sales"]["by_method"] == {"billing": 50_000, "cash": 70_000}
    assert (r["sales"]["receipts"], r["sales"]["receipts_total"]) == (2, 120_000)
    assert r["ikm"]["ikm"] == 87.5 and r["ikm"]["grade"] == "B" and r["ikm"]["respondents"] == 2
    assert r["ikm_by_service"]["perpustakaan"]["ikm"] == 100.0
    assert r["ikm"]["element_index"]["u1"] == 87.5 and r["ikm"]["element_grade"]["u1"] == "B"
    assert r["ikm_by_service"]["penjualan"]["element_grade"] == dict.fromkeys(survey.ELEMENTS, "C")  # 75.0
    # 09:41: Cici has waited 11 minutes uncalled -> 2 within of 3 called + 1 uncalled late.
    clock.advance(minutes=11)
    later = reports.report(store, settings, admin, day, day)
    assert later["within_standard"] == {"minutes": 10, "count": 2, "uncalled_late": 1, "share": 0.5,
                                        "plain_count": 2, "plain_share": 0.5}
    # Until now no transfer: each service's tickets are its own.
    assert later["tickets"]["by_service"]["penjualan"] == {
        "issued": 2, "transferred_in": 0, "transferred_out": 0, "served": 1, "no_show": 1, "waiting_left": 0,
        "in_service": 0}
    # Transfers. Dedi asks for sales (B-003), is called and sent on to consultation; Eko
    # asks for the library and goes to consultation before being called. Cici
    # (C-001) is served there; B-003 is being served; A-002 still waits.
    b3 = _visit(store, settings, clock, "B", "Dedi", "3273010202900004", gender="l")          # 09:41
    a2 = _visit(store, settings, clock, "A", "Eko", "3273010303900005", gender="l")
    clock.advance(minutes=1)                                                                   # 09:42
    assert q.call_next(2, ["B"]).id == b3.id
    b3c = q.transfer(b3.id, "C")
    a2c = q.transfer(a2.id, "C")
    assert q.call(3, "C-001").status == "called"
    q.start(q.find("C-001").id)
    clock.advance(minutes=3)                                                                   # 09:45
    q.finish(q.find("C-001").id)
    q.call(3, b3c.number)
    q.start(b3c.id)
    moved = reports.report(store, settings, admin, day, day)
    per = moved["tickets"]["by_service"]
    #                     issued  in  out  served  no-show  waiting  in service
    assert per == {
        "konsultasi": dict(zip(reports.SERVICE_FIGURES, (1, 2, 0, 1, 0, 1, 1))),    # C-001; B-003, A-002
        "penjualan": dict(zip(reports.SERVICE_FIGURES, (3, 0, 1, 1, 1, 0, 0))),     # B-001..3
        "perpustakaan": dict(zip(reports.SERVICE_FIGURES, (2, 0, 1, 1, 0, 0, 0))),
    }
    for figures in per.values():
        assert (figures["issued"] + figures["transferred_in"] - figures["transferred_out"]
                == figures["served"] + figures["no_show"] + figures["waiting_left"] + figures["in_service"])
    assert sum(f["transferred_in"] for f in per.values()) == sum(f["transferred_out"] for f in per.values()) == 2
    assert {k: moved["tickets"][k] for k in reports.TICKET_FIGURES} == {
        "issued": 6, "served": 3, "no_show": 1, "waiting_left": 1, "in_service": 1} == {
        k: sum(f[k] for f in per.values()) for k in reports.TICKET_FIGURES}
    # Tickets are counted where the visitor first asked, as the visits are (B-002 has no visit).
    assert moved["visits"]["by_service"] == {"penjualan": 2, "perpustakaan": 2, "konsultasi": 1}
    assert reports.visits_per_day(store, admin, day, day)[day.isoformat()] == 6
    assert a2c.number == "A-002" and sum(reports.arrivals_by_hour(store, settings, admin, day).values()) == 6
    # The card comes back the next day: the day's report still says one card was held at
    # closing, the next day's says none.
    clock.advance(days=1)
    lockers.return_card(store, admin, held.locker.id)
    assert reports.report(store, settings, admin, day, day)["lockers_open"] == 1
    assert reports.report(store, settings, admin, date(2026, 11, 24), date(2026, 11, 24))["lockers_open"] == 0
    other = reports.report(store, settings, admin, date(2026, 11, 22), date(2026, 11, 22))
    assert other["visits"]["total"] == 0 and other["ikm"]["ikm"] is None
    rows = list(csv.reader(io.StringIO(reports.to_csv(r))))
    assert rows[0] == ["section", "key", "value"]
    assert ["ikm", "ikm", "87.5"] in rows and ["visits", "by_segment.swasta", "1"] in rows


def test_rating_rules(store, settings, clock):
    q = queue_for(store, settings)
    t = _visit(store, settings, clock, "A", "Ani", "3273014101900001")
    with pytest.raises(Refused) as err:
        survey.find_rateable(store, q, "A-001")
    assert "belum selesai" in err.value.message("id")
    q.call_next(1)
    q.start(t.id)
    q.finish(t.id)
    found = survey.find_rateable(store, q, f"PST:1373:{t.id}:A-001")  # the ticket's QR
    with pytest.raises(Invalid) as err:
        survey.submit(store, q, found, {"u1": 4, "u2": 9})
    assert set(err.value.errors) == set(survey.ELEMENTS) - {"u1"}
    survey.submit(store, q, found, dict.fromkeys(survey.ELEMENTS, 4), "Petugas ramah")
    with pytest.raises(Refused):
        survey.find_rateable(store, q, "a1")  # one rating per visit
    row = store.row("SELECT visit_id, comment FROM ratings")
    assert row["visit_id"] and row["comment"] == "Petugas ramah"


def test_report_command_text_json_csv_and_bad_dates(store, settings, clock, tmp_path, capsys):
    from screens.main import main

    q = queue_for(store, settings)
    t = _visit(store, settings, clock, "A", "Ani", "3273014101900001")
    _visit(store, settings, clock, "C", "Cici", "3273014201900003")       # never called
    clock.advance(minutes=3)
    q.call_next(1, ["A"])
    q.start(t.id)
    clock.advance(minutes=6)
    q.finish(t.id)
    survey.submit(store, q, survey.find_rateable(store, q, t.number), dict.fromkeys(survey.ELEMENTS, 3))
    cfg = str(tmp_path / "config.toml")

    def run(*argv):
        code = main(["--config", cfg, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("report", "day", "--date", "2026-11-23")
    assert code == 0
    assert "Kunjungan (buku tamu): 2" in out
    assert "median 3,0" in out and "dipanggil dalam 10 menit: 50,0%" in out   # Cici missed it
    assert "belum dipanggil setelah lewat 10 menit" in out
    assert "IKM: 75,0 (mutu C), 1 responden" in out
    assert "u1 Persyaratan pelayanan: 75,0 (C)" in out and "Perpustakaan: 75,0 (C), 1" in out
    code, out, _ = run("--lang", "en", "report", "day", "--date", "2026-11-23")
    assert code == 0 and "Satisfaction index: 75.0 (grade C), 1 respondents" in out
    assert "u1 Service requirements: 75.0 (C)" in out and "Library: 75.0 (C), 1" in out
    code, out, _ = run("report", "day", "--date", "2026-11-23", "--json")
    data = json.loads(out)
    assert code == 0 and data["within_standard"]["share"] == 0.5 and data["ikm"]["element_grade"]["u9"] == "C"
    code, out, _ = run("report", "month", "--month", "2026-11", "--csv")
    assert code == 0 and ["visits", "total", "2"] in list(csv.reader(io.StringIO(out)))
    for bad in (["day", "--date", "2026-13-01"], ["month", "--month", "nov"],
                ["range", "--from", "2026-11-30", "--to", "2026-11-01"]):
        code, out, err = run("report", *bad)
        assert code != 0 and out == "" and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_report_text_names_codes_in_the_readers_language_and_scripts_keep_codes(store, settings, clock, tmp_path,
                                                                                capsys, monkeypatch):
    from screens.main import main

    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    treasurer = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
    q = queue_for(store, settings).as_user(admin)
    ani = _visit(store, settings, clock, "A", "Ani", "3273014101900001")
    budi = _visit(store, settings, clock, "B", "Budi", "3273010101900002", gender="l", segment="swasta",
                  npwp="01.855.081.4-005.000", education="s2", purpose="skripsi")
    clock.advance(minutes=3, seconds=20)
    q.call_next(1, ["A"])
    q.start(ani.id)
    q.transfer(budi.id, "C")
    order = sales.create_order(store, settings, admin, customer_name="Andi", segment="perorangan")
    sales.add_line(store, admin, order.id, product="publikasi-elektronik", measure=10)
    sales.agree(store, admin, order.id)
    sales.check_documents(store, admin, order.id, abstraksi="Analisis kemiskinan untuk skripsi")
    order = sales.issue_invoice(store, settings, admin, order.id)
    payments.submit_payment(store, treasurer, order.id, method="cash", amount=order.invoice.total,
                            billing_code="820261123000123", ntpn="0A1B2C3D4E5F6G7H")
    payments.verify_payment(store, treasurer, order.id)
    payments.issue_receipt(store, settings, treasurer, order.id)
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    cfg = str(tmp_path / "config.toml")

    def run(*options, lang="id"):
        code = main(["--config", cfg, "--user", "admin", "--lang", lang, "report", "day", "--date", "2026-11-23",
                     *options])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    out = run()
    for line in ("menurut layanan: Penjualan Produk Statistik 1, Perpustakaan 1",
                 "menurut segmen: Akademisi / mahasiswa / pelajar 1, Swasta / perusahaan 1",
                 "menurut tujuan: Skripsi / tesis / disertasi 1, Tugas sekolah / kuliah 1",
                 "menurut pendidikan: S1 1, S2 1", "menurut jenis kelamin: Laki-laki 1, Perempuan 1",
                 "Publikasi elektronik (softcopy): Rp50.000", "menurut cara bayar: tunai Rp50.000",
                 "Konsultasi Statistik: diambil 0, dialihkan masuk 1, keluar 0",
                 "Penjualan Produk Statistik: diambil 1, dialihkan masuk 0, keluar 1; selesai 0",
                 "Perpustakaan: diambil 1; selesai 0, tidak hadir 0, menunggu 0, dilayani 1",
                 "median 3,33, persentil 90 3,33; dipanggil dalam 10 menit: 50,0%"):  # Budi waits on
        assert line in out, line
    for code in ("swasta", "akademisi", "skripsi", ": s1", ": p ", "publikasi-elektronik", "cash", "3.33"):
        assert code not in out, code
    out = run(lang="en")
    for line in ("by segment: Academic / student 1, Private / company 1", "by gender: Male 1, Female 1",
                 "Electronic publication (softcopy): Rp50.000",
                 "by payment method: cash Rp50.000", "median 3.33", "50.0%",
                 "Statistical Consultation: taken 0, transferred in 1, out 0"):
        assert line in out, line
    data = json.loads(run("--json"))
    assert data["visits"]["by_segment"] == {"akademisi": 1, "swasta": 1}
    assert data["sales"]["by_method"] == {"cash": 50_000} and data["waiting_minutes"]["median"] == 3.33
    rows = list(csv.reader(io.StringIO(run("--csv"))))
    assert ["sales", "by_product.publikasi-elektronik", "50000"] in rows
    assert ["waiting_minutes", "median", "3.33"] in rows and ["within_standard", "share", "0.5"] in rows
    assert ["tickets", "by_service.konsultasi.transferred_in", "1"] in rows


def test_numbers_in_the_readers_style():
    assert reports.decimal(1.12, "id") == "1,12" and reports.decimal(1.12, "en") == "1.12"
    assert reports.decimal(1234.5, "id") == "1.234,5" and reports.decimal(1234.5, "en") == "1,234.5"
    assert reports.decimal(87.5, "id", 1) == "87,5" and reports.decimal(None, "id") == "-"
    assert reports.percent(1.0, "id") == "100,0%" and reports.percent(0.6667, "en") == "66.7%"
    assert reports.percent(None, "id") == "-"


def test_reports_are_for_officers_and_the_admin_once_accounts_exist(store, settings, clock, tmp_path, capsys,
                                                                   monkeypatch):
    from screens.main import main

    day = date(2026, 11, 23)
    readers = (lambda actor: reports.report(store, settings, actor, day, day),
               lambda actor: reports.arrivals_by_hour(store, settings, actor, day),
               lambda actor: reports.wait_by_hour(store, settings, actor, day),
               lambda actor: reports.visits_per_day(store, actor, day, day))
    cfg = str(tmp_path / "config.toml")

    def run(*argv):
        code = main(["--config", cfg, *argv])
        out, err = capsys.readouterr()
        return code, out, err

    _visit(store, settings, clock, "A", "Ani", "3273014101900001")
    # An open desk (no accounts yet): anyone reads them, the command line too.
    assert reports.report(store, settings, None, day, day)["visits"]["total"] == 1
    assert reports.arrivals_by_hour(store, settings, None, day)[9] == 1
    assert all(read(None) is not None for read in readers)
    code, out, _ = run("report", "day", "--date", "2026-11-23", "--json")
    assert code == 0 and json.loads(out)["visits"]["total"] == 1
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    officer = accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    treasurer = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
    for read in readers:
        for refused in (None, treasurer):
            with pytest.raises(accounts.Forbidden):
                read(refused)
        assert read(officer) == read(admin)
    accounts.disable_user(store, admin, "budi")
    with pytest.raises(accounts.Forbidden) as err:
        reports.report(store, settings, officer, day, day)  # the account is read again
    assert err.value.key == "auth.disabled"
    code, out, err = run("report", "day", "--date", "2026-11-23")
    assert code == 10 and out == "" and "Traceback" not in err
    monkeypatch.setenv("PST_KIOSK_PIN", "435162")
    code, out, err = run("--user", "rina", "report", "day", "--date", "2026-11-23")
    assert code == 10 and out == "" and "bendahara" in err
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    code, out, _ = run("--user", "admin", "report", "day", "--date", "2026-11-23", "--json")
    assert code == 0 and json.loads(out)["visits"]["total"] == 1

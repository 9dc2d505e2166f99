"""The desk's records and complaints driven like a user: a service record of each kind at
the counter, a complaint from the kiosk to closed, the standard's live flag."""

from __future__ import annotations

import json

from textual.widgets import DataTable, Input, Select, TextArea

from kiosk import accounts, audit, sales
from kiosk.desk import complaints, records
from kiosk.store import Store
from kiosk.tickets import issue_ticket
from screens.complaints import ComplaintScreen, ComplaintsScreen
from screens.counter_app import CounterApp, CounterScreen
from screens.kiosk_app import HomeScreen, KioskApp
from screens.records import RecordScreen, VisitsScreen
from screens.suggestion_box import SuggestionScreen, SuggestionThanksScreen
from tests.screens.helpers import login, shown

SIZE = (120, 40)


def seed(settings, clock, *services):
    with Store(settings.db_path, clock=clock) as store:
        return [issue_ticket(store, settings, s).ticket for s in services]


def stored(settings, clock, sql, *params):
    with Store(settings.db_path, clock=clock) as store:
        return store.rows(sql, params)


async def press_button(pilot, selector: str) -> None:
    """Tab to a button and press Enter, as a keyboard user does (no pointer position to
    race a re-layout on a loaded machine)."""
    pilot.app.screen.query_one(selector).focus()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


async def serve_next(pilot) -> None:
    await pilot.press("n")
    await pilot.pause()
    await pilot.press("s")
    await pilot.pause()


async def test_a_consultation_record_at_the_counter(settings, clock):
    seed(settings, clock, "C")
    app = CounterApp(settings, clock=clock, spool=False, counter=1)
    async with app.run_test(size=SIZE) as pilot:
        await serve_next(pilot)
        await pilot.press("v")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordScreen)
        assert "C-001" in shown(app) and "Subjek statistik" in shown(app)
        form.query_one("#f-subject", Select).value = "kemiskinan"
        form.query_one("#f-indicator", Input).value = "Persentase penduduk miskin per desa"
        form.query_one("#f-region_level", Select).value = "village"
        form.query_one("#f-period", Input).value = "2024"
        form.query_one("#f-outcome", Select).value = "not_available"
        form.query_one("#f-note", Input).value = "Disarankan ke Bappeda"
        form.query_one("#f-note", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
        rows = stored(settings, clock, "SELECT * FROM service_records")
        assert len(rows) == 1
        r = rows[0]
        assert (r["subject"], r["region_level"], r["period"], r["outcome"], r["note"]) == (
            "kemiskinan", "village", "2024", "not_available", "Disarankan ke Bappeda")
        change = stored(settings, clock, "SELECT payload_text(payload) AS payload FROM changes WHERE entity = 'service_record'")
        assert json.loads(change[0]["payload"])["indicator"] == "Persentase penduduk miskin per desa"
        # Finished and saved: nothing waits to be recorded.
        await pilot.press("f")
        await pilot.pause()
        assert "belum dicatat" not in shown(app)


async def test_library_and_recommendation_records_and_the_unrecorded_line(settings, clock):
    seed(settings, clock, "A", "D")
    app = CounterApp(settings, clock=clock, spool=False, counter=1)
    async with app.run_test(size=SIZE) as pilot:
        await serve_next(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert "1 kunjungan belum dicatat (V)" in shown(app)
        # Nothing at the counter: V lists the day's visits, the unrecorded first.
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, VisitsScreen)
        table = app.screen.query_one("#visits", DataTable)
        assert str(table.get_row_at(0)[0]) == "A-001" and "BELUM" in str(table.get_row_at(0)[1])
        await pilot.press("enter")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordScreen)
        form.query_one("#f-pub_printed", TextArea).text = "Kota Sawahlunto Dalam Angka 2025\nStatistik Daerah 2024"
        form.query_one("#f-pub_digital", TextArea).text = "Indikator Kesejahteraan Rakyat 2024"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, VisitsScreen)
        assert "ada" in str(app.screen.query_one("#visits", DataTable).get_row_at(0)[1])
        await pilot.press("escape")
        await pilot.pause()
        assert "belum dicatat" not in shown(app)
        # A recommendation request, recorded while being served.
        await serve_next(pilot)
        await pilot.press("v")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-agency", Input).value = "Dinas Pertanian Kota Sawahlunto"
        form.query_one("#f-activity", Input).value = "Survei Produktivitas Padi 2027"
        form.query_one("#f-stage", Select).value = "submitted"
        form.query_one("#f-reference_number", Input).value = "ROM-2026-1373-0042"
        await press_button(pilot, "#save")
        assert isinstance(app.screen, CounterScreen)
    with Store(settings.db_path, clock=clock) as store:
        library = records.for_ticket(store, store.row("SELECT id FROM tickets WHERE number = 'A-001'")["id"])
        assert [(p.title, p.medium) for p in library.publications] == [
            ("Kota Sawahlunto Dalam Angka 2025", "printed"), ("Statistik Daerah 2024", "printed"),
            ("Indikator Kesejahteraan Rakyat 2024", "digital")]
        rec = records.for_ticket(store, store.row("SELECT id FROM tickets WHERE number = 'D-001'")["id"])
        assert (rec.agency, rec.stage, rec.reference_number) == (
            "Dinas Pertanian Kota Sawahlunto", "submitted", "ROM-2026-1373-0042")


async def test_a_sales_record_shows_the_linked_order_and_bad_text_is_refused(settings, clock):
    (ticket,) = seed(settings, clock, "B")
    app = CounterApp(settings, clock=clock, spool=False, counter=1)
    async with app.run_test(size=SIZE) as pilot:
        await serve_next(pilot)
        with Store(settings.db_path, clock=clock) as store:
            order = sales.create_order(store, settings, None, customer_name="Andi", segment="perorangan",
                                       ticket_id=ticket.id)
        await pilot.press("v")
        await pilot.pause()
        assert order.number in shown(app)
        form = app.screen
        form.query_one("#f-note", Input).value = "minta\x1b[31m merah"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        assert "karakter kontrol" in shown(app)
        assert stored(settings, clock, "SELECT COUNT(*) AS n FROM service_records")[0]["n"] == 0
        form.query_one("#f-note", Input).value = "publikasi elektronik"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert stored(settings, clock, "SELECT order_id FROM service_records")[0]["order_id"] == order.id


async def test_a_complaint_from_the_kiosk_to_closed(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    kiosk = KioskApp(settings, clock=clock, spool=False)
    async with kiosk.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await pilot.pause()
        screen = kiosk.screen
        assert isinstance(screen, SuggestionScreen)
        await press_button(pilot, "#send")  # nothing written: said under the field, nothing stored
        assert "Wajib diisi" in shown(kiosk)
        screen.query_one("#text", TextArea).text = "Antrian terlalu lama, kursi tunggu kurang."
        screen.query_one("#contact", Input).value = "warga@example.com"
        screen.query_one("#contact", Input).focus()
        await pilot.press("enter")  # Enter in the contact sends, as the button does
        await pilot.pause()
        assert isinstance(kiosk.screen, SuggestionThanksScreen), shown(kiosk)
        text = shown(kiosk)
        assert "30-11-2026" in text  # 5 working days after Monday 23 November
        assert "ADU/" not in text and "Antrian terlalu lama" not in text  # nothing of the register
        await press_button(pilot, "#done")
        assert isinstance(kiosk.screen, HomeScreen)
    clock.advance(days=1)
    counter = CounterApp(settings, clock=clock, spool=False, counter=1)
    async with counter.run_test(size=SIZE) as pilot:
        await login(pilot, "budi", "284751")
        assert "Aduan terbuka: 1, lewat batas: 0 (A)" in shown(counter)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(counter.screen, ComplaintsScreen)
        table = counter.screen.query_one("#complaints", DataTable)
        assert table.row_count == 1 and "diterima" in str(table.get_row_at(0)[2])
        await pilot.press("enter")
        await pilot.pause()
        detail = counter.screen
        assert isinstance(detail, ComplaintScreen)
        assert "warga@example.com" in shown(counter)  # the officer sees the contact to reply
        detail.query_one("#f-response", TextArea).text = "Diteruskan ke Kepala Subbagian Umum."
        await press_button(pilot, "#follow")
        assert "ditindaklanjuti" in shown(counter)
        detail.query_one("#f-response", TextArea).text = "Kursi tunggu ditambah 6 buah mulai pekan depan."
        await press_button(pilot, "#answer")
        assert "dijawab" in shown(counter)
        await press_button(pilot, "#close")  # an officer may not close it
        assert stored(settings, clock, "SELECT status FROM complaints")[0]["status"] == "answered"
        assert "admin" in shown(counter).lower()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+l")
        await pilot.pause()
        await login(pilot, "admin", "975318")
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        await press_button(pilot, "#close")
        assert "ditutup" in shown(counter)
    with Store(settings.db_path, clock=clock) as store:
        (row,) = store.rows("SELECT status, answered_at, closed_at, due_date FROM complaints")
        assert row["status"] == "closed" and row["answered_at"] and row["closed_at"]
        trail = [e.action for e in audit.entries(store, action="complaint")]
        assert trail == ["complaint.close", "complaint.respond", "complaint.respond", "complaint.receive"]
        payloads = [r["payload"] for r in store.rows("SELECT payload_text(payload) AS payload FROM changes WHERE entity = 'complaint'")]
        assert len(payloads) == 4 and all("warga@example.com" not in p for p in payloads)
        assert json.loads(payloads[-1])["contact_masked"] == "w***@example.com"


async def test_the_live_flag_follows_the_standard_as_worded(settings, clock):
    # B-001 at 09:00 and B-002 at 09:01; counter 1 serves B-001 from 09:02 to 09:20. At
    # 09:25 B-002 has waited 24 minutes since its ticket, but only 5 since the visitor
    # before finished: no flag. At 09:31 (11 minutes) it is flagged.
    seed(settings, clock, "B")
    clock.advance(minutes=1)
    seed(settings, clock, "B")
    app = CounterApp(settings, clock=clock, spool=False, counter=1)
    async with app.run_test(size=SIZE) as pilot:
        clock.advance(minutes=1)
        await serve_next(pilot)
        clock.advance(minutes=18)
        await pilot.press("f")
        await pilot.pause()
        clock.advance(minutes=5)
        screen = app.screen
        screen.tick()
        table = screen.query_one("#waiting", DataTable)
        assert str(table.get_row_at(0)[1]) == "24:00"
        clock.advance(minutes=6)
        screen.tick()
        assert str(table.get_row_at(0)[1]) == "! 30:00"
        await pilot.press("n")
        await pilot.pause()
        assert "Tunggu standar: 11:00" in shown(app)  # since B-001 finished, not since 09:01


async def test_an_officer_records_a_lapor_complaint_received_days_ago(settings, clock):
    clock.advance(days=3)  # Thursday 26 November; the complaint came in on Monday 23rd
    app = CounterApp(settings, clock=clock, spool=False, counter=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        form.query_one("#f-channel", Select).value = "lapor"
        form.query_one("#f-text", TextArea).text = "Permintaan data tidak dibalas"
        form.query_one("#f-received_at", Input).value = "27-11-2026"  # tomorrow: refused
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "masa depan" in shown(app)
        form.query_one("#f-received_at", Input).value = "23/11"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "DD-MM-YYYY" in shown(app)
        form.query_one("#f-received_at", Input).value = "23-11-2026"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ComplaintsScreen)
        table = app.screen.query_one("#complaints", DataTable)
        assert str(table.get_row_at(0)[1]) == "30-11-2026" and "LAPOR!" in str(table.get_row_at(0)[4])

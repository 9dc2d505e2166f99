"""Service records, the complaints register and the standard as the seeds word it:
figures against a hand-computed fixture, the rules, and the sync of both entities to the
real PostgreSQL (with a restore)."""

from __future__ import annotations

from datetime import date, datetime

import psycopg
import pytest

from kiosk import accounts, reports
from kiosk.central import restore, sync
from kiosk.clock import FixedClock
from kiosk.desk import complaints, records
from kiosk.errors import Invalid, Refused
from kiosk.store import Store
from kiosk.tickets import queue_for
from tests.conftest import JAKARTA, write_config
from tests.kiosk.test_sync import central_rows, office, office_dsn, pg  # noqa: F401 - pg is a fixture

NOV23 = date(2026, 11, 23)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    month = 11 if day >= 20 else 12
    return datetime(2026, month, day, hour, minute, tzinfo=JAKARTA)


def serve(q, clock, service: str, *, wait: int = 0, serve_for: int = 5):
    """Take a ticket, call it after ``wait`` minutes to counter 1 (all services), serve it."""
    ticket = q.take(service)
    clock.advance(minutes=wait)
    called = q.call_next(1)
    assert called.id == ticket.id
    q.start(called.id)
    clock.advance(minutes=serve_for)
    return q.finish(called.id)


def test_report_figures_against_a_hand_computed_day(store, settings, clock):
    q = queue_for(store, settings)
    # 09:00 C-001 and C-002 taken together. C-001 is called at 09:02 (no visitor before at
    # counter 1: the standard runs from its issue, 2 min), served to 09:10. C-002 is called
    # at 09:15: 15 min since its ticket, 5 since C-001 finished.
    c1, c2 = q.take("C"), q.take("C")
    clock.advance(minutes=2)
    assert q.call_next(1).id == c1.id
    q.start(c1.id)
    clock.advance(minutes=8)
    q.finish(c1.id)                                                     # 09:10
    clock.advance(minutes=5)
    called = q.call_next(1)                                             # 09:15
    assert called.id == c2.id and called.standard_wait_seconds == 300 and round(called.wait_seconds) == 900
    assert called.standard_from == at(23, 9, 10)
    q.start(c2.id)
    clock.advance(minutes=5)
    q.finish(c2.id)                                                     # 09:20
    c3 = serve(q, clock, "C", wait=2)     # 09:20 -> 09:22 (std 2), done 09:27
    c4 = serve(q, clock, "C", wait=1)     # 09:27 -> 09:28 (std 1), done 09:33
    c5 = serve(q, clock, "C", wait=1)     # no record
    a1 = serve(q, clock, "A", wait=1)
    d1 = serve(q, clock, "D", wait=1)
    need = {"subject": "kemiskinan", "region_level": "village", "outcome": "not_available"}
    records.save(store, settings, None, c1.id, {**need, "indicator": "Persentase penduduk miskin", "period": "2024"})
    records.save(store, settings, None, c2.id, {**need, "indicator": " persentase  Penduduk MISKIN ", "period": "2024"})
    records.save(store, settings, None, c3.id, {**need, "indicator": "Persentase penduduk miskin", "period": "2023"})
    records.save(store, settings, None, c4.id, {"subject": "harga", "indicator": "Inflasi bulanan", "outcome": "found",
                                                "source": "BRS Inflasi Oktober 2026", "region_level": "regency"})
    records.save(store, settings, None, a1.id, {"publications": [
        {"title": "Kota Sawahlunto Dalam Angka 2025", "medium": "printed"},
        {"title": "Statistik Daerah 2024", "medium": "printed"},
        {"title": "Indikator Kesejahteraan Rakyat", "medium": "digital"}]})
    records.save(store, settings, None, d1.id, {"agency": "Dinas Pertanian", "activity": "Survei Padi",
                                                "stage": "consultation", "note": "kedua kali"})
    # Saving again updates the same record (editable during the day), not a second one.
    records.save(store, settings, None, d1.id, {"agency": "Dinas Pertanian", "activity": "Survei Padi",
                                                "stage": "submitted", "reference_number": "ROM-0042"})
    assert records.unrecorded(store, NOV23) == 1 and c5.status == "done"

    r = reports.report(store, settings, None, NOV23, NOV23)["records"]
    assert r["total"] == 6 and r["unrecorded"] == 1
    assert r["by_service"] == {"konsultasi": 4, "perpustakaan": 1, "rekomendasi": 1}
    assert r["by_subject"] == {"kemiskinan": 3, "harga": 1}
    assert r["by_outcome"] == {"not_available": 3, "found": 1}
    assert r["by_subject_outcome"] == {"harga": {"found": 1}, "kemiskinan": {"not_available": 3}}
    assert r["publications"] == {"printed": 2, "digital": 1}
    assert [(n["indicator"], n["region_level"], n["period"], n["count"]) for n in r["unmet_needs"]] == [
        ("Persentase penduduk miskin", "village", "2024", 2),   # case and spaces ignored
        ("Persentase penduduk miskin", "village", "2023", 1)]

    # Standard waits 2, 5, 2, 1, 1, 1, 1 (all called within 10); plain waits 2, 15, 2, 1, 1, 1, 1.
    full = reports.report(store, settings, None, NOV23, NOV23)
    # Sorted 1 1 1 1 2 2 5: the 90th percentile at rank 5.4 is 2 + 0.4 x (5 - 2) = 3.2.
    assert full["standard_wait_minutes"] == {"median": 1.0, "p90": 3.2, "called": 7}
    assert full["waiting_minutes"]["median"] == 1.0 and full["waiting_minutes"]["p90"] == 7.2  # 2 + 0.4 x 13
    ws = full["within_standard"]
    assert (ws["count"], ws["share"], ws["plain_count"], ws["plain_share"]) == (7, 1.0, 6, 0.8571)


def test_the_standard_by_service_when_a_counter_calls_one_service(store, settings, clock):
    """A counter calling from one service alone: the visitor before is that service's, at
    any counter (counter 2 finished B-001 at 09:12; counter 1 calls B-002 at 09:20: 8 min)."""
    q = queue_for(store, settings)
    b1, b2 = q.take("B"), q.take("B")
    clock.advance(minutes=2)
    q.call_next(2, ["B"])
    q.start(b1.id)
    clock.advance(minutes=10)
    q.finish(b1.id)
    clock.advance(minutes=8)
    called = q.call_next(1, ["B"])
    assert called.id == b2.id and called.standard_wait_seconds == 480 and round(called.wait_seconds) == 1200


def test_records_keep_their_rules(store, settings, clock):
    q = queue_for(store, settings)
    done = serve(q, clock, "C")
    waiting = q.take("C")
    with pytest.raises(Refused) as err:
        records.save(store, settings, None, waiting.id, {})
    assert err.value.key == "desk.error.not_served"
    with pytest.raises(Invalid) as bad:
        records.save(store, settings, None, done.id, {"note": "a\x07b", "indicator": "x\x9by", "outcome": "maybe",
                                                      "subject": "astrologi"})
    assert set(bad.value.errors) == {"note", "indicator", "outcome", "subject"}
    assert bad.value.errors["note"].key == "desk.error.control_chars"
    records.save(store, settings, None, done.id, {"note": "baris satu\nbaris dua"})  # a note may have lines
    clock.advance(days=1)  # the next day the record is closed
    with pytest.raises(Refused) as err:
        records.save(store, settings, None, done.id, {"note": "terlambat"})
    assert err.value.key == "desk.error.day_closed"
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    cashier = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
    with pytest.raises(accounts.Forbidden):
        records.visits(store, settings, cashier)


def test_complaints_in_time_open_and_overdue(store, settings, clock):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    budi = accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    # Monday 23 November: due 5 working days later, Monday 30 November.
    k1 = complaints.submit(store, settings, kind="complaint", text="Antrian lama", contact="0812 3456 7890")
    assert k1.due_date == date(2026, 11, 30) and k1.contact_masked == "*********890" and k1.number == "ADU/1373/2026/0001"
    k2 = complaints.submit(store, settings, actor=budi, channel="lapor", kind="complaint", text="Data tidak ada")
    k4 = complaints.submit(store, settings, actor=budi, channel="whatsapp", kind="complaint", text="Petugas lambat")
    with pytest.raises(accounts.Forbidden):  # another channel than the kiosk is an officer's to record
        complaints.submit(store, settings, channel="email", kind="complaint", text="x")
    clock.set(at(24, 10))
    k3 = complaints.submit(store, settings, actor=budi, channel="box", kind="suggestion", text="Tambah kursi")
    assert k3.due_date == date(2026, 12, 1)
    complaints.respond(store, settings, budi, k4.id, "Diteruskan", "in_follow_up")
    clock.set(at(25, 14))
    complaints.respond(store, settings, budi, k1.id, "Loket ditambah", "answered")     # in time
    clock.set(at(1, 9))
    complaints.respond(store, settings, budi, k2.id, "Data ada di BRS", "answered")    # a day late
    with pytest.raises(accounts.Forbidden):
        complaints.close(store, settings, budi, k1.id)
    complaints.close(store, settings, admin, k1.id, "Selesai")
    with pytest.raises(Refused):
        complaints.respond(store, settings, budi, k1.id, "lagi", "answered")
    clock.set(at(2, 12))
    listed = complaints.listing(store, settings, budi)
    assert [c.number for c in listed] == [k4.number, k3.number, k2.number]  # overdue first, then answered
    assert complaints.open_counts(store, settings) == (2, 2)
    c = reports.report(store, settings, admin, NOV23, date(2026, 12, 2))["complaints"]
    assert c["received"] == {"total": 4, "by_kind": {"complaint": 3, "suggestion": 1},
                             "by_channel": {"box": 1, "kiosk": 1, "lapor": 1, "whatsapp": 1}}
    assert (c["answered"], c["answered_in_time"], c["answered_in_time_share"]) == (2, 1, 0.5)
    assert (c["open"], c["overdue"]) == (2, 2)
    # The first week alone: all four received, one answered (in time), three open, none overdue yet.
    week = reports.report(store, settings, admin, NOV23, date(2026, 11, 29))["complaints"]
    assert (week["answered"], week["answered_in_time"], week["open"], week["overdue"]) == (1, 1, 3, 0)
    with pytest.raises(Invalid) as bad:
        complaints.submit(store, settings, kind="complaint", text="\x1b]0;hack\x07", contact="a\x00b")
    assert set(bad.value.errors) == {"text", "contact"}


def test_records_and_complaints_reach_the_centre_and_come_back(tmp_path, pg):  # noqa: F811
    clock = FixedClock(at(23, 9))
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path, clock=clock) as store:
        q = queue_for(store, settings)
        done = serve(q, clock, "C", wait=2)
        records.save(store, settings, None, done.id, {"subject": "harga", "indicator": "IHK", "outcome": "answered"})
        made = complaints.submit(store, settings, kind="suggestion", text="Wifi tamu", contact="tamu@example.com")
        complaints.respond(store, settings, None, made.id, "Sudah dipasang", "answered")
        assert sync.run(store, settings).ok
    rec = central_rows(pg, "SELECT data FROM pst.service_records")[0][0]
    assert (rec["ticket_id"], rec["subject"], rec["outcome"], rec["day"]) == (done.id, "harga", "answered",
                                                                             "2026-11-23")
    com = central_rows(pg, "SELECT data FROM pst.complaints")[0][0]
    assert com["status"] == "answered" and com["contact_masked"] == "t***@example.com"
    assert "tamu@example.com" not in str(central_rows(pg, "SELECT payload FROM pst.changes"))
    ticket = central_rows(pg, "SELECT data FROM pst.tickets")[0][0]
    assert ticket["standard_wait_seconds"] == 120
    # Row-level security: another office sees none of them.
    other = office(tmp_path, pg, "1374")
    with psycopg.connect(other.central_dsn) as conn:
        assert conn.execute("SELECT COUNT(*) FROM pst.service_records").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM pst.complaints").fetchone()[0] == 0
    target = write_config(tmp_path / "new.toml", tmp_path / "new.db", code="1373")
    target = target.model_validate({**target.model_dump(mode="json"), "central_dsn": office_dsn(pg, "1373")})
    with Store(target.db_path, clock=clock) as store:
        back = restore.restore(store, target, dsn=None, office_code="1373")
        assert back.restored["service_records"] == 1 and back.restored["complaints"] == 1
        assert records.for_ticket(store, done.id).indicator == "IHK"
        again = complaints.get(store, None, made.id)
        assert again.contact is None and again.contact_masked == "t***@example.com"
        assert [(r.text, r.status) for r in again.responses] == [("Sudah dipasang", "answered")]
        assert complaints.submit(store, target, kind="complaint", text="x").number == "ADU/1373/2026/0002"


def test_the_report_command_says_the_desk_figures(store, settings, clock, capsys, monkeypatch):
    from screens.main import main

    q = queue_for(store, settings)
    done = serve(q, clock, "C", wait=3)
    records.save(store, settings, None, done.id, {"subject": "pertanian", "indicator": "Luas panen padi",
                                                  "region_level": "district", "period": "2025",
                                                  "outcome": "not_available"})
    complaints.submit(store, settings, kind="complaint", text="Ruang tunggu panas")
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(settings.db_path.parent / "config.toml"))
    assert main(["report", "day", "--date", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert "Catatan layanan: 1; kunjungan selesai tanpa catatan: 0" in out
    assert "menurut subjek: Pertanian, Kehutanan dan Perikanan 1" in out
    assert "    Luas panen padi | Kecamatan | 2025: 1" in out
    assert "Pengaduan/saran: 1 diterima (1 pengaduan, 0 saran); 0 dijawab" in out
    assert "Standar pelayanan (sejak tamu sebelumnya selesai, menit): median 3,0" in out
    assert main(["report", "day", "--date", "2026-11-23", "--csv"]) == 0
    csv_out = capsys.readouterr().out
    assert "records,unmet_needs.0.indicator,Luas panen padi" in csv_out


def test_a_purge_removes_the_contact_of_complaints_closed_long_ago(store, settings, clock):
    from kiosk import privacy

    old = complaints.submit(store, settings, kind="complaint", text="Lama", contact="a@example.com")
    complaints.close(store, settings, None, old.id)
    still = complaints.submit(store, settings, kind="complaint", text="Terbuka", contact="b@example.com")
    clock.advance(days=800)
    done = privacy.purge(store, None, older_than_days=730)
    assert done.complaints == 1
    assert complaints.get(store, None, old.id).contact is None
    assert complaints.get(store, None, old.id).contact_masked == "a***@example.com"
    assert complaints.get(store, None, still.id).contact == "b@example.com"  # open: kept


def test_a_kiosk_complaint_refuses_other_scripts_digits_and_invisible_characters(store, settings):
    """The suggestion box takes what anybody types: a contact in digits of another script,
    or text with a bidi mark, a zero-width space or a neutralised paste's trace, is refused
    under its field, and nothing is stored."""
    from kiosk.errors import Invalid

    for fields in ({"contact": "０８１२३४५६७८९०"}, {"text": "Antrian\u202elama"},
                   {"text": "Antrian\u200blama"}, {"text": "Antrian \ufffd[2J lama"}):
        with pytest.raises(Invalid) as refused:
            complaints.submit(store, settings, kind="complaint", **{"text": "Antrian lama", **fields})
        assert set(refused.value.errors) == set(fields)
    assert store.row("SELECT COUNT(*) AS n FROM complaints")["n"] == 0


from datetime import date

import pytest

from kiosk import accounts, audit, lockers, printing, privacy
from kiosk.errors import NotFound, Refused
from kiosk.guestbook import register_visit, validate_guest
from kiosk.identity import Invalid
from kiosk.store import Store, payload_text

SITI = {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001",
        "email": "siti@example.com", "segment": "akademisi"}


@pytest.fixture
def officer(store):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    return accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")


def test_capture_prints_a_slip_and_return(printer_settings, capture, clock):
    with Store(printer_settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        done = lockers.assign(store, printer_settings, admin, id_type="ktp",
                              id_number="3273 0141 0190 0001", holder_name="Siti Aminah")
        assert done.locker.locker_no == 1 and done.locker.id_masked == "3273********0001"
        assert "id_number" not in done.locker.model_dump()
        assert printing.print_job(store, printer_settings, done.job_id).printed
        data = capture.wait_for_jobs(1)[0]
        assert b"Siti Aminah" in data and b"3273********0001" in data
        assert b"3273014101900001" not in data  # the slip never shows the full number
        assert b"\x1dV\x00" in data
        # Found by number, by slip QR, by name.
        payload = lockers.qr_payload("1373", done.locker)
        for query in ("1", payload, "siti"):
            assert [l.id for l in lockers.find_open(store, admin, query)] == [done.locker.id]
        assert lockers.reveal_card(store, admin, done.locker.id) == "3273014101900001"
        clock.advance(minutes=40)
        back = lockers.return_card(store, admin, done.locker.id)
        assert back.returned_at == clock.now() and back.returned_by == admin.id
        assert lockers.find_open(store, admin, "1") == []
        with pytest.raises(Refused):
            lockers.return_card(store, admin, done.locker.id)
        actions = [e.action for e in audit.entries(store, action="locker.")]
        assert actions == ["locker.return", "locker.reveal", "locker.assign"]


def test_a_locker_is_never_given_twice_and_a_card_holds_one(store, settings, officer):
    first = lockers.assign(store, settings, officer, id_type="ktp", id_number="3273014101900001",
                           holder_name="Siti", locker_no=5)
    with pytest.raises(Refused) as err:
        lockers.assign(store, settings, officer, id_type="sim", id_number="123456789012",
                       holder_name="Andi", locker_no=5)
    assert "Loker 5 sedang terpakai" in err.value.message("id")
    with pytest.raises(Refused) as err:
        lockers.assign(store, settings, officer, id_type="ktp", id_number="3273014101900001",
                       holder_name="Siti")
    assert "loker 5" in err.value.message("id")
    assert lockers.suggest(store, settings) == 1
    with pytest.raises(NotFound):
        lockers.assign(store, settings, officer, id_type="sim", id_number="123456789012",
                       holder_name="Andi", locker_no=99)
    with pytest.raises(Invalid):
        lockers.assign(store, settings, officer, id_type="ktp", id_number="123", holder_name="")
    lockers.return_card(store, officer, first.locker.id)
    again = lockers.assign(store, settings, officer, id_type="sim", id_number="123456789012",
                           holder_name="Andi", locker_no=5)
    assert again.locker.locker_no == 5
    assert store.conn.execute("SELECT COUNT(*) FROM lockers").fetchone()[0] == 2


def test_all_taken(store, settings, officer):
    small = settings.model_validate({**settings.model_dump(mode="json"),
                                     "office": {**settings.office.model_dump(), "lockers": 2}})
    for n, number in enumerate(("123456789012", "123456789013")):
        lockers.assign(store, small, officer, id_type="sim", id_number=number, holder_name=f"Tamu {n}")
    with pytest.raises(Refused) as err:
        lockers.assign(store, small, officer, id_type="sim", id_number="123456789014", holder_name="Xena")
    assert "Semua loker" in err.value.message("id")


def test_capture_from_the_called_tickets_guest(store, settings, officer):
    reg = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                         guest=validate_guest(SITI))
    done = lockers.assign(store, settings, officer, id_type="ktp", id_number="", holder_name="",
                          guest_id=reg.guest_id, visit_id=reg.visit_id)
    assert done.locker.holder_name == "Siti Aminah" and done.locker.id_masked == "3273********0001"
    assert done.locker.visit_id == reg.visit_id


def test_end_of_day_list(store, settings, officer, clock):
    a = lockers.assign(store, settings, officer, id_type="sim", id_number="123456789012", holder_name="Andi")
    lockers.assign(store, settings, officer, id_type="sim", id_number="123456789013", holder_name="Beni")
    lockers.return_card(store, officer, a.locker.id)
    left = lockers.not_returned(store, settings, officer, date(2026, 11, 23))
    assert [(l.locker_no, l.holder_name) for l in left] == [(2, "Beni")]
    assert lockers.not_returned(store, settings, officer, date(2026, 11, 22)) == []


def test_purge_anonymises_old_guests_but_keeps_counts(store, settings, clock):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    old = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                         guest=validate_guest(SITI))
    kept = lockers.assign(store, settings, admin, id_type="ktp", id_number="", holder_name="",
                          guest_id=old.guest_id)
    lockers.return_card(store, admin, kept.locker.id)
    clock.advance(days=400)
    recent = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                            guest=validate_guest({**SITI, "name": "Andi", "id_number": "3273010101900002",
                                                  "email": "andi@example.com"}))
    result = privacy.purge(store, admin, older_than_days=365)
    assert (result.guests, result.lockers) == (1, 1)
    gone = store.row("SELECT * FROM guests WHERE id = ?", (old.guest_id,))
    assert gone["name"] == "(anonim)" and "3273014101900001" not in str(gone.values())
    assert gone["segment"] == "akademisi"  # reports still count it
    assert store.row("SELECT name FROM guests WHERE id = ?", (recent.guest_id,))["name"] == "Andi"
    assert store.conn.execute("SELECT COUNT(*) FROM visits").fetchone()[0] == 2
    locker = store.row("SELECT holder_name, id_number FROM lockers")
    assert locker["holder_name"] == "(anonim)" and "3273" not in locker["id_number"]
    from kiosk.guestbook import find_returning

    assert find_returning(store, "siti@example.com") is None
    assert privacy.purge(store, admin, older_than_days=365).guests == 0  # nothing twice


def test_purge_redacts_the_outbox_and_sends_the_anonymised_guest(store, settings, clock):
    import json

    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    old = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                         guest=validate_guest({**SITI, "phone": "0812 3456 7890", "institution": "Unand"}))
    kept = lockers.assign(store, settings, admin, id_type="ktp", id_number="", holder_name="",
                          guest_id=old.guest_id)
    lockers.return_card(store, admin, kept.locker.id)
    before = store.rows("SELECT seq, entity, entity_id, op FROM changes ORDER BY seq")
    clock.advance(days=800)
    privacy.purge(store, admin, older_than_days=730)
    after = store.rows("SELECT seq, entity, entity_id, op, payload_text(payload) AS payload FROM changes ORDER BY seq")
    # The history keeps its rows and order; nothing in it names the person any more.
    assert [{k: r[k] for k in ("seq", "entity", "entity_id", "op")} for r in after[:len(before)]] == before
    everything = " ".join(r["payload"] for r in after)
    for personal in ("Siti", "Aminah", "siti@example.com", "+6281234567890", "Unand", "3273********0001"):
        assert personal not in everything, personal
    guest_changes = [json.loads(r["payload"]) for r in after if r["entity"] == "guest"]
    assert guest_changes[-1]["name"] == "(anonim)" and guest_changes[-1]["anonymised_at"]
    assert guest_changes[-1]["segment"] == "akademisi"
    assert all(p["name"] == "(anonim)" and p.get("id_hash") is None for p in guest_changes)
    locker_changes = [json.loads(r["payload"]) for r in after if r["entity"] == "locker"]
    assert after[-2]["entity"] == "locker" and locker_changes[-1]["locker_no"] == kept.locker.locker_no
    assert all(p["holder_name"] == "(anonim)" for p in locker_changes)
    assert all("email" not in p for p in locker_changes)  # a redaction never adds a key


def test_reading_lockers_needs_an_officer_once_accounts_exist(store, settings, officer):
    from kiosk.accounts import Forbidden

    lockers.assign(store, settings, officer, id_type="ktp", id_number="3273014101900001", holder_name="Siti")
    for read in (lambda: lockers.open_lockers(store, None), lambda: lockers.find_open(store, None, "siti"),
                 lambda: lockers.not_returned(store, settings, None, date(2026, 11, 23))):
        with pytest.raises(Forbidden):
            read()
    assert [lk.holder_name for lk in lockers.find_open(store, officer, "siti")] == ["Siti"]
    with pytest.raises(Forbidden):
        accounts.list_users(store, officer)  # accounts and the trail: admins only
    with pytest.raises(Forbidden):
        audit.trail(store, officer)
    admin = accounts.find(store, "admin")
    assert [u.username for u in accounts.list_users(store, admin)] == ["admin", "budi"]
    assert audit.trail(store, admin, action="locker.")[0].action == "locker.assign"


def test_a_guest_sees_and_erases_their_data_through_an_admin(store, settings, officer):
    import json

    from kiosk.accounts import Forbidden

    admin = accounts.find(store, "admin")
    siti = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                          guest=validate_guest({**SITI, "phone": "0812 3456 7890"}))
    other = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                           guest=validate_guest({**SITI, "name": "Andi", "id_number": "3273010101900002"}))
    with pytest.raises(Forbidden):
        privacy.subject_access(store, officer, "3273014101900001")
    shown = privacy.subject_access(store, admin, "3273 0141 0190 0001")
    assert len(shown) == 1 and shown[0].guest["name"] == "Siti Aminah"
    assert shown[0].guest["id_number"] == "3273014101900001" and shown[0].visits[0]["ticket"] == "B-001"
    # Two people typed the same email: only the card's number says whose records they are.
    with pytest.raises(Refused) as err:
        privacy.subject_access(store, admin, "siti@example.com")
    assert "nomor identitas" in err.value.message("id")
    with pytest.raises(NotFound):
        privacy.erase(store, admin, "nobody@example.com")
    held = lockers.assign(store, settings, officer, id_type="ktp", id_number="", holder_name="",
                          guest_id=siti.guest_id)
    with pytest.raises(Refused) as err:
        privacy.erase(store, admin, "3273014101900001")  # the card is still in a locker
    assert "loker 1" in err.value.message("id")
    lockers.return_card(store, officer, held.locker.id)
    done = privacy.erase(store, admin, "3273014101900001")
    assert done.guest_ids == [siti.guest_id] and done.lockers == 1
    outbox = " ".join(r["payload"] for r in store.rows("SELECT payload_text(payload) AS payload FROM changes"))
    assert "Siti" not in outbox and "+6281234567890" not in outbox
    assert store.row("SELECT name FROM guests WHERE id = ?", (other.guest_id,))["name"] == "Andi"
    assert [json.loads(r["payload"])["name"] for r in store.rows(
        "SELECT payload_text(payload) AS payload FROM changes WHERE entity = 'guest' AND entity_id = ? ORDER BY seq DESC LIMIT 1",
        (siti.guest_id,))] == ["(anonim)"]
    with pytest.raises(NotFound):
        privacy.subject_access(store, admin, "3273014101900001")  # nothing left to show
    trail = [(e.action, e.entity_id) for e in audit.entries(store, action="guest.")]
    assert trail == [("guest.erase", siti.guest_id), ("guest.show", siti.guest_id)]


def test_one_card_one_locker_whatever_its_type_and_however_typed(store, settings, officer):
    lockers.assign(store, settings, officer, id_type="ktp", id_number="3273014101900001", holder_name="Siti")
    with pytest.raises(Refused) as err:  # the same number entered as "other"
        lockers.assign(store, settings, officer, id_type="other", id_number="3273-0141-0190-0001",
                       holder_name="Siti")
    assert "loker 1" in err.value.message("id")
    student = lockers.assign(store, settings, officer, id_type="other", id_number="ks/2024/00123",
                             holder_name="Andi")
    assert store.row("SELECT id_number FROM lockers WHERE id = ?", (student.locker.id,))["id_number"] == "KS202400123"
    with pytest.raises(Refused):
        lockers.assign(store, settings, officer, id_type="other", id_number="KS 2024 00123", holder_name="Andi")


def test_upgrade_normalises_stored_ids_and_keys_open_cards_on_the_number(tmp_path, clock):
    from tests.kiosk.test_guestbook import store_at

    conn = store_at(tmp_path / "old.db", 6)
    row = ("t", "2026-01-01T00:00:00Z")
    conn.execute("INSERT INTO guests(id, created_at, updated_at, terminal_id, name, id_type, id_number,"
                 " id_masked, email, segment) VALUES ('g1', ?, ?, 't', 'Andi', 'other', 'KS/2024/00123',"
                 " 'KS*********23', 'andi@example.com', 'akademisi')", row[1:] * 2)
    for n, (locker_id, id_type, number) in enumerate((("l1", "ktp", "3273014101900001"),
                                                      ("l2", "other", "3273014101900001"),
                                                      ("l3", "other", "KS/2024/00123")), start=1):
        conn.execute("INSERT INTO lockers(id, created_at, updated_at, terminal_id, locker_no, holder_name,"
                     " id_type, id_number, id_masked, assigned_at) VALUES (?, ?, ?, 't', ?, 'X', ?, ?, '*', ?)",
                     (locker_id, row[1], row[1], n, id_type, number, row[1]))
    conn.close()
    with Store(tmp_path / "old.db", clock=clock) as store:
        assert store.row("SELECT id_number, id_masked FROM guests") == {"id_number": "KS202400123",
                                                                       "id_masked": "KS*******23"}
        from kiosk.guestbook import find_returning

        assert find_returning(store, "ks/2024/00123").first_name == "Andi"
        numbers = [r["id_number"] for r in store.rows("SELECT id_number FROM lockers ORDER BY id")]
        assert numbers == ["3273014101900001", "3273014101900001~2", "KS202400123"]
        import sqlite3

        with pytest.raises(sqlite3.IntegrityError):  # the index now holds one open row per number
            store.conn.execute("INSERT INTO lockers(id, created_at, updated_at, terminal_id, locker_no,"
                               " holder_name, id_type, id_number, id_masked, assigned_at)"
                               " VALUES ('l4', 'x', 'x', 't', 9, 'X', 'sim', 'KS202400123', '*', 'x')")


def _tables_holding(store, *needles: str) -> list[str]:
    """Every table.column (text) where any of ``needles`` still appears."""
    found = []
    tables = [r[0] for r in store.conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        for col in store.conn.execute(f'PRAGMA table_info("{table}")').fetchall():
            name = col[1]
            for (value,) in store.conn.execute(f'SELECT "{name}" FROM "{table}"'):
                if table == "changes" and name == "payload":
                    value = payload_text(value)  # packed: read as the push reads it
                text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                if any(n in text for n in needles):
                    found.append(f"{table}.{name}")
                    break
    return found


def test_erase_reaches_hand_typed_cards_and_printed_slips(store, settings, officer):
    admin = accounts.find(store, "admin")
    siti = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                          guest=validate_guest(SITI))
    linked = lockers.assign(store, settings, officer, id_type="ktp", id_number="", holder_name="",
                            guest_id=siti.guest_id, locker_no=5)
    lockers.return_card(store, officer, linked.locker.id)
    # The card typed by hand, no guest link, separators and all; the slip names her.
    typed = lockers.assign(store, settings, officer, id_type="ktp", id_number="3273.0141.0190.0001",
                           holder_name="Siti Aminah", locker_no=1)
    assert store.row("SELECT guest_id FROM lockers WHERE id = ?", (typed.locker.id,))["guest_id"] is None
    shown = privacy.subject_access(store, admin, "3273014101900001")
    assert sorted(lk["locker_no"] for lk in shown[0].lockers) == [1, 5]
    with pytest.raises(Refused) as err:
        privacy.erase(store, admin, "3273014101900001")  # the hand-typed card is still held
    assert "loker 1" in err.value.message("id")
    lockers.return_card(store, officer, typed.locker.id)
    assert privacy.erase(store, admin, "3273014101900001").lockers == 2
    assert _tables_holding(store, "Siti", "Aminah", "3273014101900001", "3273********0001") == []
    # A reprint of the slip names nobody.
    copy = printing.reprint(store, typed.locker.id, actor=admin)
    doc = store.row("SELECT unpack_text(document) AS document FROM print_jobs WHERE id = ?", (copy,))["document"]
    assert "(anonim)" in doc and "Siti" not in doc


def test_a_restored_guest_is_shown_and_erased_by_their_id_number(store, settings, officer):
    """After a restore with the key the guest is held as ``HASH:``: a request by the number on
    the card reaches them, their lockers (by guest link, or typed by hand since) and slips."""
    from kiosk.guestbook import id_hash
    from tests.kiosk.test_guestbook import as_restored

    admin = accounts.find(store, "admin")
    siti = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                          guest=validate_guest({**SITI, "phone": "0812 3456 7890"}))
    andi = register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(
        {**SITI, "name": "Andi Saputra", "id_number": "3273010101900002", "email": "andi@example.com"}))
    linked = lockers.assign(store, settings, officer, id_type="ktp", id_number="", holder_name="",
                            guest_id=siti.guest_id, locker_no=5)
    lockers.return_card(store, officer, linked.locker.id)
    sent = id_hash(store, SITI["id_number"])
    as_restored(store, siti.guest_id)
    with store.write():  # a restored locker keeps its guest link but no number
        store.conn.execute("UPDATE lockers SET id_number = 'RESTORED:' || id")
    # Since the restore: her card typed by hand (no guest link), and Andi's.
    typed = lockers.assign(store, settings, officer, id_type="ktp", id_number="3273.0141.0190.0001",
                           holder_name="Siti Aminah", locker_no=1)
    theirs = lockers.assign(store, settings, officer, id_type="ktp", id_number="3273010101900002",
                            holder_name="Andi Saputra", locker_no=2)
    lockers.return_card(store, officer, theirs.locker.id)
    shown = privacy.subject_access(store, admin, "3273 0141 0190 0001")
    assert [d.guest["id"] for d in shown] == [siti.guest_id] and shown[0].guest["name"] == "Siti Aminah"
    assert sorted(lk["locker_no"] for lk in shown[0].lockers) == [1, 5] and len(shown[0].visits) == 1
    with pytest.raises(Refused) as err:
        privacy.erase(store, admin, "3273014101900001")  # the hand-typed card is still held
    assert "loker 1" in err.value.message("id")
    lockers.return_card(store, officer, typed.locker.id)
    andi_before = (store.row("SELECT * FROM guests WHERE id = ?", (andi.guest_id,)),
                   store.row("SELECT * FROM lockers WHERE id = ?", (theirs.locker.id,)),
                   store.rows("SELECT * FROM changes WHERE payload_text(payload) LIKE '%Andi%' ORDER BY seq"),
                   store.rows("SELECT * FROM print_jobs WHERE ref_id = ?", (theirs.locker.id,)))
    last = store.row("SELECT MAX(seq) AS seq FROM changes")["seq"]

    done = privacy.erase(store, admin, "3273014101900001")
    assert done.guest_ids == [siti.guest_id] and done.lockers == 2
    row = store.row("SELECT name, id_number, id_masked, anonymised_at FROM guests WHERE id = ?", (siti.guest_id,))
    assert row == {"name": "(anonim)", "id_number": f"ANON-{siti.guest_id}", "id_masked": "****",
                   "anonymised_at": row["anonymised_at"]} and row["anonymised_at"]
    new = [(r["entity"], r["entity_id"], r["op"]) for r in store.rows(
        "SELECT entity, entity_id, op FROM changes WHERE seq > ? AND entity != 'audit' ORDER BY seq", (last,))]
    assert new[0] == ("guest", siti.guest_id, "anonymise")
    assert sorted(new[1:]) == sorted(("locker", lk.locker.id, "anonymise") for lk in (linked, typed))
    assert _tables_holding(store, "Siti", "Aminah", "3273014101900001", "3273********0001", sent) == []
    assert (store.row("SELECT * FROM guests WHERE id = ?", (andi.guest_id,)),
            store.row("SELECT * FROM lockers WHERE id = ?", (theirs.locker.id,)),
            store.rows("SELECT * FROM changes WHERE payload_text(payload) LIKE '%Andi%' AND seq <= ? ORDER BY seq", (last,)),
            store.rows("SELECT * FROM print_jobs WHERE ref_id = ?", (theirs.locker.id,))) == andi_before
    trail = [(e.action, e.entity_id) for e in audit.entries(store, action="guest.")]
    assert trail == [("guest.erase", siti.guest_id), ("guest.show", siti.guest_id)]
    # A guest who was never restored is served exactly as before, in the same store.
    assert privacy.erase(store, admin, "3273 0101 0190 0002") == privacy.Erased(guest_ids=[andi.guest_id], lockers=1)


def test_a_restored_guest_without_the_full_number_has_the_card_typed(store, settings, officer):
    """The guestbook of a restored store holds only ``HASH:...``: a locker never takes that
    for the card's number (the slip would print the hash); the officer types the number."""
    from tests.kiosk.test_guestbook import as_restored

    siti = register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
    as_restored(store, siti.guest_id)
    jobs = store.row("SELECT COUNT(*) AS n FROM print_jobs")["n"]
    with pytest.raises(Invalid) as err:
        lockers.assign(store, settings, officer, id_type="ktp", id_number="", holder_name="",
                       guest_id=siti.guest_id)
    assert "dipulihkan" in err.value.field_messages("id")["id_number"]
    assert lockers.open_lockers(store, officer) == [] and store.row("SELECT COUNT(*) AS n FROM print_jobs")["n"] == jobs
    done = lockers.assign(store, settings, officer, id_type="ktp", id_number="3273 0141 0190 0001",
                          holder_name="", guest_id=siti.guest_id)
    assert done.locker.holder_name == "Siti Aminah" and done.locker.id_masked == "3273********0001"
    assert lockers.reveal_card(store, officer, done.locker.id) == "3273014101900001"


def test_a_restored_locker_reveals_no_placeholder_for_a_number(store, settings, officer):
    """A locker restored from the centre holds ``RESTORED:<id>`` (the centre never had the number):
    revealing it gives None, still audited, and the masked number stays for the officer."""
    done = lockers.assign(store, settings, officer, id_type="ktp", id_number="3273014101900001",
                          holder_name="Siti Aminah", locker_no=3)
    with store.write():  # as restore.py writes it
        store.conn.execute("UPDATE lockers SET id_number = 'RESTORED:' || id")
    assert lockers.reveal_card(store, officer, done.locker.id) is None
    assert lockers.get(store, done.locker.id).id_masked == "3273********0001"
    assert [e.action for e in audit.entries(store, action="locker.reveal")] == ["locker.reveal"]


def test_purge_spares_a_restored_guest_whose_card_typed_by_hand_is_held(store, settings, clock):
    from tests.kiosk.test_guestbook import as_restored

    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    siti = register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
    as_restored(store, siti.guest_id)
    clock.advance(days=400)
    held = lockers.assign(store, settings, admin, id_type="ktp", id_number="3273 0141 0190 0001",
                          holder_name="Siti Aminah")  # no guest link: typed by hand
    assert privacy.purge(store, admin, older_than_days=365).guests == 0
    lockers.return_card(store, admin, held.locker.id)
    assert privacy.purge(store, admin, older_than_days=365).guests == 1


def test_without_the_key_a_restored_guest_is_not_found_by_id_number(store, settings, officer):
    """A store restored without the key file cannot tell whose ``HASH:`` a number is: the
    request says not found (the email still works), and the lookup makes no key."""
    from kiosk.guestbook import id_key
    from tests.kiosk.test_guestbook import as_restored

    admin = accounts.find(store, "admin")
    siti = register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
    as_restored(store, siti.guest_id)
    with store.write():
        store.conn.execute("DELETE FROM meta WHERE key = 'id_hash_key'")
    before = store.rows("SELECT * FROM guests")
    changes = store.row("SELECT COUNT(*) AS n FROM changes")["n"]
    for request in (privacy.subject_access, privacy.erase):
        with pytest.raises(NotFound) as err:
            request(store, admin, "3273014101900001")
        assert err.value.key == "guestbook.unknown_guest"
    assert store.rows("SELECT * FROM guests") == before and id_key(store) is None
    assert store.row("SELECT COUNT(*) AS n FROM changes")["n"] == changes
    assert [d.guest["id"] for d in privacy.subject_access(store, admin, "siti@example.com")] == [siti.guest_id]


def test_purge_redacts_printed_slips_and_spares_a_guest_whose_card_is_held(store, settings, clock):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
    old = lockers.assign(store, settings, admin, id_type="ktp", id_number="3273014101900001",
                         holder_name="Siti Aminah")
    lockers.return_card(store, admin, old.locker.id)
    clock.advance(days=400)
    held = lockers.assign(store, settings, admin, id_type="ktp", id_number="3273 0141 0190 0001",
                          holder_name="Siti Aminah")
    result = privacy.purge(store, admin, older_than_days=365)
    assert (result.guests, result.lockers) == (0, 1)  # her card is held now: the guest stays
    slip = store.row("SELECT unpack_text(document) AS document FROM print_jobs WHERE ref_id = ?", (old.locker.id,))["document"]
    assert "Siti" not in slip and "3273********0001" not in slip
    lockers.return_card(store, admin, held.locker.id)
    clock.advance(days=400)
    assert privacy.purge(store, admin, older_than_days=365).guests == 1
    assert _tables_holding(store, "Siti", "Aminah", "3273014101900001", "3273********0001") == []

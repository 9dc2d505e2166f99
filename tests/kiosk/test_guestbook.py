import json

import pytest
from hypothesis import HealthCheck, event, given, settings as hsettings
from hypothesis import strategies as st

from kiosk import identity
from kiosk.guestbook import HASHED, find_returning, guest_for_ticket, register_visit, validate_guest
from kiosk.identity import Invalid

GOOD = {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001",
        "email": "siti@example.com", "phone": "081234567890", "segment": "akademisi",
        "gender": "p", "education": "s1", "institution": "Universitas Andalas"}


def count(store, table):
    return store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_first_visit_links_guest_visit_and_ticket(store, settings):
    reg = register_visit(store, settings, service="penjualan", purpose="skripsi", consent=True,
                         guest=validate_guest(GOOD))
    assert not reg.returning and reg.issued.ticket.number == "B-001"
    visit = store.row("SELECT * FROM visits WHERE id = ?", (reg.visit_id,))
    assert visit["ticket_id"] == reg.issued.ticket.id and visit["guest_id"] == reg.guest_id
    assert visit["consent_version"] == identity.notice_version() and visit["segment"] == "akademisi"
    guest = store.row("SELECT * FROM guests WHERE id = ?", (reg.guest_id,))
    assert guest["id_masked"] == "3273********0001" and guest["phone"] == "+6281234567890"
    assert guest["consent_at"] is not None
    # The outbox carries the guest without the full ID number.
    payloads = [json.loads(r["payload"]) for r in store.rows(
        "SELECT payload_text(payload) AS payload FROM changes WHERE entity = 'guest'")]
    assert payloads and all("id_number" not in p for p in payloads)
    assert payloads[0]["id_masked"] == "3273********0001"
    found = guest_for_ticket(store, reg.issued.ticket.id)
    assert found.name == "Siti Aminah" and found.id_masked == "3273********0001"


def test_returning_guest_reveals_only_first_name_and_masked_id(store, settings):
    register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(GOOD))
    for typed in ("SITI@example.com", "3273 0141 0190 0001"):
        found = find_returning(store, typed)
        assert found.model_dump().keys() == {"guest_id", "first_name", "id_type", "id_masked"}
        assert found.first_name == "Siti" and found.id_masked == "3273********0001"
    assert find_returning(store, "nobody@example.com") is None
    assert find_returning(store, "12") is None
    again = register_visit(store, settings, service="C", purpose="penelitian", consent=True,
                           guest_id=found.guest_id)
    assert again.returning and again.guest_id == found.guest_id
    assert count(store, "guests") == 1 and count(store, "visits") == 2


def test_new_form_for_a_known_card_updates_the_same_guest(store, settings):
    register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(GOOD))
    reg = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                         guest=validate_guest({**GOOD, "email": "siti.baru@example.com"}))
    assert reg.returning and count(store, "guests") == 1
    assert store.row("SELECT email FROM guests")["email"] == "siti.baru@example.com"


def test_disability_makes_the_ticket_priority(store, settings):
    reg = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                         guest=validate_guest({**GOOD, "disability": True}))
    assert reg.issued.ticket.priority


def test_no_consent_or_bad_purpose_stores_nothing(store, settings):
    for consent, purpose in ((False, "tugas"), (True, "nonsense")):
        with pytest.raises(Invalid):
            register_visit(store, settings, service="B", purpose=purpose, consent=consent,
                           guest=validate_guest(GOOD))
    assert [count(store, t) for t in ("guests", "visits", "tickets", "changes")] == [0, 0, 0, 0]


FIELD_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(
    ["Siti Aminah", "3273014101900001", "siti@example.com", "0812 3456 7890", "ktp", "other", "swasta",
     "akademisi", "01.855.081.4-005.000", "p", "s1", "KS/2024/1", ""]))


@hsettings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
           deadline=None)
@given(fields=st.fixed_dictionaries({k: FIELD_TEXT for k in ("name", "id_type", "id_number", "email", "segment")},
                                    optional={k: st.one_of(FIELD_TEXT, st.none()) for k in
                                              ("id_country", "phone", "institution", "npwp", "gender", "education")}),
       service=st.one_of(st.sampled_from(["A", "penjualan"]), st.text(max_size=10)),
       purpose=st.one_of(st.just("tugas"), st.text(max_size=10)), consent=st.booleans())
def test_arbitrary_visits_are_stored_valid_or_not_at_all(store, settings, fields, service, purpose, consent):
    """register_visit itself, fed any text (a GuestData built without validate_guest): it either
    stores a valid guest, visit and ticket, or raises a domain error and stores nothing."""
    from kiosk.errors import DomainError
    from kiosk.guestbook import GuestData

    tables = ("guests", "visits", "tickets", "changes", "print_jobs")
    before = [count(store, t) for t in tables]
    try:
        reg = register_visit(store, settings, service=service, purpose=purpose, consent=consent,
                             guest=GuestData(**fields))
    except DomainError:
        event("refused")
        assert [count(store, t) for t in tables] == before
        return
    event("stored")
    row = store.row("SELECT * FROM guests WHERE id = ?", (reg.guest_id,))
    again = validate_guest({k: row[k] for k in fields} | {"disability": row["disability"]})
    assert again.id_number == row["id_number"] and again.email == row["email"]
    assert count(store, "visits") == before[1] + 1


ANDI = {"name": "Andi Wijaya", "id_type": "ktp", "id_number": "3273010101900002",
        "email": "andi@example.com", "segment": "perorangan"}
BAMBANG = {"name": "Bambang Sutrisno", "id_type": "ktp", "id_number": "3273010101900003",
           "email": "bambang@example.com", "segment": "perorangan"}


def test_a_known_number_rewrites_the_guest_only_keeping_their_name_or_email(store, settings):
    """A correction keeps the name (a new email) or the email (a new name); the number alone,
    with another name and another email, rewrites nobody and records nothing."""
    from kiosk.errors import Invalid as DomainInvalid

    andi = register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(ANDI))
    changes = count(store, "changes")
    with pytest.raises(DomainInvalid) as refused:
        register_visit(store, settings, service="A", purpose="tugas", consent=True,
                       guest=validate_guest({**ANDI, "name": "Penipu Orang", "email": "penipu@example.com"}))
    assert refused.value.errors["id_number"].key == "guestcorrect.taken"
    assert count(store, "changes") == changes and count(store, "visits") == 1
    assert store.row("SELECT name, email FROM guests") == {"name": "Andi Wijaya", "email": "andi@example.com"}
    # His name kept, in other letters and spaces: a new email goes in; then his email kept: a new name.
    register_visit(store, settings, service="A", purpose="tugas", consent=True,
                   guest=validate_guest({**ANDI, "name": "andi  WIJAYA", "email": "andi.baru@example.com"}))
    again = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                           guest=validate_guest({**ANDI, "name": "Andi Wijaya Putra", "email": "ANDI.BARU@example.com"}))
    assert again.guest_id == andi.guest_id and count(store, "guests") == 1
    assert store.row("SELECT name, email FROM guests") == {"name": "Andi Wijaya Putra",
                                                           "email": "andi.baru@example.com"}


def test_someone_elses_email_never_rewrites_their_record(store, settings):
    andi = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                          guest=validate_guest(ANDI))
    # Bambang types his own NIK but Andi's email: a new guest; Andi's row and visit stay his.
    bambang = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                             guest=validate_guest({**BAMBANG, "email": ANDI["email"]}))
    assert bambang.guest_id != andi.guest_id and not bambang.returning
    row = store.row("SELECT name, id_number, email FROM guests WHERE id = ?", (andi.guest_id,))
    assert row == {"name": "Andi Wijaya", "id_number": "3273010101900002", "email": "andi@example.com"}
    assert store.row("SELECT guest_id FROM visits WHERE id = ?", (andi.visit_id,))["guest_id"] == andi.guest_id
    assert count(store, "guests") == 2


def test_same_card_with_a_new_email_is_the_same_guest_and_leaves_others_alone(store, settings):
    bambang = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                             guest=validate_guest(BAMBANG))
    andi = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                          guest=validate_guest(ANDI))
    # Andi again with his own NIK and Bambang's email: Andi's record, never Bambang's.
    again = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                           guest=validate_guest({**ANDI, "email": BAMBANG["email"]}))
    assert again.guest_id == andi.guest_id and again.returning
    row = store.row("SELECT name, id_number, email FROM guests WHERE id = ?", (bambang.guest_id,))
    assert row == {"name": "Bambang Sutrisno", "id_number": "3273010101900003", "email": "bambang@example.com"}
    assert count(store, "guests") == 2


def test_npwp_leaves_the_office_masked_like_the_id_number(store, settings):
    reg = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                         guest=validate_guest({**GOOD, "segment": "swasta", "npwp": "3273014101900001"}))
    assert store.row("SELECT npwp FROM guests WHERE id = ?", (reg.guest_id,))["npwp"] == "3273014101900001"
    outbox = " ".join(r["payload"] for r in store.rows("SELECT payload_text(payload) AS payload FROM changes"))
    assert "3273014101900001" not in outbox  # a NIK-form NPWP is a full NIK
    payload = json.loads(store.row("SELECT payload_text(payload) AS payload FROM changes WHERE entity = 'guest'")["payload"])
    assert payload["npwp"] == "3273********0001"


def store_at(path, version):
    """A store file migrated only up to ``version`` (as an older program left it)."""
    import sqlite3

    from kiosk.store import _statements, migrations

    conn = sqlite3.connect(path, isolation_level=None)
    for number, _name, sql in migrations():
        if number <= version:
            for statement in _statements(sql):
                conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn


def test_queued_changes_get_their_npwp_masked_on_upgrade(tmp_path, clock):
    from kiosk.store import Store

    conn = store_at(tmp_path / "old.db", 5)
    conn.execute("INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                 " VALUES ('c1', 'guest', 'g1', 'add', ?, 't', '2026-01-01T00:00:00Z')",
                 (json.dumps({"id": "g1", "name": "Andi", "npwp": "3273014101900001"}),))
    conn.execute("INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                 " VALUES ('c2', 'guest', 'g2', 'add', ?, 't', '2026-01-01T00:00:00Z')",
                 (json.dumps({"id": "g2", "name": "Beni", "npwp": None}),))
    conn.close()
    with Store(tmp_path / "old.db", clock=clock) as store:
        payloads = [json.loads(r[0]) for r in store.conn.execute("SELECT payload_text(payload) AS payload FROM changes ORDER BY seq")]
    assert payloads == [{"id": "g1", "name": "Andi", "npwp": "3273********0001"},
                        {"id": "g2", "name": "Beni", "npwp": None}]


def test_other_ids_are_stored_as_typed_letters_and_digits_and_found_again(store, settings):
    reg = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                         guest=validate_guest({**GOOD, "id_type": "other", "id_number": "ks/2024/00123"}))
    assert store.row("SELECT id_number FROM guests")["id_number"] == "KS202400123"
    for typed in ("KS/2024/00123", "ks 2024 00123", "KS-2024-00123"):
        assert find_returning(store, typed).guest_id == reg.guest_id
    # The same number as another type is the same card, so the same guest.
    again = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                           guest=validate_guest({**GOOD, "id_type": "other", "id_number": "KS 2024 00123"}))
    assert again.guest_id == reg.guest_id and count(store, "guests") == 1


def test_disability_from_text_means_what_it_says(store, settings):
    for value, meant in (("0", False), ("false", False), ("", False), (0, False), (None, False),
                         ("1", True), ("true", True), ("Ya", True), (True, True)):
        assert validate_guest({**GOOD, "disability": value}).disability is meant, value
    with pytest.raises(Invalid) as err:
        validate_guest({**GOOD, "disability": "maybe"})
    assert set(err.value.errors) == {"disability"}
    reg = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                         guest=validate_guest({**GOOD, "disability": "0"}))
    assert not reg.issued.ticket.priority


def as_restored(store, guest_id):
    """Make a guest look as a restore writes it: ``HASH:`` + the keyed hash the centre holds."""
    from kiosk.guestbook import HASHED, id_hash

    number = store.row("SELECT id_number FROM guests WHERE id = ?", (guest_id,))["id_number"]
    with store.write():
        store.conn.execute("UPDATE guests SET id_number = ? WHERE id = ?", (HASHED + id_hash(store, number), guest_id))


def test_looking_up_an_id_number_never_makes_a_hash_key(store, settings):
    from kiosk.guestbook import id_key, search_guests

    assert find_returning(store, "3273 0141 0190 0001") is None and search_guests(store, None, "3273014101900001") == []
    assert id_key(store) is None and count(store, "meta") == 1  # the terminal id alone
    register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(GOOD))
    assert len(id_key(store)) == 64  # the first guest sent to the outbox needs one


def test_a_restored_guest_is_found_by_id_number_and_made_whole_by_the_next_form(store, settings):
    from kiosk.guestbook import id_hash, search_guests

    reg = register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(GOOD))
    as_restored(store, reg.guest_id)
    sent = id_hash(store, GOOD["id_number"])
    found = find_returning(store, "3273-0141-0190-0001")
    assert found.model_dump() == {"guest_id": reg.guest_id, "first_name": "Siti", "id_type": "ktp",
                                  "id_masked": "3273********0001"}
    assert [h.guest_id for h in search_guests(store, None, "3273014101900001")] == [reg.guest_id]
    # Through the returning path without the number (found by email) the row keeps its hash, and
    # the outbox the same hash (not a hash of it).
    register_visit(store, settings, service="A", purpose="tugas", consent=True, guest_id=found.guest_id,
                   typed=GOOD["email"])
    assert store.row("SELECT id_number FROM guests")["id_number"].startswith("HASH:")
    last = json.loads(store.row("SELECT payload_text(payload) AS payload FROM changes WHERE entity = 'guest' ORDER BY seq DESC")["payload"])
    assert last["id_hash"] == sent and "id_number" not in last
    # A new form with the same card: the restored row gets its number back, no second guest.
    again = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                           guest=validate_guest({**GOOD, "email": "siti.baru@example.com"}))
    assert again.returning and again.guest_id == reg.guest_id and count(store, "guests") == 1
    row = store.row("SELECT id_number, email FROM guests")
    assert row == {"id_number": "3273014101900001", "email": "siti.baru@example.com"}
    change = store.row("SELECT op, payload_text(payload) AS payload FROM changes WHERE entity = 'guest' ORDER BY seq DESC")
    assert change["op"] == "update" and json.loads(change["payload"])["id_hash"] == sent


def test_a_restored_guest_found_by_the_typed_number_is_completed_by_the_visit(store, settings):
    """README: the next guestbook entry completes the restored record, the returning path too:
    the number she typed, matching the ``HASH:`` form, is stored in the visit's transaction."""
    from kiosk.guestbook import id_hash

    reg = register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(GOOD))
    as_restored(store, reg.guest_id)
    sent = id_hash(store, GOOD["id_number"])
    before = count(store, "changes")
    typed = "3273 0141 0190 0001"
    found = find_returning(store, typed)
    assert found.model_dump() == {"guest_id": reg.guest_id, "first_name": "Siti", "id_type": "ktp",
                                  "id_masked": "3273********0001"}
    # Another number (or another guest's id) completes nothing.
    with pytest.raises(Invalid):
        register_visit(store, settings, service="A", purpose="nonsense", consent=True,
                       guest_id=found.guest_id, typed=typed)
    register_visit(store, settings, service="A", purpose="tugas", consent=True, guest_id=found.guest_id,
                   typed="3273014101900002")
    assert store.row("SELECT id_number FROM guests")["id_number"] == HASHED + sent
    again = register_visit(store, settings, service="C", purpose="penelitian", consent=True,
                           guest_id=found.guest_id, typed=typed)
    assert again.returning and again.guest_id == reg.guest_id and count(store, "guests") == 1
    row = store.row("SELECT id_number, id_masked FROM guests")
    assert row == {"id_number": "3273014101900001", "id_masked": "3273********0001"}
    change = store.row("SELECT op, payload_text(payload) AS payload FROM changes WHERE entity = 'guest' ORDER BY seq DESC")
    payload = json.loads(change["payload"])
    assert change["op"] == "update" and payload["id_hash"] == sent and "id_number" not in payload
    outbox = " ".join(r["payload"] for r in store.rows("SELECT payload_text(payload) AS payload FROM changes"))
    assert GOOD["id_number"] not in outbox
    assert count(store, "visits") == 3 and count(store, "changes") > before
    # Whole now: found by the number itself, and the next visit changes nothing more.
    assert find_returning(store, GOOD["id_number"]).guest_id == reg.guest_id
    register_visit(store, settings, service="A", purpose="tugas", consent=True, guest_id=reg.guest_id, typed=typed)
    assert store.row("SELECT op FROM changes WHERE entity = 'guest' ORDER BY seq DESC")["op"] == "consent"


def test_the_real_number_wins_over_a_restored_twin(store, settings):
    """A store restored before the key could come back may hold both rows of one person."""
    first = register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(GOOD))
    as_restored(store, first.guest_id)
    with store.write():  # the duplicate the old behaviour made
        store.conn.execute("INSERT INTO guests(id, created_at, updated_at, terminal_id, name, id_type, id_number,"
                           " id_masked, email, segment) SELECT 'twin', created_at, '2000-01-01', terminal_id,"
                           " 'Siti A', id_type, ?, id_masked, email, segment FROM guests", (GOOD["id_number"],))
    assert find_returning(store, GOOD["id_number"]).guest_id == "twin"
    again = register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(GOOD))
    assert again.guest_id == "twin" and count(store, "guests") == 2


def test_a_missing_id_number_is_named_even_before_the_type_is_chosen(store, settings):
    for id_type in (None, "", "nonsense"):
        with pytest.raises(Invalid) as err:
            validate_guest({**GOOD, "id_type": id_type, "id_number": "  "})
        assert {f: e.key for f, e in err.value.errors.items()} == {
            "id_type": "invalid.choice", "id_number": "invalid.required"}, id_type
    # A number typed without a type: only the type is asked for (the number cannot be judged yet).
    with pytest.raises(Invalid) as err:
        validate_guest({**GOOD, "id_type": None})
    assert set(err.value.errors) == {"id_type"}
    assert count(store, "guests") == 0


def test_an_email_several_guests_gave_names_nobody(store, settings):
    """Bambang registered with Andi's email: typing it greets neither of them (whoever used it
    last was shown before); each is still found by his ID number."""
    from kiosk.guestbook import SharedEmail

    andi = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                          guest=validate_guest(ANDI))
    assert find_returning(store, "andi@example.com").guest_id == andi.guest_id  # one guest: found
    bambang = register_visit(store, settings, service="A", purpose="tugas", consent=True,
                             guest=validate_guest({**BAMBANG, "email": ANDI["email"]}))
    for typed in ("andi@example.com", " ANDI@Example.com "):
        with pytest.raises(SharedEmail) as err:
            find_returning(store, typed)
        assert err.value.key == "guest.email_shared" and "Andi" not in str(err.value)
        assert "nomor identitas" in err.value.message("id") and "ID number" in err.value.message("en")
    assert find_returning(store, ANDI["id_number"]).guest_id == andi.guest_id
    assert find_returning(store, "3273 0101 0190 0003").guest_id == bambang.guest_id
    assert find_returning(store, "bambang@example.com") is None  # his own email he never gave
    # Once one of them is anonymised the email is one guest's again.
    with store.write():
        store.conn.execute("UPDATE guests SET anonymised_at = '2026-01-01T00:00:00Z' WHERE id = ?",
                           (bambang.guest_id,))
    assert find_returning(store, "andi@example.com").guest_id == andi.guest_id

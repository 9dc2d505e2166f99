"""Validators against tables of valid and invalid values, and property tests: arbitrary
text never raises anything but a validation error, and nothing invalid is stored."""

import pytest
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from kiosk import identity
from kiosk.guestbook import validate_guest
from kiosk.identity import FieldInvalid, Invalid


@pytest.mark.parametrize("text, expected", [
    ("3273014101900001", "3273014101900001"),        # Bandung, man born 1 Jan 1990
    ("3273 0141 0190 0001", "3273014101900001"),
    ("1373015501900002", "1373015501900002"),        # Sawahlunto, woman (day + 40)
    ("9471024107850003", "9471024107850003"),        # Jayapura, woman born 1 Jul 1985
    ("9601014101900001", "9601014101900001"),        # a province newer than the library's table: accepted
])
def test_valid_nik(text, expected):
    assert identity.nik(text) == expected


@pytest.mark.parametrize("text", [
    "", "123", "32730141019000011", "327301410190000A", "3273019913900001",  # month 13
    "3273013201900001",  # day 32
    "0073014101900001",  # province 00
    "3200014101900001", "9900014101900001",  # regency 00 (known and unknown province)
    "3273014101900000", "9999014101900000",  # serial 0000
])
def test_invalid_nik(text):
    with pytest.raises(FieldInvalid):
        identity.nik(text)


@pytest.mark.parametrize("text, expected", [
    ("01.855.081.4-005.000", "0018550814005000"),  # legacy 15 -> stored as 0 + 15 (since 2024)
    ("018550814005000", "0018550814005000"),
    ("0018550814005000", "0018550814005000"),   # 2024: 0 + legacy 15
    ("3273014101900001", "3273014101900001"),   # 2024: a NIK
])
def test_valid_npwp(text, expected):
    assert identity.npwp(text) == expected


@pytest.mark.parametrize("text", ["01.855.081.5-005.000", "12345", "abcdefghijklmno", "3273019913900001",
                                  "000000000000000", "00.000.000.0-000.000", "0000000000000000",
                                  "3200014101900001", "3273014101900000", "²", "01.855.081.4-005.00²"])
def test_invalid_npwp(text):
    with pytest.raises(FieldInvalid):
        identity.npwp(text)


@pytest.mark.parametrize("text, expected", [
    ("0812 3456 7890", "+6281234567890"),
    ("+62 812-3456-7890", "+6281234567890"),
    ("(0754) 61049", "+6275461049"),
    ("+60 12-345 6789", "+60123456789"),
    ("62812345678", "+62812345678"),           # country code typed without the +
    ("62 812-3456-7890", "+6281234567890"),
])
def test_valid_phone(text, expected):
    assert identity.phone(text) == expected


@pytest.mark.parametrize("text", ["123", "0812", "phone", "+62 000 0000", "08123456789012345"])
def test_invalid_phone(text):
    with pytest.raises(FieldInvalid):
        identity.phone(text)


@pytest.mark.parametrize("text, expected", [
    ("Budi@Example.COM", "budi@example.com"),
    (" siti.aminah+pst@ui.ac.id ", "siti.aminah+pst@ui.ac.id"),
])
def test_valid_email(text, expected):
    assert identity.email(text) == expected


@pytest.mark.parametrize("text", ["budi", "budi@", "@example.com", "budi@@example.com", "budi @x.com", "a@b"])
def test_invalid_email(text):
    with pytest.raises(FieldInvalid):
        identity.email(text)


def test_passport_and_other_ids():
    assert identity.id_number("passport", "a1234567") == "A1234567"
    assert identity.country("my") == "MY"
    # A name in English or Indonesian, an ISO-3 code, and UK (not ISO, but what people type).
    for typed, code in (("Malaysia", "MY"), ("MYS", "MY"), ("uk", "GB"), ("United Kingdom", "GB"),
                        ("Belanda", "NL"), ("Britania Raya", "GB"), ("jepang", "JP"), (" Singapore ", "SG")):
        assert identity.country(typed) == code
    for bad in ("XX", "Atlantis", "12"):
        with pytest.raises(FieldInvalid):
            identity.country(bad)
    for bad in ("12345", "A12345678901", "A12-34!"):
        with pytest.raises(FieldInvalid):
            identity.id_number("passport", bad)
    with pytest.raises(FieldInvalid):
        identity.country("XX")
    assert identity.id_number("sim", "1234-5678-9012") == "123456789012"
    with pytest.raises(FieldInvalid):
        identity.id_number("sim", "12AB")
    arabic_indic = "١٢٣٤٥٦٧٨٩٠١٢"  # twelve digits, not ASCII
    for id_type, bad in (("sim", arabic_indic), ("ktp", "3273014101900001".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))), ("other", "////"),
                         ("other", "- - / ."), ("passport", "//////")):
        with pytest.raises(FieldInvalid) as err:
            identity.id_number(id_type, bad)
        assert err.value.key != "invalid.required", (id_type, bad)


def test_masking():
    assert identity.mask("3273014101900001") == "3273********0001"
    assert identity.mask("A1234567") == "A1****67"


GOOD = {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001",
        "email": "siti@example.com", "phone": "081234567890", "segment": "akademisi",
        "gender": "p", "education": "s1", "institution": "Universitas Andalas"}


def test_guest_form_reports_every_bad_field():
    bad = {**GOOD, "name": "", "id_number": "123", "email": "x@", "phone": "1", "segment": "swasta"}
    with pytest.raises(Invalid) as err:
        validate_guest(bad)
    assert set(err.value.errors) == {"name", "id_number", "email", "phone", "npwp"}
    messages = err.value.field_messages("id")
    assert messages["npwp"] == "NPWP wajib untuk segmen swasta"
    assert err.value.field_messages("en")["email"] == "Not a valid email address"


def test_guest_form_normalises():
    guest = validate_guest({**GOOD, "segment": "swasta", "npwp": "01.855.081.4-005.000",
                            "disability": True})
    assert guest.phone == "+6281234567890" and guest.npwp == "0018550814005000" and guest.disability


text = st.text(max_size=60)


@hsettings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(name=text, id_type=st.sampled_from(["ktp", "sim", "passport", "other", "x"]), number=text,
       email=text, phone=text, npwp=text, segment=st.sampled_from(["swasta", "akademisi", "??"]),
       country=text)
def test_arbitrary_input_only_ever_raises_invalid(name, id_type, number, email, phone, npwp,
                                                 segment, country):
    raw = {"name": name, "id_type": id_type, "id_number": number, "email": email,
           "phone": phone, "npwp": npwp, "segment": segment, "id_country": country}
    try:
        guest = validate_guest(raw)
    except Invalid as exc:
        assert exc.errors and all(isinstance(e, FieldInvalid) for e in exc.errors.values())
        return
    # Whatever got through is normalised and valid by each validator again.
    assert identity.id_number(guest.id_type, guest.id_number) == guest.id_number
    assert identity.email(guest.email) == guest.email


@pytest.mark.parametrize("text", ["PT Maju & Jaya", 'CV. Karya "Baru"', "Universitas Andalas (Unand)",
                                  "BPS Kab. 50 Kota / Sumbar", "Yayasan C+ #1", "Dinas Kominfo-Statistik"])
def test_valid_institution(text):
    assert identity.institution(text) == text
    assert validate_guest({**GOOD, "institution": text}).institution == text


@pytest.mark.parametrize("text", ["X", "12345", "PT <Maju>", "a" * 121, "PT_Maju", "Toko; DROP"])
def test_invalid_institution_has_its_own_message(text):
    with pytest.raises(Invalid) as err:
        validate_guest({**GOOD, "institution": text})
    assert err.value.field_messages("en")["institution"].startswith("Institution name")


@pytest.mark.parametrize("text, key, params", [
    ("01.234.567.8-901.000", "invalid.npwp_check", {}),     # 15 digits, check digit wrong
    ("0012345678901000", "invalid.npwp_check", {}),         # the same in the 16-digit form
    ("01.855.081.4-005.00", "invalid.npwp_length", {"count": 14}),
    ("01.855.081.4-005.00000", "invalid.npwp_length", {"count": 17}),
    ("01.855.O81.4-005.000", "invalid.npwp", {}),           # a letter O for a zero
])
def test_npwp_says_what_is_wrong(text, key, params):
    """A wrong length and a check digit that does not match are different mistakes."""
    with pytest.raises(FieldInvalid) as caught:
        identity.npwp(text)
    assert (caught.value.key, caught.value.params) == (key, params)


# -- the rules of issue 15 (point 6) ---------------------------------------------------------


@pytest.mark.parametrize("text, key, params", [
    ("3273004101900001", "identity.nik_district", {"code": "327300"}),  # district 00 is not a district
    ("3200014101900001", "identity.nik_regency", {"code": "3200"}),
    ("0073014101900001", "identity.nik_province", {"code": "00"}),
    ("9999014101900001", "identity.nik_province", {"code": "99"}),      # provinces run 11-96
    ("3273019913900001", "identity.nik_birth_date", {"date": "991390"}),  # day 99, month 13
    ("3273013201900001", "identity.nik_birth_date", {"date": "320190"}),  # day 32
    ("3273013002900001", "identity.nik_birth_date", {"date": "300290"}),  # 30 February
    ("3273014101900000", "identity.nik_serial", {}),
    ("327301410190", "identity.nik_length", {"count": 12}),
    ("32730141019000011", "identity.nik_length", {"count": 17}),
])
def test_a_wrong_nik_says_which_part_is_wrong(text, key, params):
    with pytest.raises(FieldInvalid) as caught:
        identity.nik(text)
    assert (caught.value.key, caught.value.params) == (key, params)


def test_the_nik_messages_name_the_part_in_both_languages():
    with pytest.raises(Invalid) as caught:
        validate_guest({**GOOD, "id_type": "ktp", "id_number": "3273004101900001"})
    assert "kecamatan" in caught.value.field_messages("id")["id_number"]
    assert "district code" in caught.value.field_messages("en")["id_number"]


@pytest.mark.parametrize("text, expected", [
    ("62215551234", "+62215551234"),      # Jakarta 021: was +6262215551234
    ("62 21 555 1234", "+62215551234"),
    ("62754610490", "+62754610490"),      # Sawahlunto 0754
    ("6281234567890", "+6281234567890"),  # mobile, as before
    ("021 5551234", "+62215551234"),
])
def test_a_phone_typed_with_62_and_no_plus_is_indonesian_for_every_area_code(text, expected):
    assert identity.phone(text) == expected


@pytest.mark.parametrize("text, stored, legacy", [
    ("01.855.081.4-005.000", "0018550814005000", "01.855.081.4-005.000"),
    ("018550814005000", "0018550814005000", "01.855.081.4-005.000"),
])
def test_a_legacy_npwp_is_stored_as_the_16_digits_and_the_form_is_told(text, stored, legacy):
    assert identity.npwp(text) == stored
    assert identity.npwp_conversion(text) == (legacy, stored)


@pytest.mark.parametrize("text", ["0018550814005000", "3273014101900001", "01.855.081.5-005.000", ""])
def test_no_conversion_is_told_for_a_16_digit_or_a_wrong_npwp(text):
    assert identity.npwp_conversion(text) is None


@pytest.mark.parametrize("text, expected", [
    ("0018550814005000000001", "0018550814005000000001"),   # NITKU: NPWP 16 + branch 000001
    ("3273014101900001 000002", "3273014101900001000002"),
])
def test_a_nitku_is_accepted_for_a_branch(text, expected):
    assert identity.npwp(text) == expected


@pytest.mark.parametrize("text, key", [
    ("0012345678901000000001", "invalid.npwp_check"),   # the NPWP inside the NITKU is wrong
    ("3273004101900001000001", "invalid.npwp"),
    ("00185508140050000000011", "invalid.npwp_length"),  # 23 digits
])
def test_a_nitku_with_a_wrong_npwp_is_refused(text, key):
    with pytest.raises(FieldInvalid) as caught:
        identity.npwp(text)
    assert caught.value.key == key

"""kiosk.text and printers.text: one list of unsafe characters, used the same way by the
forms, the command line's output and the printers."""

import pytest

from kiosk.errors import FieldInvalid
from kiosk.text import clean, for_terminal, free_text, whole_number
from printers.text import neutralise


@pytest.mark.parametrize("ch", ["\x00", "\x07", "\x1b", "\x1d", "\x7f", "\x85", "\x9b", "\u202a", "\u202e",
                                "\u2066", "\u2069", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",
                                "\u2028", "\u2029", "\ud800", "\ue000"])
def test_every_kind_is_neutralised_refused_and_dropped(ch):
    assert neutralise(f"a{ch}b") == "a\ufffdb"
    with pytest.raises(FieldInvalid) as err:
        free_text(f"a{ch}b", "text.field.name")
    assert err.value.key == "text.control" and err.value.params == {"field_key": "text.field.name"}
    assert clean(f"a{ch}b") == "ab"


def test_what_stays():
    assert neutralise("Siti Aminah — 中文 é ३") == "Siti Aminah — 中文 é ३"
    assert for_terminal("a\tb\nc\r\nd\re") == "a\tb\nc\r\nd\ufffde"  # a lone CR would overwrite
    assert free_text("  baris satu\r\nbaris dua ", "text.field.note", multiline=True) == "baris satu\nbaris dua"
    with pytest.raises(FieldInvalid):
        free_text("baris satu\nbaris dua", "text.field.name")  # one line where one is asked
    assert clean("catatan\nkedua\x1b") == "catatan\nkedua"


@pytest.mark.parametrize("typed", ["३", "１", "٣", "۳", "1_000", "²", "", "+", "3.0", "0x10"])
def test_whole_numbers_are_ascii_digits(typed):
    with pytest.raises(FieldInvalid):
        whole_number(typed)


def test_whole_numbers():
    assert [whole_number(t) for t in ("3", " 42 ", "-7", "+5", "007")] == [3, 42, -7, 5, 7]


def test_rows_restored_from_the_centre_are_stored_without_control_characters(store):
    """The restore writes what the centre holds; a name sent with an escape sequence (an
    older office, a hand-edited row) arrives without its control characters."""
    from kiosk.central.restore import _Writer

    with store.write():
        _Writer(store).insert("users", {
            "id": "u-1", "created_at": "2026-11-23T02:00:00+00:00", "updated_at": "2026-11-23T02:00:00+00:00",
            "terminal_id": "t-1", "username": "dewi", "name": "Dewi\x1b[2J\u202e", "role": "petugas",
            "pin_hash": "$argon2id$v=19$m=65536,t=3,p=4$x$y", "active": True, "failed_attempts": 0})
    row = store.row("SELECT name, pin_rule FROM users WHERE id = 'u-1'")
    assert row == {"name": "Dewi[2J", "pin_rule": None}

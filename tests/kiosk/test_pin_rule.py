"""Issue 12, point 3: new and reset PINs have six digits or more and none of the guessable
ones; PINs set before keep working, and `user list` marks the accounts below the rule."""

from __future__ import annotations

import json

import pytest

from kiosk import accounts, codes, reference
from kiosk.errors import Invalid
from screens.main import main

ADMIN_PIN = "975318"


@pytest.mark.parametrize(("pin", "reason"), [
    ("1234", "pin.short"), ("12345", "pin.short"), ("12 3456", "pin.short"), ("१२३४५६७", "pin.short"),
    ("１２３４５６", "pin.short"), ("abcdef", "pin.short"),
    ("000000", "pin.repeated"), ("777777", "pin.repeated"), ("121212", "pin.repeated"), ("123123", "pin.repeated"),
    ("123456", "pin.run"), ("987654", "pin.run"), ("890123", "pin.run"), ("3456789", "pin.run"),
    ("198705", "pin.year"), ("200112", "pin.year"), ("121985", "pin.year"), ("072026", "pin.year"),
])
def test_guessable_pins_are_refused(pin, reason):
    assert codes.weakness(pin) == reason


def test_the_usernames_digits_are_refused():
    assert codes.weakness("710352", avoid=("budi710",)) == "pin.known"
    assert codes.weakness("710352", avoid=("budi",)) is None
    assert accounts.pin_problem("803517", "andi803").key == "pin.known"


def test_made_codes_meet_the_rule():
    made = {codes.make(avoid=("1373",)) for _ in range(200)}
    assert all(codes.weakness(c, avoid=("1373",)) is None and len(c) == 6 for c in made)
    assert len(made) > 150  # random, not a list


def test_new_and_reset_pins_follow_the_rule(store):
    with pytest.raises(Invalid) as err:
        accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="1234")
    assert err.value.errors["pin"].key == "pin.short"
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin=ADMIN_PIN)
    for weak, why in (("111111", "pin.repeated"), ("654321", "pin.run"), ("199001", "pin.year")):
        with pytest.raises(Invalid) as err:
            accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin=weak)
        assert err.value.errors["pin"].key == why
    accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    with pytest.raises(Invalid) as err:
        accounts.reset_pin(store, admin, "budi", "2468")
    assert "6 angka" in err.value.message("id") and "6 digits" in err.value.message("en")
    assert accounts.authenticate(store, "budi", "284751")  # unchanged by the refusal


def test_old_pins_keep_working_and_are_marked(store, env_cli, capsys):
    """An account made before the rule (a 4-digit PIN, pin_rule unknown) still logs in;
    `user list` marks it, and the mark goes once the PIN is reset to one meeting the rule."""
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin=ADMIN_PIN)
    accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    # As the store held it before migration 0016: a short PIN, hashed, its strength unknown.
    store.conn.execute("UPDATE users SET pin_hash = ?, pin_rule = NULL WHERE username = 'budi'",
                       (accounts._hasher().hash("1234"),))
    store.conn.commit()
    assert accounts.authenticate(store, "budi", "1234").username == "budi"
    code = main(["--user", "admin", "user", "list"])
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert code == 0 and "PIN lemah" in lines["budi"] and "PIN lemah" not in lines["admin"]
    assert "reset-pin" in out
    main(["--user", "admin", "user", "list", "--json"])
    listed = {u["username"]: u["pin_rule"] for u in json.loads(capsys.readouterr().out)}
    assert listed == {"admin": True, "budi": None}
    env_cli.setenv("PST_KIOSK_NEW_PIN", "1234")
    assert main(["--user", "admin", "user", "reset-pin", "budi"]) == 9
    assert "PIN harus 6 angka" in capsys.readouterr().err
    env_cli.setenv("PST_KIOSK_NEW_PIN", "503827")
    assert main(["--user", "admin", "user", "reset-pin", "budi"]) == 0
    capsys.readouterr()
    main(["--user", "admin", "user", "list"])
    assert "PIN lemah" not in capsys.readouterr().out


def test_officers_published_by_the_centre_are_not_known_to_meet_the_rule(store):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin=ADMIN_PIN)
    reference.apply(store, "officers", {"users": [
        {"username": "dewi", "name": "Dewi\u202e\x1b[2J", "role": "petugas", "pin_hash": accounts.hash_pin("503827")},
        {"username": "admin", "name": "Admin", "role": "admin", "pin_hash": accounts.hash_pin("620417")}]})
    users = {u.username: u for u in accounts.list_users(store, admin)}
    assert users["dewi"].pin_rule is None and users["admin"].pin_rule is None
    assert users["dewi"].name == "Dewi[2J"  # published text is cleaned before it is stored


def test_central_hash_pin_applies_the_rule(env_cli, capsys):
    env_cli.setenv("PST_KIOSK_NEW_PIN", "123456")
    assert main(["central", "hash-pin"]) == 9
    assert "berurutan" in capsys.readouterr().err
    env_cli.setenv("PST_KIOSK_NEW_PIN", "503827")
    assert main(["central", "hash-pin"]) == 0
    assert capsys.readouterr().out.startswith("$argon2id$")


@pytest.fixture
def env_cli(settings, monkeypatch, tmp_path):
    """The command line on the same store and configuration as ``store``."""
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("PST_KIOSK_PIN", ADMIN_PIN)
    return monkeypatch

import pytest

from kiosk import accounts, audit, lockers, privacy
from kiosk.accounts import Forbidden
from kiosk.errors import Refused
from kiosk.identity import Invalid
from kiosk.queue import Queue
from tests.conftest import JAKARTA


@pytest.fixture
def admin(store):
    return accounts.add_user(store, None, username="admin", name="Admin PST", role="admin", pin="975318")


def test_open_desk_until_the_first_account(store, queue):
    assert not accounts.enforced(store)
    queue.take("B")
    queue.call_next(1)  # no login needed yet
    with pytest.raises(Forbidden):
        accounts.add_user(store, None, username="budi", name="Budi", role="petugas", pin="284751")


def test_the_app_hashes_pins_with_argon2s_recommended_parameters_and_upgrades_weaker_ones(store, admin, monkeypatch):
    """The tests hash cheaply (tests/conftest.py); the app does not, and a PIN stored with
    weaker parameters is hashed again at its next login."""
    import subprocess
    import sys

    from argon2 import PasswordHasher

    made = subprocess.run([sys.executable, "-c", "from kiosk import accounts; print(accounts._hasher().hash('1'))"],
                          capture_output=True, text=True, check=True).stdout
    assert made.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    monkeypatch.setattr(accounts, "_hasher", lambda: PasswordHasher())  # the real one, in this process
    assert accounts.authenticate(store, "admin", "975318").role == "admin"
    assert store.row("SELECT pin_hash FROM users WHERE username = 'admin'")["pin_hash"].startswith(
        "$argon2id$v=19$m=65536,t=3,p=4$")


def test_pins_are_argon2id_and_login_works(store, admin):
    row = store.row("SELECT pin_hash FROM users WHERE username = 'admin'")
    assert row["pin_hash"].startswith("$argon2id$") and "975318" not in row["pin_hash"]
    user = accounts.authenticate(store, "ADMIN", "975318")
    assert user.role == "admin"
    assert [e.action for e in audit.entries(store)][:1] == ["login"]


def test_five_wrong_pins_lock_for_five_minutes(store, admin, clock):
    for _ in range(4):
        with pytest.raises(Forbidden) as err:
            accounts.authenticate(store, "admin", "0000")
        assert err.value.key == "auth.wrong"
    with pytest.raises(Forbidden) as err:
        accounts.authenticate(store, "admin", "0000")
    assert err.value.key == "auth.locked" and "5 menit" in err.value.message("id")
    with pytest.raises(Forbidden) as err:  # even the right PIN, while locked
        accounts.authenticate(store, "admin", "975318")
    assert err.value.key == "auth.locked"
    clock.advance(minutes=5, seconds=1)
    assert accounts.authenticate(store, "admin", "975318").username == "admin"
    failed = [e for e in audit.entries(store) if e.action == "login.failed"]
    assert len(failed) == 5 and failed[0].detail["locked"] is True


def test_unknown_user_and_wrong_pin_look_the_same(store, admin):
    for name in ("nobody", "admin"):
        with pytest.raises(Forbidden) as err:
            accounts.authenticate(store, name, "1111")
        assert err.value.message("en") == "Wrong username or PIN"


def test_roles_are_checked_in_the_use_cases(store, settings, admin, clock):
    officer = accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    treasurer = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
    with pytest.raises(Forbidden) as err:
        accounts.add_user(store, officer, username="xyz", name="X", role="petugas", pin="284751")
    assert "petugas" in err.value.message("id") and "admin" in err.value.message("id")
    with pytest.raises(Forbidden):
        accounts.disable_user(store, treasurer, "budi")
    with pytest.raises(Forbidden):
        privacy.purge(store, officer, older_than_days=30)
    # Officer actions now need a login; visitors still take tickets.
    anonymous = Queue(store, tz=JAKARTA)
    ticket = anonymous.take("B")
    with pytest.raises(Forbidden) as err:
        anonymous.call_next(1)
    assert err.value.exit_code == 10
    with pytest.raises(Forbidden):
        lockers.assign(store, settings, None, id_type="ktp", id_number="3273014101900001",
                       holder_name="Siti")
    called = anonymous.as_user(officer).call_next(1)
    assert called.id == ticket.id
    entry = audit.entries(store, action="ticket.")[0]
    assert (entry.username, entry.action, entry.detail["number"]) == ("budi", "ticket.call", "B-001")


def test_disable_and_reset_pin(store, admin):
    accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    accounts.disable_user(store, admin, "budi")
    with pytest.raises(Forbidden):
        accounts.authenticate(store, "budi", "284751")
    accounts.reset_pin(store, admin, "budi", "580417")  # a new PIN does not open the account
    assert not accounts.find(store, "budi").active
    with pytest.raises(Forbidden):
        accounts.authenticate(store, "budi", "580417")
    assert accounts.enable_user(store, admin, "budi").active
    assert accounts.authenticate(store, "budi", "580417").active
    with pytest.raises(Invalid):
        accounts.reset_pin(store, admin, "budi", "1")
    with pytest.raises(Refused) as err:
        accounts.disable_user(store, admin, "admin")
    assert "sendiri" in str(err.value)
    actions = [e.action for e in audit.entries(store, username="admin")]
    assert {"user.disable", "user.reset_pin", "user.enable", "user.add"} <= set(actions)


def test_a_pin_reset_lifts_a_lockout(store, admin):
    accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    for _ in range(accounts.MAX_ATTEMPTS):
        with pytest.raises(Forbidden):
            accounts.authenticate(store, "budi", "0000")
    with pytest.raises(Forbidden) as err:
        accounts.authenticate(store, "budi", "284751")
    assert err.value.key == "auth.locked"
    user = accounts.reset_pin(store, admin, "budi", "580417")
    assert (user.active, user.failed_attempts, user.locked_until) == (True, 0, None)
    assert accounts.authenticate(store, "budi", "580417").username == "budi"


def test_bad_new_accounts(store, admin):
    with pytest.raises(Invalid) as err:
        accounts.add_user(store, admin, username="B U", name="x", role="boss", pin="1")
    assert set(err.value.errors) == {"username", "role", "pin"}
    with pytest.raises(Refused) as err:
        accounts.add_user(store, admin, username="admin", name="x", role="admin", pin="580317")
    assert "sudah ada" in str(err.value) and err.value.exit_code == 5


def test_a_disabled_or_demoted_officer_is_refused_at_the_next_action(store, settings, admin):
    officer = accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    budi = accounts.authenticate(store, "budi", "284751")  # logged in at a counter
    second_admin = accounts.add_user(store, admin, username="sari", name="Sari", role="admin", pin="730461")
    queue = Queue(store, tz=JAKARTA)
    queue.take("B")
    accounts.disable_user(store, admin, "budi")
    with pytest.raises(Forbidden) as err:
        queue.as_user(budi).call_next(1)  # the in-memory User still says active
    assert err.value.key == "auth.disabled"
    with pytest.raises(Forbidden):
        lockers.assign(store, settings, officer, id_type="ktp", id_number="3273014101900001",
                       holder_name="Siti")
    store.conn.execute("UPDATE users SET role = 'petugas' WHERE username = 'sari'")  # demoted centrally
    with pytest.raises(Forbidden) as err:
        accounts.add_user(store, second_admin, username="xyz", name="X", role="petugas", pin="284751")
    assert err.value.key == "auth.role"


def test_a_pin_typed_as_the_username_is_never_kept(store, admin):
    for typed in ("483920", "nobody"):
        with pytest.raises(Forbidden):
            accounts.authenticate(store, typed, "1111")
    with pytest.raises(Forbidden):
        accounts.authenticate(store, "admin", "1111")  # a real account: its name is kept
    failed = [e.detail["username"] for e in audit.entries(store, action="login.failed")]
    assert failed == ["admin", "?", "?"]
    trail = " ".join(r["payload"] for r in store.rows("SELECT payload_text(payload) AS payload FROM changes"))
    assert "483920" not in trail and "nobody" not in trail


def test_sessions_and_kiosk_exit_are_in_the_trail(store, admin):
    accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    budi = accounts.authenticate(store, "budi", "284751")
    accounts.lock(store, budi)
    accounts.authenticate(store, "budi", "284751", action="session.unlock")
    accounts.logout(store, budi)
    with pytest.raises(Forbidden):
        accounts.kiosk_exit(store, username="budi", secret="284751", exit_code="246810")
    assert accounts.kiosk_exit(store, username="admin", secret="975318", exit_code="246810").username == "admin"
    trail = [(e.username, e.action) for e in reversed(audit.entries(store)) if e.action != "user.add"]
    # A refusal at the kiosk is the kiosk's (no actor): it says nothing of, and does nothing
    # to, the account named; an exit is no login at a counter.
    assert trail[-6:] == [("budi", "login"), ("budi", "session.lock"), ("budi", "session.unlock"),
                          ("budi", "logout"), (None, "kiosk.exit_refused"), ("admin", "kiosk.exit")]


def test_kiosk_exit_with_the_code_before_accounts_exist(store):
    with pytest.raises(Forbidden):
        accounts.kiosk_exit(store, username=None, secret="000000", exit_code="246810")
    assert accounts.kiosk_exit(store, username=None, secret="246810", exit_code="246810") is None
    assert [e.action for e in audit.entries(store)] == ["kiosk.exit", "kiosk.exit_refused"]


def test_five_wrong_exit_codes_shut_the_exit_for_five_minutes(store, clock):
    def attempt(code):
        with pytest.raises(Forbidden) as err:
            accounts.kiosk_exit(store, username=None, secret=code, exit_code="246810")
        return err.value.message("id")

    assert [attempt("000000") for _ in range(4)] == ["Keluar dari kios ditolak."] * 4
    assert "5 menit" in attempt("111111")  # the fifth wrong one shuts it
    assert "5 menit" in attempt("246810")  # even the right code, while shut
    refused = len(audit.entries(store, action="kiosk.exit_refused"))
    clock.advance(minutes=2)
    assert "3 menit" in attempt("222222") and len(audit.entries(store, action="kiosk.exit_refused")) == refused
    clock.advance(minutes=3, seconds=1)
    assert "menit" not in attempt("333333")  # open again: a wrong code is just wrong
    assert accounts.kiosk_exit(store, username=None, secret="246810", exit_code="246810") is None

"""Issue 12: nobody leaves the kiosk, or learns about accounts, from its F10 dialog. The
kiosk driven with the Pilot as a stranger would: F10, codes and PINs typed, F10 again."""

from __future__ import annotations

from textual import events

from kiosk import accounts, audit, config
from kiosk.store import Store
from screens.kiosk_app import HomeScreen, KioskApp, StaffExitScreen
from tests.conftest import write_config
from tests.screens.helpers import shown

SIZE = (80, 24)
ADMIN_PIN, OFFICER_PIN = "975318", "284751"


async def _paste(pilot, selector: str, text: str) -> None:
    """Into a field as a terminal delivers a paste (bracketed paste: any characters)."""
    field = pilot.app.screen.query_one(selector)
    field.value = ""
    field.focus()
    await pilot.pause()
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def _try(pilot, secret: str, username: str | None = None) -> str:
    """F10 (when the dialog is not open), the name and the code/PIN, Enter: what it says
    ("" once the kiosk let go)."""
    app = pilot.app
    if not isinstance(app.screen, StaffExitScreen):
        await pilot.press("f10")
        await pilot.pause()
    if username is not None:
        await _paste(pilot, "#username", username)
    await _paste(pilot, "#code", secret)
    await pilot.press("enter")
    await pilot.pause()
    if not app.is_running or not isinstance(app.screen, StaffExitScreen):
        return ""
    return str(app.screen.query_one("#staff-error").render())


def _accounts(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin=ADMIN_PIN)
        accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin=OFFICER_PIN)
        accounts.add_user(store, admin, username="rina", name="Rina", role="admin", pin="864209")
        accounts.disable_user(store, admin, "rina")


async def test_f10_then_0000_on_an_install_never_initialised_does_not_exit(tmp_path, clock):
    """No `init`: the defaults (office 0000, no exit code). It used to take 0000 (the
    office code the exit code fell back to) and quit to the shell."""
    settings = config.load(tmp_path / "absent.toml", db=tmp_path / "pst.db")
    assert settings.kiosk.staff_exit_code == "" and settings.office.code == "0000"
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        for guess in ("0000", "", "000000", "123456"):
            said = await _try(pilot, guess)
            assert app.is_running and isinstance(app.screen, StaffExitScreen), guess
            assert said in ("Keluar dari kios ditolak.", ) or "menit" in said
    assert app.return_code is None


async def test_the_office_code_never_opens_the_exit(tmp_path, clock):
    """A configuration with the office code only (or the exit code set to it, or a trivial
    one): the office code, printed in every ticket's QR, does not let anyone out."""
    for kiosk in ({}, {"staff_exit_code": "1373"}, {"staff_exit_code": "000000"}):
        path = tmp_path / "config.toml"
        config.save_file(path, {"db": str(tmp_path / "pst.db"), "office": {"code": "1373"}, "kiosk": kiosk})
        app = KioskApp(config.load(path), clock=clock, spool=False)
        async with app.run_test(size=SIZE) as pilot:
            for guess in ("1373", kiosk.get("staff_exit_code", "")):
                await _try(pilot, guess)
                assert app.is_running, (kiosk, guess)
        with Store(tmp_path / "pst.db") as store:  # the five-try shut must not carry over
            store.conn.execute("DELETE FROM audit")


async def test_every_failure_reads_the_same_and_tells_nothing(settings, clock):
    """Unknown name, wrong PIN, an officer's right PIN (not an admin), a disabled admin's
    right PIN: one neutral refusal. It used to say "budi (petugas) tidak berwenang"."""
    _accounts(settings, clock)
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        said = [await _try(pilot, pin, name) for name, pin in (
            ("nobody", "975318"), ("admin", "000000"), ("budi", OFFICER_PIN), ("rina", "864209"))]
        assert said == ["Keluar dari kios ditolak."] * 4
        screen = shown(app)
        for leak in ("petugas", "tidak berwenang", "dinonaktifkan", "PIN salah", "dikunci"):
            assert leak not in screen, leak
        assert await _try(pilot, ADMIN_PIN, "admin") == "" and not app.is_running


async def test_wrong_pins_at_the_kiosk_never_lock_the_account(settings, clock, tmp_path):
    """Five wrong PINs for `admin` at the kiosk shut the kiosk's exit for five minutes, and
    leave the admin's account alone: the counter and the command line still take its PIN."""
    _accounts(settings, clock)
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(4):
            assert await _try(pilot, "111111", "admin") == "Keluar dari kios ditolak."
        said = await _try(pilot, "111111", "admin")
        assert "5 menit" in said
        said = await _try(pilot, ADMIN_PIN, "admin")  # the kiosk's exit is shut, even for the admin
        assert "menit" in said and app.is_running
    with Store(settings.db_path, clock=clock) as store:
        row = store.row("SELECT failed_attempts, locked_until FROM users WHERE username = 'admin'")
        assert row == {"failed_attempts": 0, "locked_until": None}
        assert accounts.authenticate(store, "admin", ADMIN_PIN).username == "admin"  # the counter's login
        assert {e.username for e in audit.entries(store, action="kiosk.exit_refused")} == {None}


async def test_f10_ten_times_opens_one_dialog(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(10):
            await pilot.press("f10")
        await pilot.pause()
        assert sum(isinstance(s, StaffExitScreen) for s in app.screen_stack) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen) and app.is_running


async def test_what_an_unknown_name_costs_is_what_a_known_one_costs(settings, clock, monkeypatch):
    """The same work for every failure: one argon2 verification each (an unknown name is
    checked against a dummy hash), so the time taken does not tell names apart."""
    from argon2 import PasswordHasher

    _accounts(settings, clock)
    verified = []

    class Counting(PasswordHasher):  # argon2-cffi's hasher, counting its verifications
        def verify(self, hash, password):  # noqa: A002
            verified.append(hash)
            return super().verify(hash, password)

    counting = Counting()
    monkeypatch.setattr(accounts, "_hasher", lambda: counting)
    monkeypatch.setattr(accounts, "_dummy", [])
    with Store(settings.db_path, clock=clock) as store:
        for name, pin in (("nobody", "975318"), ("admin", "000000"), ("budi", OFFICER_PIN), ("rina", "864209")):
            try:
                accounts.kiosk_exit(store, username=name, secret=pin, exit_code="246810")
            except accounts.Forbidden as exc:
                assert exc.key == "kiosk.staff_refused"
    assert len(verified) == 4 and all(h.startswith("$argon2id$") for h in verified)


def test_exit_code_rules():
    usable = accounts.exit_code_usable
    assert not any(usable(code, "1373") for code in ("", "0000", "1373", "137300", "123456", "000000", "12345"))
    assert usable("246810", "1373") and usable("580317", "1373")


async def test_the_dialog_fits_80x24_and_typed_escape_sequences_stay_text(settings, clock):
    """A stranger pastes an escape sequence in the dialog: it is a wrong name, refused like
    any, and the screen shows no raw control character."""
    _accounts(settings, clock)
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        said = await _try(pilot, "\x1b[2J975318", "\x1b[31madmin\u202e")
        assert app.screen.query_one("#username").value == "\ufffd[31madmin\ufffd"
        assert said == "Keluar dari kios ditolak." and app.is_running
        assert not any(ord(ch) < 32 or 0x7f <= ord(ch) < 0xa0 for ch in shown(app).replace("\n", ""))


def test_settings_fixture_is_a_usable_code(tmp_path):
    settings = write_config(tmp_path / "c.toml", tmp_path / "p.db")
    assert accounts.exit_code_usable(settings.kiosk.staff_exit_code, settings.office.code)

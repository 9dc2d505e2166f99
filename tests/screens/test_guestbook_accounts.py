"""Pilot tests of the guestbook's privacy, the counter's login, lockout and lockers."""

from kiosk import accounts, audit, lockers
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store
from screens.counter_app import CounterApp, CounterScreen
from screens.counter_dialogs import CounterPickScreen
from screens.guestbook import ConfirmScreen, GuestFormScreen
from screens.kiosk_app import KioskApp, StaffExitScreen, TicketScreen
from screens.lockers import AssignLockerScreen, LockerScreen, ReturnLockerScreen
from screens.login import LockScreen, LoginScreen
from tests.screens.helpers import GUEST, click, fill_form, login, printed, registered_guest, returning_guest

SIZE = (110, 45)


def screen_text(app) -> str:
    """Everything the current screen shows, as text."""
    parts = []
    for widget in app.screen.query("*"):
        try:
            parts.append(str(widget.render()))
        except Exception:  # noqa: BLE001 - containers render nothing useful
            pass
        for attr in ("value", "placeholder", "label"):
            if isinstance(getattr(widget, attr, None), str):
                parts.append(getattr(widget, attr))
    return "\n".join(parts)


async def test_first_time_guest_fixes_errors_then_gets_a_ticket(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#svc-penjualan")
        await click(pilot, "#new")
        await fill_form(pilot, {**GUEST, "email": "siti@", "segment": "swasta", "phone": "12"})
        await click(pilot, "#next")
        screen = app.screen
        assert isinstance(screen, GuestFormScreen)
        assert str(screen.query_one("#err-email").render()) == "Alamat email tidak valid"
        assert str(screen.query_one("#err-npwp").render()) == "NPWP wajib untuk segmen swasta"
        assert "telepon tidak valid" in str(screen.query_one("#err-phone").render())
        assert str(screen.query_one("#err-name").render()) == ""
        with Store(settings.db_path) as store:
            assert store.conn.execute("SELECT COUNT(*) FROM guests").fetchone()[0] == 0
        await fill_form(pilot, {"email": "siti@example.com", "npwp": "01.855.081.4-005.000",
                                "phone": "0812 3456 7890"})
        await click(pilot, "#next")
        assert "UU 27/2022" in str(app.screen.query_one("#notice").render())
        await click(pilot, "#agree")
        assert isinstance(app.screen, TicketScreen)
    with Store(settings.db_path) as store:
        guest = store.row("SELECT * FROM guests")
        assert (guest["segment"], guest["npwp"], guest["phone"]) == ("swasta", "0018550814005000", "+6281234567890")
        visit = store.row("SELECT * FROM visits")
        assert visit["purpose"] == "skripsi" and visit["consent_version"]


async def test_returning_guest_by_email_sees_nothing_private(settings, clock):
    returning_guest(settings, clock, "A", institution="Universitas Andalas")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#svc-konsultasi")
        app.screen.query_one("#lookup").value = "siti@example.com"
        await click(pilot, "#find")
        assert isinstance(app.screen, ConfirmScreen)
        shown = screen_text(app)
        assert "Halo, Siti!" in shown and "3273********0001" in shown
        for private in ("Aminah", "3273014101900001", "+6281234567890", "0812", "Andalas", "akademisi"):
            assert private not in shown
        app.screen.query_one("#purpose").value = "penelitian"
        await click(pilot, "#yes")
        await click(pilot, "#agree")
        assert app.screen.query_one("#number").value == "C-001"
    with Store(settings.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM guests").fetchone()[0] == 1
        assert [r["is_returning"] for r in store.rows("SELECT is_returning FROM visits ORDER BY created_at")] == [0, 1]


async def test_unknown_lookup_offers_the_form_prefilled_with_what_was_typed(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#svc-penjualan")
        app.screen.query_one("#lookup").value = "baru@example.com"
        await click(pilot, "#find")
        assert "tidak ditemukan" in str(app.screen.query_one("#lookup-note").render())
        await click(pilot, "#new")
        assert app.screen.query_one("#email").value == "baru@example.com"


async def test_kiosk_exit_needs_an_admin_once_accounts_exist(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(app.screen, StaffExitScreen)
        app.screen.query_one("#username").value = "budi"
        app.screen.query_one("#code").value = "284751"
        await click(pilot, "#exit")
        await pilot.pause()
        # Refused, saying nothing of the name, the PIN or the role (issue 12).
        assert app.is_running and str(app.screen.query_one("#staff-error").render()) == "Keluar dari kios ditolak."
        app.screen.query_one("#username").value = "admin"
        app.screen.query_one("#code").value = "246810"  # the old exit code no longer works
        await click(pilot, "#exit")
        await pilot.pause()
        assert app.is_running
        app.screen.query_one("#code").value = "975318"
        await click(pilot, "#exit")
        await pilot.pause()
    assert not app.is_running
    with Store(settings.db_path) as store:
        exits = [(e.username, e.action) for e in audit.entries(store, action="kiosk.")]
    assert exits == [("admin", "kiosk.exit"), (None, "kiosk.exit_refused"), (None, "kiosk.exit_refused")]


async def test_counter_login_lockout_and_idle_lock(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
        accounts.add_user(store, admin, username="rina", name="Rina", role="petugas", pin="567193")
    app = CounterApp(settings, counter=2, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):
            await login(pilot, "budi", "0000")
        error = str(app.screen.query_one("#login-error").render())
        assert "dikunci" in error and "5 menit" in error
        await login(pilot, "budi", "284751")
        assert isinstance(app.screen, LoginScreen)  # still locked
        await login(pilot, "rina", "567193")
        assert isinstance(app.screen, CounterScreen), str(app.screen.query_one("#login-error").render())
        assert app.user.username == "rina"
        # Idle: the screen locks; the PIN opens it again.
        app.last_activity -= settings.counter.lock_minutes * 60 + 1
        app._check_idle()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        app.screen.query_one("#pin").value = "567193"
        await pilot.click("#unlock")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
        await pilot.press("ctrl+l")  # log out
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen)
        await login(pilot, "483920", "567193")  # a PIN typed into the name field
    with Store(settings.db_path) as store:
        actions = [(e.username, e.action) for e in audit.entries(store)]
        failed = [e.detail["username"] for e in audit.entries(store, action="login.failed")]
    assert actions.count((None, "login.failed")) == 6 and actions.count(("rina", "login")) == 1
    assert actions[:4] == [(None, "login.failed"), ("rina", "logout"), ("rina", "session.unlock"),
                           ("rina", "session.lock")]
    assert failed[0] == "?" and "483920" not in failed


async def test_locker_capture_slip_and_return_at_the_counter(printer_settings, capture, clock):
    with Store(printer_settings.db_path, clock=clock) as store:
        register_visit(store, printer_settings, service="B", purpose="tugas", consent=True,
                       guest=validate_guest(GUEST))
        accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    app = CounterApp(printer_settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "admin", "975318")
        assert isinstance(app.screen, CounterPickScreen)
        await pilot.click("#counter-1")
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        info = str(app.screen.query_one("#current-info").render())
        assert "Siti Aminah" in info and "3273********0001" in info and "3273014101900001" not in info
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, LockerScreen)
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AssignLockerScreen)
        assert dialog.query_one("#holder_name").value == "Siti Aminah"
        assert "3273********0001" in dialog.query_one("#id_number").placeholder
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, LockerScreen)
        data = (await printed(pilot, capture, 1))[0]
        assert b"Siti Aminah" in data and b"3273********0001" in data and b"3273014101900001" not in data
        table = app.screen.query_one("#lockers")
        assert table.row_count == 1 and str(table.get_row_at(0)[0]) == "1"
        assert "3273014101900001" not in screen_text(app)
        table.focus()
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, ReturnLockerScreen)
        assert "3273014101900001" in str(app.screen.query_one("#full-id").render())  # only here
        await pilot.click("#confirm")
        await pilot.pause()
        assert app.screen.query_one("#lockers").row_count == 0
        await pilot.press("d")
        await pilot.pause()
        assert "belum dikembalikan" in str(app.screen.query_one("#locker-title").render())
    with Store(printer_settings.db_path) as store:
        row = store.row("SELECT returned_at, returned_by FROM lockers")
        assert row["returned_at"] and row["returned_by"]
        assert [e.action for e in audit.entries(store, action="locker.")] == [
            "locker.return", "locker.reveal", "locker.assign"]


async def test_locker_for_a_visitor_found_in_the_guestbook(settings, clock):
    registered_guest(settings, clock, "A")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, AssignLockerScreen)
        dialog.query_one("#guest-search").value = "aminah"
        await pilot.pause()
        results = dialog.query_one("#guest-results")
        assert results.option_count == 1
        assert "3273********0001" in str(results.get_option_at_index(0).prompt)
        results.focus()
        results.highlighted = 0
        await pilot.press("enter")
        await pilot.pause()
        assert dialog.query_one("#holder_name").value == "Siti Aminah"
        await pilot.click("#save")
        await pilot.pause()
        assert isinstance(app.screen, LockerScreen)
    with Store(settings.db_path) as store:
        row = store.row("SELECT holder_name, id_masked, guest_id FROM lockers")
    assert row["holder_name"] == "Siti Aminah" and row["id_masked"] == "3273********0001" and row["guest_id"]


async def test_the_idle_lock_hides_the_visitor_behind_it(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(GUEST))
        accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "admin", "975318")
        await pilot.press("n")
        await pilot.pause()
        assert "Aminah" in app.export_screenshot()
        app.lock()
        await pilot.pause()
        assert isinstance(app.screen, LockScreen)
        assert app.screen.styles.background.a == 1
        assert "Aminah" not in app.export_screenshot()


async def test_a_corrected_field_loses_its_error_before_next(settings, clock):
    """An error goes as soon as its field is right (or the field is no longer asked for);
    a field still wrong keeps its message; fields not yet checked stay quiet."""
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#svc-penjualan")
        await click(pilot, "#new")
        await fill_form(pilot, {**GUEST, "email": "siti@", "phone": "12", "segment": "swasta"})
        await click(pilot, "#next")
        screen = app.screen

        def error(field):
            return str(screen.query_one(f"#err-{field}").render())

        assert error("email") and error("phone") and error("npwp")
        await fill_form(pilot, {"email": "siti@example"})  # better, not right yet
        assert error("email") == "Alamat email tidak valid"
        await fill_form(pilot, {"email": "siti@example.com"})
        assert error("email") == "" and "telepon tidak valid" in error("phone")
        screen.query_one("#phone").focus()
        await pilot.press(*"3456789")  # typed on: 123456789 is still no number
        assert "telepon tidak valid" in error("phone")
        await fill_form(pilot, {"phone": "0812 3456 7890"})
        assert error("phone") == ""
        await fill_form(pilot, {"segment": "akademisi"})  # NPWP no longer asked for
        assert error("npwp") == ""
        await fill_form(pilot, {"name": ""})  # emptied after the check: quiet until Next
        assert error("name") == ""
        await fill_form(pilot, {"name": "Siti Aminah"})
        await click(pilot, "#next")
        assert type(app.screen).__name__ == "ConsentScreen"


async def test_the_npwp_message_says_what_to_check(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#svc-penjualan")
        await click(pilot, "#new")
        await fill_form(pilot, {**GUEST, "segment": "swasta", "npwp": "01.234.567.8-901.000"})
        await click(pilot, "#next")
        error = app.screen.query_one("#err-npwp")
        assert "angka kontrolnya tidak cocok, periksa kembali" in str(error.render())
        await fill_form(pilot, {"npwp": "01.855.081.4-005.00"})  # one digit short
        assert "harus 16 angka (atau 15 angka lama; NITKU cabang 22 angka), terisi 14" in str(error.render())
        await fill_form(pilot, {"npwp": "01.855.081.4-005.000"})
        assert str(error.render()) == ""
        # The legacy number is stored as the 16 digits since 2024, and the form says so.
        assert ("NPWP 15 angka 01.855.081.4-005.000 disimpan sebagai NPWP 16 angka 0018550814005000"
                in str(app.screen.query_one("#note-npwp").render()))


def _notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_lockers_close_when_accounts_appear_on_an_open_desk(settings, clock):
    """Repro A: an open desk; an admin is added from another shell; the lockers close, not a
    crash, and the login shows at once (issue 17: not only after Ctrl+L)."""
    registered_guest(settings, clock, "A")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, LockerScreen)
        with Store(settings.db_path, clock=clock) as other:
            accounts.add_user(other, None, username="admin", name="Admin", role="admin", pin="975318")
        for _ in range(200):  # the store poll (0.25 s) sees the new account
            if isinstance(app.screen, LoginScreen):
                break
            await pilot.pause(0.05)
        assert isinstance(app.screen, LoginScreen) and app.is_running
        assert not any(isinstance(s, LockerScreen) for s in app.screen_stack)
        assert any("masuk" in n for n in _notes(app))


async def test_lockers_close_when_the_officer_is_disabled(settings, clock):
    """Repro B: the store poll refreshes the locker screen after an admin disabled the officer;
    R, D and the search field are refused the same way."""
    with Store(settings.db_path, clock=clock) as store:
        register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(GUEST))
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
        lockers.assign(store, settings, admin, id_type="sim", id_number="123456789012",
                       holder_name="Joko Susilo")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await login(pilot, "budi", "284751")
        assert isinstance(app.screen, CounterScreen)

        async def to_lockers() -> LockerScreen:
            await pilot.press("k")
            await pilot.pause()
            assert isinstance(app.screen, LockerScreen)
            return app.screen

        with Store(settings.db_path, clock=clock) as other:
            admin_user = accounts.find(other, "admin")
            screen = await to_lockers()
            assert screen.query_one("#lockers").row_count == 1
            accounts.disable_user(other, admin_user, "budi")
            for key in ("r", "d"):  # before the poll notices: the key itself is refused
                app._notifications.clear()
                await pilot.press(key)
                await pilot.pause()
                assert isinstance(app.screen, CounterScreen) and app.is_running, key
                assert any("Budi" in n or "budi" in n for n in _notes(app)), (key, _notes(app))
                accounts.enable_user(other, admin_user, "budi")  # active again
                await pilot.pause(0.6)
                screen = await to_lockers()
                accounts.disable_user(other, admin_user, "budi")
            screen.query_one("#search").value = "Joko"
            await pilot.pause()
            assert isinstance(app.screen, CounterScreen) and app.is_running
            accounts.enable_user(other, admin_user, "budi")
            await pilot.pause(0.6)
            await to_lockers()
            accounts.disable_user(other, admin_user, "budi")
            app._notifications.clear()
            await pilot.pause(0.6)  # the 0.25 s poll
            assert isinstance(app.screen, CounterScreen) and app.is_running
            assert any("dinonaktifkan" in n for n in _notes(app))
    with Store(settings.db_path) as store:
        assert not audit.entries(store, action="locker.reveal")


async def test_a_missing_id_number_is_named_at_the_first_next(settings, clock):
    """Neither the ID type nor the number filled: both say so at the first Lanjut."""
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#svc-penjualan")
        await click(pilot, "#new")
        await fill_form(pilot, {k: v for k, v in GUEST.items() if k not in ("id_type", "id_number")})
        await click(pilot, "#next")
        screen = app.screen
        assert isinstance(screen, GuestFormScreen)
        assert str(screen.query_one("#err-id_number").render()) == "Wajib diisi"
        assert str(screen.query_one("#err-id_type").render()) == "Silakan pilih salah satu"
        assert str(screen.query_one("#err-name").render()) == ""
        assert app.focused.id == "id_type"  # the first field in error
        await fill_form(pilot, {"id_type": "ktp"})  # the number is still missing
        assert str(screen.query_one("#err-id_type").render()) == ""
        assert str(screen.query_one("#err-id_number").render()) == "Wajib diisi"
        await fill_form(pilot, {"id_number": GUEST["id_number"]})
        assert str(screen.query_one("#err-id_number").render()) == ""
    with Store(settings.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM guests").fetchone()[0] == 0


async def test_an_email_two_guests_gave_greets_nobody_at_the_kiosk(settings, clock):
    """Andi registered with Siti's email: typing it shows neither name nor ID, only (in the
    visitor's language) to type the ID number, which then finds the right person."""
    registered_guest(settings, clock, "A")
    registered_guest(settings, clock, "A", name="Andi Wijaya", id_number="3273010101900002")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        await click(pilot, "#lang")
        await click(pilot, "#svc-konsultasi")
        app.screen.query_one("#lookup").value = "SITI@example.com"
        await click(pilot, "#find")
        assert type(app.screen).__name__ == "IdentifyScreen"
        note = str(app.screen.query_one("#lookup-note").render())
        assert "more than one visitor" in note and "Type your ID number" in note
        shown = screen_text(app)
        for private in ("Siti", "Andi", "Hello", "********"):
            assert private not in shown, private
        await pilot.press("escape", "l")  # the same in Indonesian
        await pilot.pause()
        await click(pilot, "#svc-konsultasi")
        app.screen.query_one("#lookup").value = "siti@example.com"
        await pilot.press("enter")
        await pilot.pause()
        assert "Ketik nomor identitas Anda" in str(app.screen.query_one("#lookup-note").render())
        assert "Halo" not in screen_text(app)
        app.screen.query_one("#lookup").value = "3273 0101 0190 0002"
        await click(pilot, "#find")
        assert isinstance(app.screen, ConfirmScreen)
        assert "Halo, Andi!" in screen_text(app) and "3273********0002" in screen_text(app)
    with Store(settings.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM visits").fetchone()[0] == 2


async def test_returning_a_restored_locker_shows_the_name_and_masked_number(settings, clock):
    """A locker restored from the centre has no full number: the return dialog shows the holder
    and the masked number with a sentence saying so, never the ``RESTORED:`` placeholder."""
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
        done = lockers.assign(store, settings, admin, id_type="ktp", id_number="3273014101900001",
                              holder_name="Siti Aminah", locker_no=4)
        with store.write():  # as restore.py writes it
            store.conn.execute("UPDATE lockers SET id_number = 'RESTORED:' || id")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "budi", "284751")
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, LockerScreen)
        await pilot.press("r")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ReturnLockerScreen)
        text = screen_text(app)
        assert "RESTORED" not in text and done.locker.id not in text
        assert str(dialog.query_one("#holder").render()) == "Siti Aminah"
        assert str(dialog.query_one("#full-id").render()) == "KTP (NIK): 3273********0001"
        note = str(dialog.query_one("#check-card").render())
        assert "tidak disimpan" in note and "nama dan nomor tersamar" in note and "Cocokkan nomor di atas" not in note
        await pilot.click("#confirm")
        await pilot.pause()
        assert isinstance(app.screen, LockerScreen) and app.screen.query_one("#lockers").row_count == 0

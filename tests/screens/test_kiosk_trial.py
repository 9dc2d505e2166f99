"""What a fresh-eyes trial of the visitor kiosk found, driven by keys as a visitor would."""

from textual.widgets import Select, Static

from kiosk.store import Store
from kiosk.tickets import queue_for
from screens.guestbook import ConfirmScreen
from screens.kiosk_app import AskScreen, KioskApp, TicketScreen
from tests.screens.helpers import GUEST, click, registered_guest, returning_guest, shown


async def new_visitor_form(app, pilot):
    """A (library) visit's new-visitor form, opened as a visitor does: A, then Pengunjung baru."""
    from screens.guestbook import GuestFormScreen

    await pilot.press("a")
    await pilot.pause()
    await click(pilot, "#new")
    assert isinstance(app.screen, GuestFormScreen)
    return app.screen


async def test_a_returning_visitor_already_called_is_told_the_counter_not_a_wait(settings, clock):
    """A visitor who missed the call comes back to the kiosk: the number shown again says
    which counter called it, not "0 ahead of you" and a wait."""
    first = registered_guest(settings, clock, service="B")
    with Store(settings.db_path, clock=clock) as store:
        queue_for(store, settings).call(2, first.number)
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#svc-konsultasi")
        app.screen.query_one("#lookup").value = GUEST["id_number"]
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        app.screen.query_one("#purpose", Select).value = "tugas"
        await click(pilot, "#yes")
        assert isinstance(app.screen, AskScreen)
        await click(pilot, "#ask-yes")
        assert isinstance(app.screen, TicketScreen)
        text = " ".join(shown(app).split())
        assert "Dipanggil ke loket 2" in text
        assert "di depan Anda" not in text and "waktu tunggu" not in text.lower()
    with Store(settings.db_path) as store:
        assert store.row("SELECT COUNT(*) AS n FROM tickets")["n"] == 1


async def test_a_waiting_ticket_shown_again_still_says_how_many_are_ahead(settings, clock):
    registered_guest(settings, clock, service="B")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#svc-konsultasi")
        app.screen.query_one("#lookup").value = GUEST["id_number"]
        await pilot.press("enter")
        await pilot.pause()
        app.screen.query_one("#purpose", Select).value = "tugas"
        await click(pilot, "#yes")
        await click(pilot, "#ask-yes")
        assert isinstance(app.screen, TicketScreen)
        assert "0 orang di depan Anda" in shown(app)
        assert "Dipanggil" not in shown(app)


async def test_is_this_you_drops_choose_one_once_a_purpose_is_chosen(settings, clock):
    """Yes without a purpose says "choose one" beside it; choosing one takes it away at
    once, as on the form (it stayed, beside the chosen purpose)."""
    returning_guest(settings, clock)
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one("#lookup").value = GUEST["email"]
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConfirmScreen)
        await click(pilot, "#yes")
        error = screen.query_one("#err-purpose", Static)
        assert "pilih" in str(error.render()).lower()
        select = screen.query_one("#purpose", Select)
        select.focus()
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert select.value not in (Select.NULL, None)
        assert str(error.render()).strip() == ""
    with Store(settings.db_path) as store:  # nothing issued by choosing
        assert store.row("SELECT COUNT(*) AS n FROM tickets")["n"] == 1


async def test_the_suggestion_box_opens_at_its_title_at_80x24(settings, clock):
    """K opens the box with its title and what it is for in view, the text box focused
    (it opened scrolled down: the title and half the intro were off the top)."""
    from textual.widgets import TextArea

    from screens.suggestion_box import SuggestionScreen

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("k")
        await pilot.pause()
        assert isinstance(app.screen, SuggestionScreen)
        await pilot.pause()
        text = " ".join(shown(app).split())
        assert "Kotak saran dan pengaduan" in text
        assert "Tulis pengaduan atau saran Anda" in text
        assert isinstance(app.screen.focused, TextArea)
        await pilot.press(*"Antrian lama")
        assert app.screen.query_one("#text", TextArea).text == "Antrian lama"


async def test_a_returning_visitor_with_titles_is_greeted_by_name_not_by_title(settings, clock):
    """"Dr. H. Ahmad Fauzi, M.Si." was greeted "Halo, Dr.!"; a Haji "Halo, H.!"."""
    returning_guest(settings, clock, name="Dr. H. Ahmad Fauzi, M.Si.")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*GUEST["id_number"], "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Halo, Ahmad!" in shown(app)
        assert "Fauzi" not in shown(app) and "Dr." not in shown(app)


def test_first_name_skips_titles_and_initials():
    from kiosk.identity import first_name

    assert first_name("Siti Aminah") == "Siti"
    assert first_name("H Ahmad") == "Ahmad"
    assert first_name("Hj. Siti Rahmah") == "Siti"
    assert first_name("Prof. Dr. Ir. Budi Santoso") == "Budi"
    assert first_name("M. Rizki") == "Rizki"
    assert first_name("Ahmad, S.E.") == "Ahmad"
    assert first_name("Dr.") == "Dr."  # nothing but a title: as written


async def test_a_mistyped_email_domain_is_questioned_beside_the_field_not_refused(settings, clock):
    """"siti@gmial.con" passed without a word: the visitor would not be found by email
    next time. The form now asks "did you mean siti@gmail.com?" and still accepts it."""
    from screens.guestbook import ConsentScreen

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_visitor_form(app, pilot)
        screen.query_one("#email").focus()
        await pilot.press(*"siti@gmial.con")
        await pilot.pause()
        note = screen.query_one("#note-email", Static)
        assert "siti@gmail.com" in str(note.render())
        assert str(screen.query_one("#err-email", Static).render()).strip() == ""
        await pilot.press(*["backspace"] * 3, *"com")
        await pilot.pause()
        assert "siti@gmail.com" in str(note.render())  # gmial.com still
        screen.query_one("#email").value = "siti@gmail.com"
        await pilot.pause()
        assert str(note.render()).strip() == ""
        for field, value in {**GUEST, "email": "siti@gmial.con"}.items():
            screen.query_one(f"#{field}").value = value
        await pilot.pause()
        await click(pilot, "#next")
        assert isinstance(app.screen, ConsentScreen)  # questioned, never refused
        await click(pilot, "#agree")
    with Store(settings.db_path) as store:
        assert store.row("SELECT email FROM guests")["email"] == "siti@gmial.con"


def test_email_suggestion_leaves_real_domains_alone():
    from kiosk.identity import email_suggestion

    assert email_suggestion("budi@yahoo.co.di") == "budi@yahoo.co.id"
    assert email_suggestion("budi@hotmial.com") == "budi@hotmail.com"
    assert email_suggestion("budi@kantor.con") == "budi@kantor.com"
    for right in ("budi@gmail.com", "budi@ui.ac.id", "budi@email.com", "budi@toko.co", "bukan email"):
        assert email_suggestion(right) is None, right


async def test_a_suggestion_with_a_contact_nobody_can_answer_says_why_and_keeps_nothing(settings, clock):
    """"0812 abc" was taken as a contact and the visitor promised a reply by a date."""
    from textual.widgets import TextArea

    from screens.suggestion_box import SuggestionScreen, SuggestionThanksScreen

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("k")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SuggestionScreen)
        screen.query_one("#text", TextArea).text = "Tolong sediakan data per desa"
        contact = screen.query_one("#contact")
        contact.focus()
        await pilot.press(*"0812 abc", "enter")
        await pilot.pause()
        assert app.screen is screen
        assert "tidak dapat dipakai untuk membalas" in str(screen.query_one("#err-contact", Static).render())
        with Store(settings.db_path) as store:
            assert store.row("SELECT COUNT(*) AS n FROM complaints")["n"] == 0
        contact.value = "0812-3456-7890"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, SuggestionThanksScreen)
    with Store(settings.db_path) as store:
        assert store.row("SELECT contact FROM complaints")["contact"] == "0812-3456-7890"


async def test_an_anonymous_suggestion_and_one_with_an_email_still_go(settings, clock):
    from textual.widgets import TextArea

    from screens.suggestion_box import SuggestionThanksScreen

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        for contact in ("", "budi@example.com"):
            await pilot.press("k")
            await pilot.pause()
            app.screen.query_one("#text", TextArea).text = "AC mati"
            app.screen.query_one("#contact").value = contact
            await click(pilot, "#send")
            assert isinstance(app.screen, SuggestionThanksScreen)
            await click(pilot, "#done")
    with Store(settings.db_path) as store:
        assert [r["contact"] for r in store.rows("SELECT contact FROM complaints ORDER BY seq")] == [
            None, "budi@example.com"]


async def test_done_brings_back_the_office_language_for_the_next_visitor(settings, clock):
    """An English speaker takes a number and presses Done: the next visitor met English
    until the idle time (60 s) passed."""
    from screens.kiosk_app import HomeScreen
    from tests.screens.helpers import new_visitor_ticket

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("l")
        await pilot.pause()
        assert app.lang == "en"
        screen = await new_visitor_ticket(pilot)
        assert "Your queue number" in shown(app)
        await click(pilot, "#done")
        assert isinstance(app.screen, HomeScreen) and app.screen is not screen
        assert app.lang == "id"
        assert "Selamat datang" in shown(app)


async def test_a_long_office_name_on_the_board_keeps_clear_of_the_clock(tmp_path, clock):
    """At 80x24 a 61-character name ran into the clock's digits ("Sumatera Barat┌─┘")."""
    from screens.display_app import DisplayApp
    from tests.conftest import write_config

    name = "PST BPS Kabupaten Kepulauan Mentawai, Provinsi Sumatera Barat"
    settings = write_config(tmp_path / "c.toml", tmp_path / "pst.db", name=name)
    app = DisplayApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        top = shown(app).splitlines()[:3]
        text = " ".join(" ".join(top).split())
        assert "Sumatera" in text and "Barat" in text  # the whole name, wrapped
        for line in top:
            glyph = next(i for i, ch in enumerate(line) if ch in "╭╮╰╯│─┌┐└┘╶╴╵╷┤├")
            assert line[glyph - 1] == " ", line  # a gap before the clock's first digit


async def test_at_midnight_the_emptied_panel_loses_the_newest_call_colour(settings, clock):
    """After midnight every panel shows ---, but the one that called last yesterday kept
    its accent border, as if it had just called."""
    from datetime import datetime

    from kiosk.tickets import issue_ticket
    from screens.display_app import DisplayApp
    from tests.conftest import JAKARTA

    clock.set(datetime(2026, 11, 23, 23, 58, tzinfo=JAKARTA))
    with Store(settings.db_path, clock=clock) as store:
        issue_ticket(store, settings, "B")
        queue_for(store, settings).call_next(2)
    app = DisplayApp(settings, clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.query_one("#counter-2")
        assert panel.has_class("-latest")
        clock.advance(minutes=7)
        for _ in range(200):
            await pilot.pause(0.05)
            if panel.query_one("Digits").value == "---":
                break
        assert panel.query_one("Digits").value == "---"
        assert not panel.has_class("-latest")


async def test_a_known_id_number_with_another_name_and_email_rewrites_nobody(settings, clock):
    """A stranger who knows Siti's NIK typed it on a new entry as "Penipu Orang" with their
    own email: Siti's record became theirs. Now the ID field says the number is registered
    under another name and email (without saying whose), nothing is stored, no ticket."""
    returning_guest(settings, clock)
    with Store(settings.db_path) as store:
        before = store.rows("SELECT * FROM guests")
        counts = [store.row(f"SELECT COUNT(*) AS n FROM {t}")["n"] for t in ("visits", "tickets", "changes")]
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await new_visitor_form(app, pilot)
        for field, value in {**GUEST, "name": "Penipu Orang", "email": "penipu@example.com"}.items():
            screen.query_one(f"#{field}").value = value
        await pilot.pause()
        await click(pilot, "#next")
        assert app.screen is screen
        said = str(screen.query_one("#err-id_number", Static).render())
        assert "sudah terdaftar dengan nama dan email lain" in said and "Siti" not in shown(app)
        assert app.focused is screen.query_one("#id_number")
    with Store(settings.db_path) as store:
        assert store.rows("SELECT * FROM guests") == before
        assert [store.row(f"SELECT COUNT(*) AS n FROM {t}")["n"] for t in ("visits", "tickets", "changes")] == counts


async def test_back_from_a_form_given_up_the_lookup_has_the_focus(settings, clock):
    """After "Ya, batalkan" on a started form the focus sat on "Pengunjung baru", so the digits
    a visitor typed next went nowhere (a trial): they land in the lookup field now."""
    from screens.guestbook import IdentifyScreen

    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await new_visitor_form(app, pilot)
        await pilot.press(*"Siti")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        await click(pilot, "#ask-yes")
        assert isinstance(app.screen, IdentifyScreen)
        await pilot.press(*"3273")
        await pilot.pause()
        assert app.screen.query_one("#lookup").value == "3273"

"""What a first-day user meets at the counter and the kiosk (issue 17, flow points 1-7)."""

import asyncio

from textual.widgets import Select

from kiosk import accounts, sales
from kiosk.store import Store
from kiosk.tickets import issue_ticket, queue_for
from screens.counter_app import CounterApp, CounterScreen
from screens.counter_dialogs import CallNumberScreen, YesNoScreen
from screens.guestbook import ConfirmScreen, GuestFormScreen, IdentifyScreen
from screens.kiosk_app import AskScreen, HomeScreen, KioskApp, TicketScreen
from screens.login import LoginScreen
from screens.order import OrderScreen
from screens.rating import RatingStartScreen
from tests.screens.helpers import GUEST, click, fill_form, keys, login, registered_guest, shown


async def until(pilot, condition, timeout: float = 20.0) -> None:
    """Wait (generously: the machine may be loaded) until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await pilot.pause(0.05)


def notes(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def serving(settings, clock, counter: int = 1, service: str = "B"):
    with Store(settings.db_path, clock=clock) as store:
        ticket = issue_ticket(store, settings, service).ticket
        queue = queue_for(store, settings)
        queue.call(counter, ticket.number)
        return queue.start(ticket.id)


# -- 1. the first account brings the login at once ------------------------------------------


async def test_the_first_account_brings_the_login_at_once(settings, clock):
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
        assert "Keluar akun" not in shown(app)  # an open desk has no account to leave
        with Store(settings.db_path, clock=clock) as store:  # `pst-kiosk user add` elsewhere
            accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert any("masuk" in n for n in notes(app))
        await pilot.pause()
        await login(pilot, "admin", "975318")
        await until(pilot, lambda: isinstance(app.screen, CounterScreen))
        assert app.user is not None
        assert "Keluar akun" in shown(app)


async def test_the_login_over_an_open_desk_stays_while_the_office_works(settings, clock):
    """The open desk's counter screen stays under the login: a ticket taken at the kiosk, or
    the failed login's own write, must not show the login again (what was typed, the
    refusal, would be wiped each time)."""
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        with Store(settings.db_path, clock=clock) as store:
            accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        await until(pilot, lambda: isinstance(app.screen, LoginScreen))
        login_screen = app.screen
        await pilot.press(*"adm")
        for _ in range(3):  # the kiosk issues tickets meanwhile
            with Store(settings.db_path, clock=clock) as store:
                issue_ticket(store, settings, "B")
            await pilot.pause(0.3)
        assert app.screen is login_screen and app.screen.query_one("#username").value == "adm"
        await pilot.press(*"in", "enter", *"111111", "enter")  # a wrong PIN: written to the store
        await until(pilot, lambda: "salah" in shown(app))
        await pilot.pause(1.5)  # two polls of the store later, the refusal is still there
        assert app.screen is login_screen and "salah" in shown(app)
        await login(pilot, "admin", "975318")
        await until(pilot, lambda: isinstance(app.screen, CounterScreen))
        assert app.user is not None


async def test_a_counter_number_the_office_does_not_have_is_said(settings, clock):
    from screens.counter_dialogs import CounterPickScreen

    app = CounterApp(settings, counter=9, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, CounterPickScreen))
        assert any("Loket 9 tidak ada" in n and f"{settings.office.counters} loket" in n for n in notes(app))


# -- 2. a payment on an open desk says how it gets verified ----------------------------------


async def test_a_payment_on_an_open_desk_says_how_the_treasurer_verifies_it(settings, clock):
    from kiosk.sales import payments

    with Store(settings.db_path, clock=clock) as store:
        order = sales.create_order(store, settings, None, customer_name="Andi", segment="perorangan")
        sales.add_line(store, None, order.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, None, order.id)
        sales.check_documents(store, None, order.id)
        sales.issue_invoice(store, settings, None, order.id)
        payments.submit_payment(store, None, order.id, method="cash", amount=50_000)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, OrderScreen)
        words = " ".join(shown(app).split())
        assert "pst-kiosk user add admin --role admin" in words
        assert "--role bendahara" in words and "menekan V" in words


# -- 3. F on a visit whose order is not handed over asks first ------------------------------


async def test_finish_asks_first_when_the_visits_order_is_not_handed_over(settings, clock):
    ticket = serving(settings, clock)
    with Store(settings.db_path, clock=clock) as store:
        order = sales.create_order(store, settings, None, customer_name="Andi", segment="perorangan",
                                   ticket_id=ticket.id)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, YesNoScreen)
        question = str(app.screen.query_one("#question").render())
        assert order.number in question and "permintaan" in question and ticket.number in question
        await pilot.press("n")
        await pilot.pause()
        assert app.queue.get(ticket.id).status == "serving"
        await pilot.press("f")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert app.queue.get(ticket.id).status == "done"


async def test_finish_asks_first_while_the_visitors_card_is_in_a_locker(settings, clock):
    """F on a visit whose ID card is still in a locker (given for the visit, or to its
    guest; through a transfer too) asks, naming the locker; once the card is back it does not."""
    from kiosk import lockers
    from kiosk.guestbook import register_visit, validate_guest

    with Store(settings.db_path, clock=clock) as store:
        visit = register_visit(store, settings, service="B", purpose="tugas", consent=True,
                               guest=validate_guest(GUEST))
        queue = queue_for(store, settings)
        queue.call(1, visit.issued.ticket.number)
        first = queue.start(visit.issued.ticket.id)
        ticket = queue.transfer(first.id, "C")  # the visit goes on at consultation
        queue.call(1, ticket.number)
        queue.start(ticket.id)
        held = lockers.assign(store, settings, None, id_type="ktp", id_number=None, holder_name=None,
                              guest_id=visit.guest_id, visit_id=visit.visit_id)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, YesNoScreen)
        question = str(app.screen.query_one("#question").render())
        assert f"masih di loker {held.locker.locker_no}" in question and ticket.number in question
        assert "Selesaikan kunjungan ini juga?" in question
        await pilot.press("n")
        await pilot.pause()
        assert app.queue.get(ticket.id).status == "serving"
        with Store(settings.db_path, clock=clock) as store:
            lockers.return_card(store, None, held.locker.id)
        await pilot.press("f")
        await pilot.pause()
        assert not isinstance(app.screen, YesNoScreen)
        assert app.queue.get(ticket.id).status == "done"


async def test_finish_without_an_open_order_asks_nothing(settings, clock):
    ticket = serving(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        assert not isinstance(app.screen, YesNoScreen)
        assert app.queue.get(ticket.id).status == "done"


# -- 4. the same person does not take a second number while the first waits -----------------


async def test_a_returning_guest_who_still_waits_is_shown_their_number(settings, clock):
    first = registered_guest(settings, clock, service="B")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#svc-konsultasi")
        app.screen.query_one("#lookup").value = GUEST["id_number"]
        await click(pilot, "#find")
        assert isinstance(app.screen, ConfirmScreen)
        app.screen.query_one("#purpose", Select).value = "tugas"
        await click(pilot, "#yes")
        assert isinstance(app.screen, AskScreen)
        question = str(app.screen.query_one("#ask-question").render())
        assert first.number in question and "menunggu" in question.lower()
        await click(pilot, "#ask-yes")
        assert isinstance(app.screen, TicketScreen) and app.screen.again
        assert app.screen.issued.ticket.number == first.number
        assert "tidak dicetak lagi" in shown(app)
    with Store(settings.db_path) as store:
        assert store.row("SELECT COUNT(*) AS n FROM tickets")["n"] == 1
        assert store.row("SELECT COUNT(*) AS n FROM print_jobs")["n"] == 1


async def test_the_new_visitor_form_with_a_waiting_id_number_says_so_too(settings, clock):
    first = registered_guest(settings, clock, service="B")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await click(pilot, "#svc-konsultasi")
        await click(pilot, "#new")
        await fill_form(pilot, {**GUEST, "name": "Siti A."})
        await click(pilot, "#next")
        assert isinstance(app.screen, AskScreen)
        assert first.number in str(app.screen.query_one("#ask-question").render())
        await click(pilot, "#ask-no")
        assert isinstance(app.screen, GuestFormScreen)
    with Store(settings.db_path) as store:
        assert store.row("SELECT COUNT(*) AS n FROM tickets")["n"] == 1


async def test_a_finished_visit_does_not_stop_a_new_number(settings, clock):
    first = registered_guest(settings, clock, service="B")
    with Store(settings.db_path, clock=clock) as store:
        queue = queue_for(store, settings)
        queue.call(1, first.number)
        queue.start(first.id)
        queue.finish(first.id)
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await click(pilot, "#svc-konsultasi")
        app.screen.query_one("#lookup").value = GUEST["id_number"]
        await click(pilot, "#find")
        app.screen.query_one("#purpose", Select).value = "tugas"
        await click(pilot, "#yes")
        assert not isinstance(app.screen, AskScreen)


# -- 5. R for the rating, shown in the hint -------------------------------------------------


async def test_r_on_the_start_screen_opens_the_rating_and_the_hint_says_so(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "R penilaian" in " ".join(shown(app).split())
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RatingStartScreen)


# -- 6. Esc on a started form asks; Ctrl+Q while serving asks --------------------------------


async def test_esc_on_a_half_filled_form_asks_before_discarding_it(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#svc-konsultasi")
        await click(pilot, "#new")
        assert isinstance(app.screen, GuestFormScreen)
        await pilot.press("escape")  # nothing typed yet: one step back, nothing to lose
        await pilot.pause()
        assert isinstance(app.screen, IdentifyScreen)
        await click(pilot, "#new")
        await pilot.press(*"Siti")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, AskScreen)
        assert "hilang" in str(app.screen.query_one("#ask-question").render())
        await pilot.press("escape")  # no: back to the form, what was typed is still there
        await pilot.pause()
        assert isinstance(app.screen, GuestFormScreen)
        assert app.screen.query_one("#name").value == "Siti"
        await pilot.press("escape")
        await pilot.pause()
        await click(pilot, "#ask-yes")
        assert isinstance(app.screen, IdentifyScreen)
        # Batal on a started form asks the same; yes goes home, as Batal does on a blank one.
        await click(pilot, "#new")
        await pilot.press(*"Rina")
        await click(pilot, "#cancel")
        assert isinstance(app.screen, AskScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, GuestFormScreen) and app.screen.query_one("#name").value == "Rina"
        await click(pilot, "#cancel")
        await click(pilot, "#ask-yes")
        assert isinstance(app.screen, HomeScreen)


async def test_ctrl_q_asks_while_a_visitor_is_served(settings, clock):
    ticket = serving(settings, clock)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, YesNoScreen)
        assert ticket.number in str(app.screen.query_one("#question").render())
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, CounterScreen)
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running


async def test_ctrl_q_on_another_question_asks_too(settings, clock):
    """Ctrl+Q while the no-show question is open asked nothing and quit, leaving the ticket
    called on the display: it asks now; Ctrl+Q on the quit question itself quits."""
    with Store(settings.db_path, clock=clock) as store:
        ticket = issue_ticket(store, settings, "B").ticket
        queue_for(store, settings).call(1, ticket.number)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        no_show = app.screen
        assert isinstance(no_show, YesNoScreen) and ticket.number in str(no_show.query_one("#question").render())
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, YesNoScreen) and app.screen is not no_show
        await pilot.press("n")  # not quitting: back to the no-show question, still open
        await pilot.pause()
        assert app.is_running and app.screen is no_show
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("ctrl+q")  # twice in a row: the second quits
        await pilot.pause()
        assert not app.is_running
    with Store(settings.db_path, clock=clock) as store:
        assert queue_for(store, settings).get(ticket.id).status == "called"  # nothing done by the keys


async def test_ctrl_q_quits_at_once_when_nobody_is_served(settings, clock):
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not app.is_running


async def test_ctrl_c_says_how_to_quit_in_the_users_language(settings, clock):
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        said = " ".join(notes(app))
        assert "Ctrl+Q" in said and "keluar" in said and "Do you want" not in said


# -- 7. C on a number another counter holds names that counter -------------------------------


async def test_calling_a_number_another_counter_holds_names_the_counter(settings, clock):
    ticket = serving(settings, clock, counter=2)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CallNumberScreen)
        await pilot.press(*ticket.number, "enter")
        await pilot.pause()
        said = " ".join(notes(app))
        assert f"{ticket.number} sedang di loket 2" in said
        assert app.queue.get(ticket.id).counter == 2


# -- 9. the form says which characters a name cannot have ------------------------------------


async def test_the_form_names_the_emoji_in_a_name(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await click(pilot, "#svc-konsultasi")
        await click(pilot, "#new")
        await fill_form(pilot, {**GUEST, "name": "Siti Aminah 😀"})
        await click(pilot, "#next")
        said = str(app.screen.query_one("#err-name").render())
        assert "😀" in said and "2–100" not in said


# -- 10. check boxes show their state by shape ----------------------------------------------


async def test_the_priority_box_shows_its_tick_by_shape(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.screen.query_one("#priority")
        line = next(row for row in shown(app).splitlines() if "Prioritas" in row or "prioritas" in row)
        assert "▐ ▌" in line and "✓" not in line and "X" not in line
        await pilot.press("p")
        await pilot.pause()
        assert box.value
        line = next(row for row in shown(app).splitlines() if "Prioritas" in row or "prioritas" in row)
        assert "▐✓▌" in line


# -- 11. at 80x24: the locker field, the kiosk's lockout message, the dashboard's charts ----


def _words_in(app, selector: str) -> str:
    """The words shown inside a widget's region, its lines joined (a wrapped sentence whole)."""
    import re

    region = app.screen.query_one(selector).region
    strips = app.screen._compositor.render_strips()
    text = " ".join(strips[y].crop(region.x, region.right).text for y in range(region.y, region.bottom))
    return " ".join(re.sub(r"[█▀▄▔▁▊▎]", " ", text).split())


async def test_the_locker_dialog_shows_its_number_field_at_80x24(settings, clock):
    from screens.lockers import AssignLockerScreen

    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, AssignLockerScreen)
        field = app.screen.query_one("#locker_no")
        assert 0 <= field.region.y and field.region.bottom <= 24 and field.region.height >= 1
        assert "Nomor loker" in shown(app)
        assert app.screen.query_one("#save").region.bottom <= 24


async def test_the_kiosks_lockout_message_is_whole_at_80x24(settings, clock):
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f10")
        await pilot.pause()
        for _ in range(5):
            app.screen.query_one("#code").value = "000000"
            await pilot.press("enter")
            await pilot.pause()
        words = _words_in(app, "#staff-exit")
        assert "Terlalu banyak percobaan ditolak: keluar dari kios ditutup. Coba lagi dalam 5 menit." in words


async def test_the_dashboard_charts_have_rows_to_be_read_at_80x24(settings, clock):
    from screens.dashboard import DashboardScreen

    with Store(settings.db_path, clock=clock) as store:
        for service in "AABBBCCD":
            issue_ticket(store, settings, service)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        for chart in ("#arrivals", "#waits", "#trend"):
            assert app.screen.query_one(chart).size.height >= 12, chart
        arrivals = app.screen.query_one("#arrivals")
        ticks = [int(line.split("┤")[0]) for line in _lines_in(app, arrivals) if "┤" in line]
        assert ticks == sorted(ticks, reverse=True) and ticks[-1] == 0 and len(ticks) >= 3
        await pilot.press("pagedown", "pagedown")
        await pilot.pause()
        trend = app.screen.query_one("#trend").region
        assert trend.y >= 0 and trend.bottom <= 23  # scrolled fully into view above the footer


def _lines_in(app, widget) -> list[str]:
    region = widget.region
    strips = app.screen._compositor.render_strips()
    return [strips[y].crop(region.x, region.right).text for y in range(region.y, min(region.bottom, len(strips)))]


async def test_finish_on_a_visitor_only_called_says_start_first_without_asking(settings, clock):
    """Found by a trial: F on a called ticket with an open order asked about the order, and
    after Yes said it could not be finished anyway (not started)."""
    from kiosk.tickets import issue_ticket, queue_for

    with Store(settings.db_path, clock=clock) as store:
        issue_ticket(store, settings, "B")
        ticket = queue_for(store, settings).call_next(1)
        sales.create_order(store, settings, None, customer_name="Andi", segment="perorangan", ticket_id=ticket.id)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        told = []
        app.notify = lambda message, **kw: told.append(str(message))  # noqa: ARG005
        await keys(pilot, "f")
        assert not isinstance(app.screen, YesNoScreen)
        assert any("mulai" in text.lower() for text in told), told
        assert app.queue.get(ticket.id).status == "called"


async def test_the_locker_guest_search_goes_to_its_matches_with_down_or_enter(settings, clock):
    """Found by a trial: Down or Enter in the guest search did nothing; Tab first was needed."""
    from kiosk.guestbook import register_visit, validate_guest
    from screens.lockers import AssignLockerScreen

    with Store(settings.db_path, clock=clock) as store:
        register_visit(store, settings, service="A", purpose="tugas", consent=True, guest=validate_guest(
            {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001",
             "email": "siti@example.com", "segment": "akademisi"}))
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await keys(pilot, "k", "a")
        screen = app.screen
        assert isinstance(screen, AssignLockerScreen)
        for key, confirm in (("down", "enter"), ("enter", "enter")):
            screen.query_one("#holder_name").value = ""
            screen.query_one("#guest-search").focus()
            await keys(pilot, *"Siti", key)
            assert app.focused.id == "guest-results"
            await keys(pilot, confirm)
            assert screen.query_one("#holder_name").value == "Siti Aminah"
            screen.query_one("#guest-search").value = ""
            await pilot.pause()

"""The dashboard's month trend and keys, and the idle lock screen's wording, driven at 80x24."""

import pytest

from kiosk import accounts
from kiosk.store import Store
from kiosk.tickets import issue_ticket
from screens.counter_app import CounterApp, CounterScreen
from screens.dashboard import DashboardScreen
from screens.login import LockScreen, LoginScreen
from tests.screens.helpers import login, shown


def seed(settings, clock, *services):
    with Store(settings.db_path, clock=clock) as store:
        return [issue_ticket(store, settings, s).ticket for s in services]


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_month_trend_stops_at_today(settings, clock, size):
    clock.advance(days=-13)  # 10 November: three tickets
    seed(settings, clock, "A", "A", "B")
    clock.advance(days=13)  # today, 23 November: two
    seed(settings, clock, "A", "C")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        await pilot.press("d")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        plotted = screen.query_one("#trend").plt._active.monitor  # what plotext was given
        (days,), (counts,) = plotted.x, plotted.y
        assert days == list(range(1, 24))  # 1..23 November: no point after today
        assert counts[9] == 3 and counts[-1] == 2 and sum(counts) == 5
        assert plotted.xlim[0] == [1, 30]  # the axis still spans the month
        trend = screen.query_one("#trend")
        trend.scroll_visible(animate=False, immediate=True)  # below the other charts at 80x24
        await pilot.pause()
        strips = screen._compositor.render_strips()
        axis = strips[trend.region.bottom - 1].crop(trend.region.x, trend.region.right).text.split()
        assert axis[0] == "1" and axis[-1] == "30", axis


async def test_ctrl_l_logs_out_from_the_dashboard(settings, clock):
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="budi", name="Budi Santoso", role="petugas", pin="284751")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "budi", "284751")
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        assert "^l Keluar akun" in shown(app).splitlines()[-1]
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert isinstance(app.screen, LoginScreen) and app.user is None


@pytest.mark.parametrize(("lang", "wrong_pin", "wrong_login"), [
    ("id", "PIN salah", "Nama pengguna atau PIN salah"),
    ("en", "Wrong PIN", "Wrong username or PIN"),
])
async def test_a_wrong_pin_at_the_lock_screen_says_pin(settings, clock, lang, wrong_pin, wrong_login):
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="budi", name="Budi Santoso", role="petugas", pin="284751")
    app = CounterApp(settings, counter=1, clock=clock, spool=False, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await login(pilot, "budi", "284751")
        assert isinstance(app.screen, CounterScreen)
        app.lock()
        await pilot.pause()
        lock = app.screen
        assert isinstance(lock, LockScreen)
        lock.query_one("#pin").value = "0000"
        await pilot.press("enter")
        await pilot.pause()
        error = str(lock.query_one("#login-error").render())
        assert error == wrong_pin and wrong_pin in shown(app)
        lock.query_one("#pin").value = "284751"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CounterScreen)
        await pilot.press("ctrl+l")  # the login screen, which asks for both, keeps its wording
        await pilot.pause()
        await login(pilot, "budi", "0000")
        assert str(app.screen.query_one("#login-error").render()) == wrong_login


async def test_the_wait_chart_keeps_the_days_hours_with_one_hour_of_calls(settings, clock):
    """One hour with calls drew one bar the chart's whole width (a trial read it as 08-12):
    the waits are on the arrivals' hours, 07..17, the others at zero."""
    from kiosk.tickets import queue_for

    seed(settings, clock, "A", "A")
    with Store(settings.db_path, clock=clock) as store:
        clock.advance(minutes=6)
        queue_for(store, settings).call_next(1)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        plotted = app.screen.query_one("#waits").plt._active.monitor
        heights = [max(bar) for bar in plotted.y]  # plotext keeps each bar as a rectangle
        assert len(heights) == 11  # 07..17
        assert heights[9 - 7] == 6.0 and sum(heights) == 6.0  # called at 09:06 after 6 minutes


async def test_an_evening_call_extends_both_charts_without_a_gap(settings, clock):
    """A ticket taken and called at 19:00 (a late office): both charts run 07..19, hour by
    hour, 18 at zero; the axis never jumps 17, 19 (a trial read it as one hour)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kiosk.tickets import queue_for

    clock.set(datetime(2026, 11, 23, 19, 0, tzinfo=ZoneInfo("Asia/Jakarta")))
    seed(settings, clock, "A")
    with Store(settings.db_path, clock=clock) as store:
        clock.advance(minutes=4)
        queue_for(store, settings).call_next(1)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("d")
        await pilot.pause()
        for chart, top in (("#arrivals", 1.0), ("#waits", 4.0)):
            plotted = app.screen.query_one(chart).plt._active.monitor
            heights = [max(bar) for bar in plotted.y]
            assert len(heights) == 13  # 07..19
            assert heights[-1] == top and heights[-2] == 0 and sum(heights) == top

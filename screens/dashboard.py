"""The day at a glance for officers and the admin: today's figures, arrivals by hour,
waiting time by hour, and the month's trend, refreshed as the store changes.

Each tile has its label in the border and one figure a line, and is as tall as its text:
below 110 columns (``-narrow``) the tiles sit three to a row instead of six, so every
figure shows at 80x24 as at 120x40."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual_plotext import PlotextPlot

from kiosk import reports
from kiosk.accounts import Forbidden
from kiosk.money import rupiah
from screens.base import LogoutKey, TitleHeader

if TYPE_CHECKING:
    from screens.counter_app import CounterApp


FIGURES = ("visits", "tickets", "waiting", "lockers", "sales", "ikm")


class Chart(PlotextPlot):
    """A plot that lets go of the app's theme signal when it is removed. PlotextPlot
    subscribes to ``theme_changed_signal`` with a callback that holds the plot; the signal
    keys its subscribers weakly but the callback keeps the key alive, and a signal drops
    removed subscribers only when it is published (a theme change, which never comes). So
    without this, every dashboard opened kept its three plots and their drawings for the
    rest of the day."""

    def on_unmount(self) -> None:
        self.app.theme_changed_signal.unsubscribe(self)


class DashboardScreen(LogoutKey, Screen[None]):
    CSS_PATH = "dashboard.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    BINDINGS = [Binding("escape", "back", "Kembali", id="orders.key.back"),
                Binding("ctrl+l", "logout", "Keluar akun", id="counter.key.logout")]

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield TitleHeader()
        # A short terminal (80x24) scrolls: each chart keeps the rows it needs to be read
        # (an axis of 0..8 in two rows showed "8" above "2"); a tall one fills the screen.
        with VerticalScroll(id="dash-body"):
            with Grid(id="figures"):
                for key in FIGURES:
                    yield Static("", id=f"fig-{key}", classes="figure")
            with Grid(id="charts"):
                yield Chart(id="arrivals")
                yield Chart(id="waits")
                yield Chart(id="trend")
        yield Footer()

    def on_mount(self) -> None:
        self.pst.localize_bindings(self)
        self.refresh_data()

    def refresh_data(self) -> None:
        app = self.pst
        today = app.queue.today()
        try:
            data = reports.report(app.store, app.settings, app.user, today, today)
        except Forbidden as exc:  # the account was disabled or its role changed meanwhile
            self.notify(exc.message(app.lang), severity="warning")
            self.dismiss()
            return
        t, lang = app.t, app.lang
        tickets, waiting, ikm = data["tickets"], data["waiting_minutes"], data["ikm"]
        figures = {
            "visits": str(data["visits"]["total"]),
            "tickets": t("dash.tickets_lines", issued=tickets["issued"], served=tickets["served"],
                         no_show=tickets["no_show"]),
            # The plain wait's median, the median wait under the standard as the seeds word it,
            # and the share within that standard (the 90th percentiles: the report).
            "waiting": t("desk.dash_waiting_lines", median=reports.decimal(waiting["median"], lang),
                         smedian=reports.decimal(data["standard_wait_minutes"]["median"], lang),
                         p90=reports.decimal(waiting["p90"], lang), minutes=data["within_standard"]["minutes"],
                         share=reports.percent(data["within_standard"]["share"], lang, 0)),
            "lockers": t("dash.lockers_lines", lockers=data["lockers_open"]),
            "sales": t("dash.sales_lines", receipts=data["sales"]["receipts"],
                       total=rupiah(data["sales"]["receipts_total"])),
            "ikm": t("dash.ikm_lines", ikm=reports.decimal(ikm["ikm"], lang), grade=ikm["grade"] or "-",
                     n=ikm["respondents"]),
        }
        for key, text in figures.items():
            tile = self.query_one(f"#fig-{key}", Static)
            tile.border_title = t(f"dash.{key}")
            tile.update(text)
        arrivals = reports.arrivals_by_hour(app.store, app.settings, app.user, today)
        waits = reports.wait_by_hour(app.store, app.settings, app.user, today)
        # One axis for both, every hour from the first to the last (07..17, and any other hour
        # with tickets or calls): one hour alone made one bar the chart's whole width, whose
        # top plotext drew outside the frame, and a call at 19:00 made the axis jump 17, 19.
        seen = set(arrivals) | set(waits)
        hours = range(min(seen), max(seen) + 1)
        self._bar("#arrivals", t("dash.arrivals"), [f"{h:02d}" for h in hours], [arrivals.get(h, 0) for h in hours],
                  whole=True)
        self._bar("#waits", t("dash.waits"), [f"{h:02d}" for h in hours], [waits.get(h, 0.0) for h in hours])
        start, end = reports.month_bounds(today.strftime("%Y-%m"))
        # Days to come have no tickets yet, not zero: the line stops at today, on an axis of
        # the whole month.
        trend = list(reports.visits_per_day(app.store, app.user, start, today).values())
        last = end.day
        plot = self.query_one("#trend", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(t("dash.trend", month=today.strftime("%m-%Y")))
        plt.plot(list(range(1, len(trend) + 1)), trend, marker="braille")
        plt.xlim(1, last)
        ticks = [1, *range(5, last - 1, 5), last]  # whole days: 1 5 10 ... 30
        plt.xticks(ticks, [str(d) for d in ticks])
        self._yticks(plt, trend, whole=True)
        plot.refresh()

    def _bar(self, selector: str, title: str, labels: list[str], values: list[float], *, whole: bool = False) -> None:
        plot = self.query_one(selector, PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        if labels:
            plt.bar(labels, values)
            self._yticks(plt, values, whole=whole)
        plot.refresh()

    def _yticks(self, plt, values: list[float], *, whole: bool) -> None:  # plt: the plot's plotext module
        """Counts on whole numbers, minutes in the reader's decimals (plotext writes 4.17, 1.5)."""
        top = max(values, default=0) or 1
        if whole:
            step = max(1, math.ceil(top / 4))
            ticks: list[float] = list(range(0, math.ceil(top / step) * step + 1, step))
        else:  # at least 0.4: ticks of 0.1, never all 0.0 (a zero range divides by zero in plotext)
            top = max(top, 0.4)
            ticks = [round(top * i / 4, 1) for i in range(5)]
        plt.ylim(0, ticks[-1])
        plt.yticks(ticks, [reports.decimal(v, self.pst.lang) for v in ticks])

    def action_back(self) -> None:
        self.dismiss()

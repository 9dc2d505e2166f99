"""The day at a glance for officers and the admin: today's figures, arrivals by hour,
waiting time by hour, and the month's trend, refreshed as the store changes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Static
from textual_plotext import PlotextPlot

from kiosk import reports
from kiosk.accounts import Forbidden
from kiosk.money import rupiah

if TYPE_CHECKING:
    from screens.counter_app import CounterApp


class DashboardScreen(Screen[None]):
    BINDINGS = [Binding("escape", "back", "Kembali", id="orders.key.back")]

    @property
    def pst(self) -> CounterApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="figures"):
            for key in ("visits", "tickets", "waiting", "standard", "sales", "ikm"):
                yield Static("", id=f"fig-{key}", classes="figure")
        with Grid(id="charts"):
            yield PlotextPlot(id="arrivals")
            yield PlotextPlot(id="waits")
            yield PlotextPlot(id="trend")
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
        t = app.t
        waiting = data["waiting_minutes"]
        share = data["within_standard"]["share"]
        ikm = data["ikm"]
        figures = {
            "visits": t("dash.visits", n=data["visits"]["total"]),
            "tickets": t("dash.tickets", issued=data["tickets"]["issued"], served=data["tickets"]["served"],
                         no_show=data["tickets"]["no_show"]),
            "waiting": t("dash.waiting", median=waiting["median"] if waiting["median"] is not None else "-",
                         p90=waiting["p90"] if waiting["p90"] is not None else "-"),
            "standard": t("dash.standard", share=f"{share * 100:.0f}%" if share is not None else "-",
                          lockers=data["lockers_open"]),
            "sales": t("dash.sales", receipts=data["sales"]["receipts"], total=rupiah(data["sales"]["receipts_total"])),
            "ikm": t("dash.ikm", ikm=ikm["ikm"] if ikm["ikm"] is not None else "-", grade=ikm["grade"] or "-",
                     n=ikm["respondents"]),
        }
        for key, text in figures.items():
            self.query_one(f"#fig-{key}", Static).update(text)
        arrivals = reports.arrivals_by_hour(app.store, app.settings, app.user, today)
        self._bar("#arrivals", t("dash.arrivals"), [f"{h:02d}" for h in arrivals], list(arrivals.values()))
        waits = reports.wait_by_hour(app.store, app.settings, app.user, today)
        self._bar("#waits", t("dash.waits"), [f"{h:02d}" for h in waits], list(waits.values()))
        start, end = reports.month_bounds(today.strftime("%Y-%m"))
        trend = reports.visits_per_day(app.store, app.user, start, end)
        plot = self.query_one("#trend", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(t("dash.trend", month=today.strftime("%m-%Y")))
        plt.plot(list(range(1, len(trend) + 1)), list(trend.values()), marker="braille")
        plot.refresh()

    def _bar(self, selector: str, title: str, labels: list[str], values: list[float]) -> None:
        plot = self.query_one(selector, PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(title)
        if labels:
            plt.bar(labels, values)
        plot.refresh()

    def action_back(self) -> None:
        self.dismiss()

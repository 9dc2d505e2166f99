"""The central face (``pst-kiosk central dashboard``, ``serve central``): the offices a
reader may see side by side, sortable by any column (click its header, or S for the next
column and R to reverse), the period's trend, and one office's detail (Enter).

Read-only, with a reader's credentials (``central_dsn`` / ``PST_KIOSK_CENTRAL_DSN``). The
centre is polled every ``interval`` seconds in a thread worker, so a slow or lost link
never blocks the screen: the last figures stay, and the status line says what failed."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, tzinfo
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Header, Static
from textual_plotext import PlotextPlot

from kiosk import reports
from kiosk.central.report import COLUMNS, namer, row_cells
from kiosk.commands.common import fit
from kiosk.i18n import t
from kiosk.money import rupiah

# How each column sorts: the raw figure, not its text (None last whichever the direction).
SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "office": lambda r: r["office"],
    "name": lambda r: r["name"] or "",
    "visits": lambda r: r["visits"]["total"],
    "issued": lambda r: r["tickets"]["issued"],
    "served": lambda r: r["tickets"]["served"],
    "no_show": lambda r: r["tickets"]["no_show"],
    "median": lambda r: r["waiting_minutes"]["median"],
    "p90": lambda r: r["waiting_minutes"]["p90"],
    "within": lambda r: r["within_standard"]["share"],
    "ikm": lambda r: r["ikm"]["ikm"],
    "receipts": lambda r: r["sales"]["receipts_total"],
    "complaints": lambda r: r["complaints"]["received"],
    "not_available": lambda r: r["consultations"]["not_available"],
    "last_sync": lambda r: r["last_sync"],
}
TOTAL_KEY = "__total__"
NAME_WIDTH = 20  # a long office name is cut with an ellipsis; the detail shows it whole


def sort_rows(rows: list[dict[str, Any]], column: str, reverse: bool) -> list[dict[str, Any]]:
    key = SORT_KEYS[column]
    known = sorted((r for r in rows if key(r) is not None), key=key, reverse=reverse)
    return known + [r for r in rows if key(r) is None]


class OfficeDetail(ModalScreen[None]):
    """One office's figures in full: by service, sales, complaints, consultations."""

    BINDINGS = [Binding("escape", "dismiss", "Kembali", id="centre.key.back")]

    def __init__(self, row: dict[str, Any], lang: str, tz: tzinfo, title: str) -> None:
        super().__init__()
        self.row, self.lang, self.tz, self.title_text = row, lang, tz, title

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Static(self.text(), id="detail-text")
        yield Footer()

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        box = self.query_one("#detail")
        box.border_title = self.title_text

    def text(self) -> str:
        lang, r = self.lang, self.row
        name = namer(lang)
        cells = dict(zip(COLUMNS, row_cells(r, lang, self.tz)))
        lines = [t("centre.dash.headline", lang, issued=cells["issued"], served=cells["served"],
                   no_show=cells["no_show"], median=cells["median"], p90=cells["p90"], within=cells["within"],
                   ikm=cells["ikm"], last_sync=cells["last_sync"])]
        lines.append("")
        lines.append(f"[b]{t('centre.dash.by_service', lang)}[/b]")
        for service, f in r["tickets"]["by_service"].items():
            lines.append(t("centre.dash.service_line", lang, service=name("service", service), issued=f["issued"],
                           served=f["served"], no_show=f["no_show"], waiting=f["waiting_left"]))
        sales = r["sales"]
        lines.append("")
        lines.append(f"[b]{t('centre.sales_by_product', lang)}[/b] ({sales['receipts']}, "
                     f"{rupiah(sales['receipts_total'])})")
        lines += [f"  {name('product', k)}: {rupiah(v)}" for k, v in sales["by_product"].items()] or ["  -"]
        lines.append(f"[b]{t('centre.sales_by_method', lang)}[/b]: "
                     + (", ".join(f"{name('method', k)} {rupiah(v)}" for k, v in sales["by_method"].items()) or "-"))
        c = r["complaints"]
        lines.append("")
        lines.append(t("centre.dash.complaints", lang, received=c["received"], in_time=c["answered_in_time"],
                       open=c["open"]))
        outcomes = r["consultations"]["by_outcome"]
        lines.append(f"[b]{t('centre.consultations', lang)}[/b]: "
                     + (", ".join(f"{name('outcome', k)} {n}" for k, n in outcomes.items()) or "-"))
        lines.append(f"[b]{t('centre.data_not_available', lang)}[/b]")
        for item in r["data_not_available"] or []:
            what = " / ".join(str(item[k]) for k in ("subject", "indicator", "region_level", "period") if item[k])
            lines.append(f"  {item['count']:>3}  {what or '-'}")
        if not r["data_not_available"]:
            lines.append("  -")
        return "\n".join(lines)


def localize_bindings(node: Any, lang: str) -> None:  # noqa: ANN401 - a DOMNode
    """Footer labels from the catalogue: a binding's id is its catalogue key."""
    bindings = node._bindings.copy()
    for key, found in bindings.key_to_bindings.items():
        bindings.key_to_bindings[key] = [replace(b, description=t(b.id, lang)) if b.id else b for b in found]
    node._bindings = bindings


class CentralDashboardApp(App[None]):
    CSS_PATH = "central_dashboard.tcss"
    TITLE = "PST"
    BINDINGS = [
        Binding("s", "sort_next", "Urutkan", id="centre.key.sort"),
        Binding("r", "sort_reverse", "Balik", id="centre.key.reverse"),
        Binding("d", "period('day')", "Hari ini", id="centre.key.day"),
        Binding("m", "period('month')", "Bulan ini", id="centre.key.month"),
        Binding("f5", "refresh", "Segarkan", id="centre.key.refresh"),
        Binding("q", "quit", "Keluar", id="centre.key.quit"),
    ]

    def __init__(self, *, dsn: str, lang: str, tz: tzinfo, interval: float = 30.0, province: str | None = None,
                 office: str | None = None, now: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        self.dsn, self.lang, self.tz = dsn, lang, tz
        self.interval = max(1.0, interval)
        self.province, self.office = province, office
        self.now = now or (lambda: datetime.now().astimezone())
        self.period = "month"
        self.sort_column, self.sort_reverse = "office", False
        self.data: dict[str, Any] | None = None
        self.error: str | None = None
        self.refreshes = 0
        self._conn: Any = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="status")
        yield DataTable(id="offices", cursor_type="row", zebra_stripes=True)
        with Grid(id="charts"):
            yield PlotextPlot(id="trend")
            yield PlotextPlot(id="within")
        yield Footer()

    def on_mount(self) -> None:
        localize_bindings(self, self.lang)
        self.title = t("centre.dash.title", self.lang)
        table = self.query_one("#offices", DataTable)
        for column in COLUMNS:
            table.add_column(t(f"centre.col.{column}", self.lang), key=column)
        self.query_one("#status", Static).update(t("centre.dash.loading", self.lang))
        self.load()
        self.set_interval(self.interval, self.load)

    # -- reading, off the UI thread ----------------------------------------------------------

    def bounds(self) -> tuple[date, date]:
        today = self.now().astimezone(self.tz).date()
        if self.period == "day":
            return today, today
        return reports.month_bounds(today.strftime("%Y-%m"))[0], today

    @work(thread=True, exclusive=True, group="centre", exit_on_error=False)
    def load(self) -> None:
        import psycopg

        from kiosk.central import admin
        from kiosk.central.report import central_report

        start, end = self.bounds()
        try:
            if self._conn is None or self._conn.closed:
                self._conn = admin.connect(self.dsn)
            data = central_report(self._conn, start, end, now=self.now(), province=self.province,
                                  office=self.office, trend=True)
        except admin.CentralError as exc:
            self.call_from_thread(self.failed, exc.message(self.lang))
            return
        except psycopg.Error as exc:
            if self._conn is not None:
                self._conn.close()
            self.call_from_thread(self.failed, admin.short_error(exc))
            return
        self.call_from_thread(self.show, data)

    def failed(self, message: str) -> None:
        self.error = message
        self.query_one("#status", Static).update(t("centre.dash.failed", self.lang, error=message))

    def show(self, data: dict[str, Any]) -> None:
        self.data, self.error = data, None
        self.refreshes += 1
        self.fill_table()
        self.draw_charts()
        p = data["period"]
        scope = (data["scope"]["office"] or (t("centre.province", self.lang, province=data["scope"]["province"])
                                             if data["scope"]["province"] else t("centre.all_offices", self.lang)))
        silent = data["total"]["silent"]
        self.query_one("#status", Static).update(t(
            "centre.dash.status", self.lang, scope=scope, start=p["from"], end=p["to"],
            offices=len(data["offices"]), silent=silent,
            at=f"{self.now().astimezone(self.tz):%H:%M:%S}"))

    def fill_table(self) -> None:
        if self.data is None:
            return
        table = self.query_one("#offices", DataTable)
        keep = None
        if table.row_count:
            keep = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        table.clear()
        for row in sort_rows(self.data["offices"], self.sort_column, self.sort_reverse):
            table.add_row(*self.cells(row), key=row["office"])
        table.add_row(*self.cells(self.data["total"], style="bold"), key=TOTAL_KEY)
        for column in COLUMNS:
            label = t(f"centre.col.{column}", self.lang)
            if column == self.sort_column:
                label += " ▼" if self.sort_reverse else " ▲"
            table.columns[column].label = label  # type: ignore[index]
        table.refresh()
        if keep is not None and keep in table.rows:
            table.move_cursor(row=table.get_row_index(keep))

    def cells(self, row: dict[str, Any], style: str = "") -> list[Text]:
        """The row's texts as they are (a name with brackets is not markup), figures right."""
        cells = row_cells(row, self.lang, self.tz)
        cells[1] = fit(cells[1], NAME_WIDTH).rstrip()
        return [Text(cell, style=style, justify="left" if i < 2 else "right") for i, cell in enumerate(cells)]

    def draw_charts(self) -> None:
        trend = (self.data or {}).get("trend") or []
        days = [d["day"][8:10] for d in trend]
        issued = [d["issued"] for d in trend]
        within = [round(100 * d["within"] / d["called"], 1) if d["called"] else 0.0 for d in trend]
        for selector, title, values, whole in (("#trend", t("centre.dash.trend", self.lang), issued, True),
                                               ("#within", t("centre.dash.within", self.lang), within, False)):
            plot = self.query_one(selector, PlotextPlot)
            plt = plot.plt
            plt.clear_data()
            plt.clear_figure()
            plt.title(title)
            if values:
                xs = list(range(1, len(values) + 1))
                plt.plot(xs, values, marker="braille")
                step = max(1, math.ceil(len(xs) / 6))
                plt.xticks(xs[::step], days[::step])
                top = max(values) or 1
                plt.ylim(0, top * 1.1)
            plot.refresh()

    # -- keys and clicks ---------------------------------------------------------------------

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        column = str(event.column_key.value)
        if column == self.sort_column:
            self.sort_reverse = not self.sort_reverse
        else:
            self.sort_column, self.sort_reverse = column, False
        self.fill_table()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self.data is None:
            return
        key = event.row_key.value
        row = self.data["total"] if key == TOTAL_KEY else next(
            (r for r in self.data["offices"] if r["office"] == key), None)
        if row is not None:
            title = t("centre.total", self.lang) if key == TOTAL_KEY else f"{row['office']} {row['name']}"
            self.push_screen(OfficeDetail(row, self.lang, self.tz, title))

    def action_sort_next(self) -> None:
        self.sort_column = COLUMNS[(COLUMNS.index(self.sort_column) + 1) % len(COLUMNS)]
        self.sort_reverse = False
        self.fill_table()

    def action_sort_reverse(self) -> None:
        self.sort_reverse = not self.sort_reverse
        self.fill_table()

    def action_period(self, period: str) -> None:
        if period != self.period:
            self.period = period
            self.load()

    def action_refresh(self) -> None:
        self.load()

    def on_unmount(self) -> None:
        if self._conn is not None:
            self._conn.close()

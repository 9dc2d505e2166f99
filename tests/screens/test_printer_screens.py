"""What the kiosk and the counter say about printing: "dicetak" only when the printer
confirmed it, "terkirim" where nothing can; each printer's state on the counter; the
kiosk warns its visitors about its own printer only. Real TCP printers."""

from __future__ import annotations

from pathlib import Path

from kiosk import config, printing
from kiosk.store import Store
from kiosk.tickets import issue_ticket
from screens.counter_app import CounterApp
from screens.kiosk_app import HomeScreen, KioskApp
from tests.printer_server import CapturePrinter
from tests.screens.helpers import new_visitor_ticket, shown

SIZE = (100, 40)


def _config(tmp_path: Path, kiosk: str, counter: str, **counters: str):
    path = tmp_path / "config.toml"
    config.save_file(path, {
        "db": str(tmp_path / "pst.db"),
        "office": {"code": "1373", "name": "PST BPS Kota Sawahlunto", "counters": 3},
        "printer": {"url": "none", "timeout": 1.0},
        "printers": {"kiosk": {"url": kiosk}, "loket": {"url": counter},
                     **{name: {"url": url} for name, url in counters.items()}},
        "kiosk": {"printer": "kiosk", "staff_exit_code": "246810"},
        "counter": {"printer": "loket", "printers": {str(n): name for n, name in
                                                     ((i + 2, name) for i, name in enumerate(counters))}},
    })
    return config.load(path)


async def _until(pilot, check, timeout: float = 10.0):
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError("never happened")


async def test_the_ticket_screen_says_printed_only_when_the_printer_confirmed(tmp_path, clock):
    printer = CapturePrinter()
    try:
        settings = _config(tmp_path, printer.url, "none")
        app = KioskApp(settings, clock=clock, spool=False)
        async with app.run_test(size=SIZE) as pilot:
            screen = await new_visitor_ticket(pilot, "penjualan")
            await _until(pilot, lambda: screen.print_result is not None)
            assert screen.print_result.printed
            status = str(screen.query_one("#print-status").render())
            assert "Tiket telah dicetak" in status and "terkirim" not in status
    finally:
        printer.close()
    assert printer.complete("B-001") == 1


async def test_the_ticket_screen_says_sent_where_nothing_can_confirm(tmp_path, clock):
    paper = tmp_path / "paper.bin"
    settings = _config(tmp_path, f"file:{paper}", "none")
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=SIZE) as pilot:
        screen = await new_visitor_ticket(pilot, "penjualan")
        await _until(pilot, lambda: screen.print_result is not None)
        status = str(screen.query_one("#print-status").render())
        assert "terkirim" in status and "dicetak" not in status
        assert not screen.query_one("#print-status").has_class("-problem")
    with Store(settings.db_path) as store:
        assert printing.jobs(store)[0].status == "sent"


async def test_the_kiosk_warns_about_its_own_printer_only(tmp_path, clock):
    kiosk, counter = CapturePrinter(), CapturePrinter(mode="paper_out")
    try:
        settings = _config(tmp_path, kiosk.url, counter.url)
        app = KioskApp(settings, clock=clock, spool=False)
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: "kiosk" in app.printer_states)
            assert app.printer_states == {"kiosk": "ready"}  # the counter's is not its business
            assert not app.screen.query_one("#printer-warning").display
            kiosk.mode = "paper_out"
            app.check_printers()
            await _until(pilot, lambda: app.printer_states["kiosk"] == "paper_out")
            await pilot.pause()
            assert isinstance(app.screen, HomeScreen)
            assert "Printer tiket: kertas habis. Nomor antrian tetap berlaku" in shown(app)
    finally:
        kiosk.close()
        counter.close()


async def test_the_counter_shows_every_printers_state_and_retries_only_on_each(tmp_path, clock):
    kiosk, counter, second = CapturePrinter(mode="offline"), CapturePrinter(mode="paper_out"), CapturePrinter()
    try:
        settings = _config(tmp_path, kiosk.url, counter.url, loket2=second.url)
        with Store(settings.db_path, clock=clock) as store:
            issued = issue_ticket(store, settings, "B")
            assert printing.print_job(store, settings, issued.job_id).reason == "offline"
        app = CounterApp(settings, counter=2, clock=clock, spool=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await _until(pilot, lambda: len(app.printer_states) == 3)
            await pilot.pause()
            line = app.screen.query_one("#printer-state")
            text = str(line.render())
            assert "kiosk offline" in text and "loket kertas habis" in text and "loket2 siap" in text
            assert line.has_class("-problem")
            assert "1 pekerjaan cetak gagal, terakhir di kiosk: Printer sedang offline" in shown(app)
            # Counter 2 prints on its own printer: a reprint of the ticket comes out here, marked.
            await pilot.press("p")
            await _until(pilot, lambda: second.complete("B-001") == 1)
            # U retries the original only on the kiosk's printer, still offline: nothing moves.
            await pilot.press("u")
            await pilot.pause(0.5)
            kiosk.mode = "ok"
            app.check_printers()
            await _until(pilot, lambda: app.printer_states.get("kiosk") == "ready")
            await pilot.pause()
            assert "kiosk siap" in str(app.screen.query_one("#printer-state").render())
            await pilot.press("u")
            await _until(pilot, lambda: kiosk.complete("B-001") == 1)
    finally:
        for server in (kiosk, counter, second):
            server.close()
    assert b"CETAK ULANG" in second.data and b"CETAK ULANG" not in kiosk.data
    assert counter.complete() == 0 and second.complete() == 1


async def test_the_counter_says_sent_after_a_retry_to_a_printer_that_cannot_answer(tmp_path, clock):
    paper = tmp_path / "loket.bin"
    settings = _config(tmp_path, "none", f"file:{paper}")
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: app.printer_states.get("loket") == "unconfirmed")
        await pilot.pause()
        assert "loket terkirim tanpa konfirmasi" in str(app.screen.query_one("#printer-state").render())
        with Store(settings.db_path, clock=clock) as store:
            issued = issue_ticket(store, settings, "B")  # the kiosk has no printer: held
        await pilot.pause()
        app.screen.refresh_data()
        await pilot.press("down")
        await pilot.press("p")  # a copy at this counter
        await _until(pilot, lambda: paper.exists() and paper.read_bytes().count(b"\x1dV\x00") == 1)
        await _until(pilot, lambda: any("terkirim" in str(n.message) for n in app._notifications))
        assert not any("dicetak" in str(n.message) for n in app._notifications)
    with Store(settings.db_path) as store:
        statuses = dict(store.conn.execute("SELECT is_copy, status FROM print_jobs").fetchall())
        assert statuses == {0: "held", 1: "sent"} and issued.job_id

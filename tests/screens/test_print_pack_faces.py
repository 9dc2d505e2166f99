"""A face meets a print job whose stored document no longer reads back (a damaged disk):
the counter says so and goes on, the other job prints; its reprint is the ticket made again
from its row. Real TCP printer, real store."""

from __future__ import annotations

from kiosk.i18n import t
from kiosk.store import Store
from kiosk.tickets import issue_ticket
from screens.counter_app import CounterApp
from tests.printer_server import CapturePrinter
from tests.screens.test_printer_screens import _config, _until


async def test_the_counter_says_a_damaged_job_and_prints_the_others(tmp_path, clock):
    kiosk, counter = CapturePrinter(), CapturePrinter()
    try:
        settings = _config(tmp_path, kiosk.url, counter.url)
        with Store(settings.db_path, clock=clock) as store:
            damaged = issue_ticket(store, settings, "B")
            issue_ticket(store, settings, "B")
            with store.write():
                store.conn.execute("UPDATE print_jobs SET document = ? WHERE id = ?",
                                   (b"\x02not deflate", damaged.job_id))
        app = CounterApp(settings, counter=1, clock=clock, spool=False)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("u")  # retry printing: the spooler's round, as the background one
            await _until(pilot, lambda: kiosk.complete("B-002") == 1)
            said = t("printpack.damaged", "id")
            await _until(pilot, lambda: any(str(n.message) == said for n in app._notifications))
            # A copy of the first waiting ticket, B-001, whose stored paper is damaged: the
            # ticket is made again from its row (tickets.reprint_ticket), at this counter.
            await pilot.press("p")
            await _until(pilot, lambda: counter.complete("B-001") == 1)
            copy = t("printpack.damaged_copy", "id", label="B-001")
            assert not any(str(n.message) == copy for n in app._notifications)
            assert app.is_running
    finally:
        kiosk.close()
        counter.close()
    assert kiosk.complete() == 1 and b"B-001" not in kiosk.data
    assert counter.complete() == 1 and b"CETAK ULANG" in counter.data and b"B-001" in counter.data

"""Make the print spool's compression dictionary (``data/print-N.zdict``).

    .venv/bin/python bench/print_zdict.py data/print-3.zdict

Print job documents are kept deflated with a preset dictionary (``kiosk.printing.pack_document``):
JSON of a few layouts (ticket, locker slip, invoice, receipt, SPPD, test page) whose keys,
bilingual labels and layout are the same in every office, so a 1.4 kB ticket packs to
~170 bytes in an office the dictionary never saw (~460 with the outbox's dictionary).

The documents are made here by the real use cases (tickets with and without an estimate,
a priority one, a locker, one order through the whole sales flow, a test page) for a
made-up office and made-up people, so nothing of a real office or person is in it: what
carries over to a real office is the layouts and the catalogue's text. Two documents of
every kind (tickets: one of each service), the most frequent last (deflate reaches the end of a dictionary most
cheaply), cut to deflate's 32 KiB window.

A shipped dictionary never changes: packed documents name the one they were packed with
(their first byte, numbered apart from the outbox's). A new one gets the next free number,
``kiosk.store.DICTIONARIES`` names its file and ``kiosk.printing.PRINT_ZDICT`` points to it.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402

WINDOW = 32 * 1024

# Made up: no real office, address or channel.
OFFICE = {"code": "1373", "name": "PST BPS Kabupaten Contoh", "address": "Jl. Contoh Raya No. 1, Contoh",
          "complaint_channels": ["s.bps.go.id/pengaduan-contoh", "pst-contoh@bps.go.id"],
          "counters": 3, "timezone": "Asia/Jakarta"}


def documents() -> list[tuple[str, str]]:
    """(kind, document JSON) of a made-up office's morning, oldest first."""
    import store_year

    bl.OFFICE.clear()
    bl.OFFICE.update(OFFICE)
    with tempfile.TemporaryDirectory(prefix="pst-print-zdict-") as tmpname:
        tmp = Path(tmpname)
        bl.isolate_env(tmp)
        _, db_path, settings = bl.write_settings(tmp)
        from kiosk import accounts, lockers, printing
        from kiosk.clock import FixedClock
        from kiosk.sales.papers import print_sppd
        from kiosk.store import Store, unpack_text
        from kiosk.tickets import issue_ticket, queue_for

        day = datetime.now(settings.office.tz).date() - timedelta(days=7)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        morning = datetime.combine(day, datetime.min.time(), settings.office.tz) + timedelta(hours=8)
        clock = FixedClock(morning)
        with Store(db_path, clock=clock) as store:
            admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
            store_year.USER_ID = accounts.add_user(store, admin, username="budi", name="Budi Contoh",
                                                   role="petugas", pin="284751").id
            accounts.add_user(store, admin, username="rina", name="Rina Contoh", role="bendahara", pin="435162")
            officer = accounts.find(store, "budi")
            queue = queue_for(store, settings).as_user(officer)
            for i in range(40):  # a morning: served tickets give the later ones an estimate
                clock.advance(minutes=4)
                issue_ticket(store, settings, "ABCD"[i % 4], priority=i % 13 == 5)
                if i % 3 == 0:
                    with_ticket = queue.call_next(1 + i % 3)
                    clock.advance(minutes=1)
                    queue.finish(queue.start(with_ticket.id).id)
            store_year.seed_guests(store, 25, random.Random(14))
            lockers.assign(store, settings, officer, id_type="ktp", id_number="1373014101900001",
                           holder_name="Tamu Contoh")
            printing.queue_test_page(store, settings)
            store_year.one_real_order(store, settings)
            order = store.row("SELECT id FROM orders")
            print_sppd(store, settings, officer, order["id"])
            return [(kind, unpack_text(doc)) for kind, doc in store.conn.execute(
                "SELECT kind, document FROM print_jobs ORDER BY created_at, id")]


def build(docs: list[tuple[str, str]]) -> bytes:
    by_kind: dict[str, list[str]] = {}
    for kind, text in docs:
        by_kind.setdefault(kind, []).append(text)
    parts: list[str] = []
    for kind in sorted(by_kind, key=lambda k: (len(by_kind[k]), k)):
        parts += by_kind[kind][-(4 if kind == "ticket" else 2):]  # tickets: one of each service
    return "".join(parts).encode()[-WINDOW:]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__)
        return 2
    data = build(documents())
    Path(argv[0]).write_bytes(data)
    print(f"{argv[0]}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

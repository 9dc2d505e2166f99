"""Benchmark: rendering a queue ticket to ESC/POS bytes and to plain text.

The document is the real one: ``kiosk.tickets.ticket_slip_document(settings, ticket,
ahead)`` for a ticket issued on a temp store (office with address and two complaint
channels). Rendered with ``printers.render.render_escpos`` for 80 and 58 mm paper with
the QR as a raster image and as the printer's native QR command, and with
``render_text``. Also: building the document, and the round trip the spooler does (the
job stores the document packed, ``printing.pack_document``, and reads it back before
printing, ``printing.read_document``), beside the bare JSON dump and parse.

    .venv/bin/python bench/render_ticket.py [--runs 300]

Prints median / p90 / max in ms and the output size; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=300, help="timed renders per variant")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pst-bench-render-") as tmpname:
        tmp = Path(tmpname)
        bl.isolate_env(tmp)
        t0 = time.perf_counter()
        import printers.render as render  # python-escpos loads its printer capabilities here
        import_ms = (time.perf_counter() - t0) * 1000
        from kiosk.store import Store
        from kiosk.tickets import issue_ticket, ticket_slip_document
        from printers.document import Document

        _, _, settings = bl.write_settings(tmp, printer="none")
        with Store(settings.db_path) as store:
            for i in range(6):  # 3 priority + 3 normal waiting for the same service
                issue_ticket(store, settings, "penjualan", priority=i % 2 == 0)
            issued = issue_ticket(store, settings, "penjualan", priority=True)
        ticket, ahead = issued.ticket, issued.ahead
        doc = ticket_slip_document(settings, ticket, ahead)

        variants = [
            (f"escpos {paper} mm, {'native' if native else 'raster'} QR",
             (lambda paper=paper, native=native: render.render_escpos(
                 doc, paper_mm=paper, qr_native=native)))
            for paper in (80, 58) for native in (False, True)
        ] + [(f"text {paper} mm", (lambda paper=paper: render.render_text(doc, paper_mm=paper)))
             for paper in (80, 58)]
        rows = []
        for name, fn in variants:
            t = time.perf_counter()
            out = fn()  # first call: profile lookup, QR/PIL code paths warm up
            first_ms = (time.perf_counter() - t) * 1000
            times = [bl.timed(fn) for _ in range(args.runs)]
            st = bl.ms_stats(times)
            size = len(out) if isinstance(out, bytes) else len(out.encode("utf-8"))
            rows.append((name, first_ms, st["median"], st["p90"], st["max"], size))

        from kiosk.printing import pack_document, read_document

        doc_json = doc.model_dump_json()
        packed = pack_document(doc)
        extra = [
            ("ticket_slip_document()", lambda: ticket_slip_document(settings, ticket, ahead)),
            ("Document JSON dump", doc.model_dump_json),
            ("pack_document (enqueue)", lambda: pack_document(doc)),
            ("Document JSON parse", lambda: Document.model_validate_json(doc_json)),
            ("read_document (print_job)", lambda: read_document(packed)),
        ]
        for name, fn in extra:
            t = time.perf_counter()
            fn()
            first_ms = (time.perf_counter() - t) * 1000
            st = bl.ms_stats([bl.timed(fn) for _ in range(args.runs)])
            rows.append((name, first_ms, st["median"], st["p90"], st["max"], len(doc_json)))
        preview = render.render_text(doc, paper_mm=58)

    print(bl.machine_line())
    print(f"ticket {ticket.number} (priority, {ahead} ahead), {len(doc.elements)} elements; "
          f"{args.runs} timed runs per variant; importing printers.render took {import_ms:.0f} ms")
    print(bl.table(["render (ms)", "first call", "median", "p90", "max", "bytes"], rows))
    print("\n58 mm text preview:")
    print(preview)
    return 0


if __name__ == "__main__":
    sys.exit(main())

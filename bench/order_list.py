"""Benchmark: opening the order list with 5k orders in the store (the counter's sales
screen and `pst-kiosk order list`). Prints medians; asserts nothing about time.

    .venv/bin/python bench/order_list.py [--orders 5000] [--runs 50]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402

STATUSES = ["draft", "agreed", "checked", "invoiced", "paid", "receipted", "delivered", "delivered",
            "delivered", "cancelled"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args(argv)
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="pst-bench-orders-") as tmpname:
        tmp = Path(tmpname)
        bl.isolate_env(tmp)
        _, db_path, settings = bl.write_settings(tmp)
        from kiosk import sales
        from kiosk.store import Store

        t0 = time.perf_counter()
        start = datetime.now(timezone.utc) - timedelta(days=365)
        orders, lines, invoices = [], [], []
        with Store(db_path) as store:
            for n in range(args.orders):
                when = start + timedelta(minutes=rnd.randint(0, 365 * 24 * 60))
                stamp = when.isoformat(timespec="microseconds")
                oid = bl.uuid7_at(when, rnd)
                status = rnd.choice(STATUSES)
                orders.append((oid, stamp, stamp, store.terminal_id, f"ORD/1373/{when.year}/{n + 1:05d}",
                               when.year, n + 1, status, f"Pelanggan {n}", "akademisi", "PP-13-2024"))
                total = 0
                for _ in range(rnd.randint(1, 3)):
                    amount = rnd.choice([50_000, 20_020, 70_000, 30_000])
                    total += amount
                    lines.append((bl.uuid7_at(when, rnd), stamp, store.terminal_id, oid, "data-mikro",
                                  "Susenas", 1, 1_001_000, amount))
                if status not in ("draft", "agreed", "checked"):
                    invoices.append((bl.uuid7_at(when, rnd), stamp, store.terminal_id, oid,
                                     f"INV/1373/{when.year}/{n + 1:05d}", 1, total, json.dumps([]), stamp,
                                     (when + timedelta(days=30)).isoformat(timespec="microseconds")))
            with store.write():
                store.conn.executemany(
                    "INSERT INTO orders(id, created_at, updated_at, terminal_id, number, year, seq, status,"
                    " customer_name, segment, regulation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", orders)
                store.conn.executemany(
                    "INSERT INTO order_lines(id, created_at, terminal_id, order_id, product, description,"
                    " quantity, measure, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", lines)
                store.conn.executemany(
                    "INSERT INTO invoices(id, created_at, terminal_id, order_id, number, version, total, lines,"
                    " issued_at, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", invoices)
            print(f"store: {args.orders} orders, {len(lines)} lines, {len(invoices)} invoices"
                  f" built in {time.perf_counter() - t0:.1f} s")
            rows = []
            for label, kwargs in (("first page (200, as the screen shows)", {}),
                                  ("all 5k", {"limit": 100_000}),
                                  ("awaiting payment", {"awaiting_payment": True}),
                                  ("invoice expiring in 7 days", {"expiring_within_days": 7}),
                                  ("one status (delivered)", {"status": "delivered"})):
                times = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    found = sales.list_orders(store, **kwargs)
                    times.append(time.perf_counter() - t)
                st = bl.ms_stats(times)
                rows.append((label, len(found), st["median"], st["p90"], st["max"]))
            one = sales.list_orders(store, limit=1)[0].id
            times = []
            for _ in range(args.runs):
                t = time.perf_counter()
                sales.get(store, one)
                times.append(time.perf_counter() - t)
            st = bl.ms_stats(times)
            rows.append(("open one order (sales.get)", 1, st["median"], st["p90"], st["max"]))
        print(bl.table(["query", "rows", "median ms", "p90 ms", "max ms"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

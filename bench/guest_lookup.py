"""Benchmark: finding a returning guest among 50k by ID number and by email (the kiosk's
"Pernah berkunjung?" step). Prints medians; asserts nothing about time.

    .venv/bin/python bench/guest_lookup.py [--guests 50000] [--lookups 500]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402


def _nik(rnd: random.Random) -> str:
    day = rnd.randint(1, 28) + (40 if rnd.random() < 0.5 else 0)
    return f"3273{rnd.randint(1, 30):02d}{day:02d}{rnd.randint(1, 12):02d}{rnd.randint(50, 99):02d}{rnd.randint(1, 9999):04d}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--guests", type=int, default=50_000)
    ap.add_argument("--lookups", type=int, default=500)
    args = ap.parse_args(argv)
    rnd = random.Random(2026)
    with tempfile.TemporaryDirectory(prefix="pst-bench-guests-") as tmpname:
        tmp = Path(tmpname)
        bl.isolate_env(tmp)
        _, db_path, settings = bl.write_settings(tmp)
        from kiosk import identity
        from kiosk.guestbook import find_returning
        from kiosk.store import Store

        t0 = time.perf_counter()
        start = datetime.now(timezone.utc) - timedelta(days=365)
        rows, seen = [], set()
        with Store(db_path) as store:
            while len(rows) < args.guests:
                nik = _nik(rnd)
                if nik in seen:
                    continue
                seen.add(nik)
                when = (start + timedelta(minutes=rnd.randint(0, 365 * 24 * 60))).isoformat(timespec="microseconds")
                n = len(rows)
                rows.append((bl.uuid7_at(datetime.fromisoformat(when), rnd), when, when, store.terminal_id,
                             f"Tamu Nomor {n}", "ktp", nik, identity.mask(nik), f"tamu{n}@example.com",
                             "akademisi", "2026-11-01", when))
            with store.write():
                store.conn.executemany(
                    "INSERT INTO guests(id, created_at, updated_at, terminal_id, name, id_type, id_number,"
                    " id_masked, email, segment, consent_version, consent_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            built = time.perf_counter() - t0
            print(f"store: {args.guests} guests built in {built:.1f} s ({db_path.stat().st_size / 1e6:.1f} MB)")
            picks = [rnd.choice(rows) for _ in range(args.lookups)]
            for row in picks[:20]:  # warm
                find_returning(store, row[6])
            results = []
            for label, queries in (
                ("by ID number (typed with spaces)", [f"{r[6][:4]} {r[6][4:8]} {r[6][8:12]} {r[6][12:]}" for r in picks]),
                ("by email (typed in capitals)", [r[8].upper() for r in picks]),
                ("unknown (miss)", [f"nobody{i}@example.com" for i in range(args.lookups)]),
            ):
                times = []
                for q in queries:
                    t = time.perf_counter()
                    found = find_returning(store, q)
                    times.append(time.perf_counter() - t)
                    assert (found is None) == label.startswith("unknown")
                st = bl.ms_stats(times)
                results.append((label, st["n"], st["median"], st["p90"], st["max"]))
        print(bl.table(["lookup", "n", "median ms", "p90 ms", "max ms"], results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

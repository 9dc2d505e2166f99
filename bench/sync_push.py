"""Benchmark: pushing the outbox to the central PostgreSQL, against a bare psycopg batch
insert of the same rows (ratio; the goal is at least 0.5), and memory while pushing.

    .venv/bin/python bench/sync_push.py [--changes 100000] [--batch 500]
        [--admin-dsn "host=127.0.0.1 user=postgres dbname=postgres"]

Creates and drops its own database and office role. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def vm_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--changes", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--admin-dsn", default="host=127.0.0.1 user=postgres dbname=postgres")
    args = ap.parse_args(argv)
    import psycopg

    dbname = f"pst_bench_{uuid.uuid4().hex[:8]}"
    prefix = f"{dbname}_o_"
    with psycopg.connect(args.admin_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        with tempfile.TemporaryDirectory(prefix="pst-bench-sync-") as tmpname:
            tmp = Path(tmpname)
            bl.isolate_env(tmp)
            _, db_path, settings = bl.write_settings(tmp)
            from kiosk import central, sync
            from kiosk.store import Store

            super_dsn = f"host=127.0.0.1 user=postgres dbname={dbname}"
            central.init(super_dsn, role_prefix=prefix)
            central.add_office(super_dsn, "1373")
            office_dsn = f"host=127.0.0.1 user={prefix}1373 dbname={dbname}"
            settings = settings.model_validate({**settings.model_dump(mode="json"), "central_dsn": office_dsn})

            rnd = random.Random(1)
            start = datetime.now(timezone.utc) - timedelta(days=200)
            rows = []
            t0 = time.perf_counter()
            with Store(db_path) as store:
                for n in range(args.changes):
                    when = start + timedelta(seconds=n * 30)
                    entity_id = bl.uuid7_at(when, rnd) if n % 7 == 0 or not rows else rows[-1][2]
                    payload = {"id": entity_id, "number": f"B-{n % 400:03d}", "service": "penjualan",
                               "letter": "B", "seq": n % 400, "day": when.date().isoformat(),
                               "status": rnd.choice(["waiting", "called", "serving", "done"]),
                               "priority": False, "counter": 1 + n % 3,
                               "issued_at": when.isoformat(), "queued_at": when.isoformat(),
                               "called_at": None, "last_called_at": None, "recalls": 0, "started_at": None,
                               "finished_at": None, "no_show_at": None, "transferred_at": None,
                               "transferred_from": None, "transferred_to": None}
                    rows.append((bl.uuid7_at(when, rnd), "ticket", entity_id, "call",
                                 json.dumps(payload, separators=(",", ":")), store.terminal_id,
                                 when.isoformat(timespec="microseconds")))
                with store.write():
                    store.conn.executemany(
                        "INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
                print(f"outbox: {args.changes} changes built in {time.perf_counter() - t0:.1f} s;"
                      f" batch {args.batch}")

                rss_before = vm_rss_mb()
                with central.connect(office_dsn) as conn:
                    t = time.perf_counter()
                    pushed = sync.push(store, settings, conn, batch=args.batch)
                    push_s = time.perf_counter() - t
                hwm_after = vm_hwm_mb()

            # The baseline: the same rows, a plain table, psycopg executemany in the same batches.
            with psycopg.connect(super_dsn) as conn:
                conn.execute("CREATE TABLE bare (office_code text, change_id text PRIMARY KEY, terminal_id text,"
                             " seq bigint, entity text, entity_id text, op text, payload jsonb,"
                             " created_at timestamptz)")
                conn.commit()
                t = time.perf_counter()
                for i in range(0, len(rows), args.batch):
                    chunk = rows[i:i + args.batch]
                    with conn.transaction():
                        conn.cursor().executemany(
                            "INSERT INTO bare VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                            [("1373", r[0], r[5], i + k + 1, r[1], r[2], r[3], r[4], r[6])
                             for k, r in enumerate(chunk)])
                bare_s = time.perf_counter() - t
            push_rate = pushed / push_s
            bare_rate = len(rows) / bare_s
            print(bl.table(["", "rows", "seconds", "rows/s"], [
                ("sync.push (COPY + changes + latest-state upserts, RLS role)", pushed, push_s, push_rate),
                ("bare psycopg executemany insert, superuser", len(rows), bare_s, bare_rate),
            ]))
            ratio = push_rate / bare_rate
            print(f"ratio push/bare: {ratio:.2f} (goal >= 0.5: {'ok' if ratio >= 0.5 else 'OVER'})")
            print(f"memory: RSS before push {rss_before:.0f} MB, peak during the run {hwm_after:.0f} MB"
                  f" (outbox rows held by the benchmark itself included)")
    finally:
        with psycopg.connect(args.admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{prefix}1373"')
    return 0


if __name__ == "__main__":
    sys.exit(main())

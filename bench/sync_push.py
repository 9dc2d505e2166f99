"""Benchmark: pushing the outbox to the central PostgreSQL, against a bare psycopg batch
insert of the same rows (ratio; the goal is at least 0.5), and the peak memory of a process
that only pushes (the benchmark's own list of rows is not in it).

    .venv/bin/python bench/sync_push.py [--changes 100000] [--batch 500]
        [--admin-dsn "host=127.0.0.1 user=postgres dbname=postgres"]

Creates and drops its own database and office role. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402


ROOT = Path(__file__).resolve().parents[1]

# Run as a child: open the store, push everything, report time and memory (from /proc) as JSON.
PUSH_CHILD = """
import json, sys, time
from pathlib import Path

def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0

from kiosk import config
from kiosk.central import admin as central
from kiosk.central import sync
from kiosk.store import Store

settings = config.load(Path(sys.argv[1]))
with Store(settings.db_path) as store, central.connect(sys.argv[2]) as conn:
    rss_before = status("VmRSS")
    started = time.perf_counter()
    pushed = sync.push(store, settings, conn, batch=int(sys.argv[3]))
    seconds = time.perf_counter() - started
print(json.dumps({"pushed": pushed, "seconds": seconds, "rss_before_mb": rss_before, "peak_mb": status("VmHWM")}))
"""


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
            config_path, db_path, settings = bl.write_settings(tmp)
            from kiosk.central import admin as central
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

            # The push runs in a process of its own, as in a face's worker: its peak memory
            # is the push's, not this benchmark's list of outbox rows.
            child = subprocess.run(
                [sys.executable, "-c", PUSH_CHILD, str(config_path), office_dsn, str(args.batch)],
                capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            measured = json.loads(child.stdout.strip().splitlines()[-1])
            pushed, push_s = measured["pushed"], measured["seconds"]

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
            print(f"memory of the pushing process: RSS before the push {measured['rss_before_mb']:.0f} MB,"
                  f" peak {measured['peak_mb']:.0f} MB")
    finally:
        with psycopg.connect(args.admin_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{prefix}1373"')
    return 0


if __name__ == "__main__":
    sys.exit(main())

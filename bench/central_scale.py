"""Benchmark: the central store at national scale.

1. A centre holding many offices' year (default 50 offices x 100,000 tickets, with visits,
   guests, ratings, orders with receipts), generated with generate_series straight into
   the latest-state tables; one office's full outbox history (every change) for the size.
   Prints the size of the central store per office-year.
2. The central report as a national reader (row-level security and the reading views):
   the national month report and one province's year report, median of ``--runs``
   (goal under 1 s).
3. ``--pushers`` offices pushing their day at once (a process each, kiosk's real
   ``sync.push`` from a real SQLite store made by the use cases), against one office
   pushing the same day alone: total rows per second and the slowest office's time.

    .venv/bin/python bench/central_scale.py [--offices 50] [--tickets 100000] [--runs 5]
        [--pushers 50] [--day-tickets 300] [--admin-dsn "host=127.0.0.1 user=postgres dbname=postgres"]

Creates and drops its own database and roles. Prints numbers; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
YEAR = 2025
PROVINCES = ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36",
             "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81", "82",
             "91", "92", "94", "95", "96", "97")

TICKETS = """
INSERT INTO pst.tickets (office_code, id, data, change_id, changed_at)
SELECT %(office)s, x.id, jsonb_build_object(
         'id', x.id, 'number', x.letter || '-' || lpad((g %% 300)::text, 3, '0'), 'service', x.service,
         'letter', x.letter, 'seq', g %% 300, 'day', x.day, 'status', x.status, 'priority', g %% 17 = 0,
         'counter', 1 + g %% 3, 'issued_at', x.at, 'queued_at', x.at,
         'called_at', CASE WHEN x.status <> 'waiting' THEN x.at + x.wait * interval '1 second' END,
         'last_called_at', NULL, 'recalls', 0,
         'started_at', CASE WHEN x.status = 'done' THEN x.at + x.wait * interval '1 second' END,
         'finished_at', CASE WHEN x.status = 'done' THEN x.at + (x.wait + 600) * interval '1 second' END,
         'no_show_at', NULL, 'transferred_at', NULL, 'transferred_from', NULL, 'transferred_to', NULL,
         'wait_seconds', CASE WHEN x.status <> 'waiting' THEN x.wait END,
         'service_seconds', CASE WHEN x.status = 'done' THEN 600 END),
       'c' || x.id, x.at
  FROM generate_series(1, %(n)s) g,
       LATERAL (SELECT %(office)s || '-t' || g AS id,
                       (ARRAY['perpustakaan', 'penjualan', 'konsultasi', 'rekomendasi'])[1 + g %% 4] AS service,
                       (ARRAY['A', 'B', 'C', 'D'])[1 + g %% 4] AS letter,
                       to_char(%(start)s::date + ((g - 1) * 365 / %(n)s), 'YYYY-MM-DD') AS day,
                       (%(start)s::date + ((g - 1) * 365 / %(n)s))::timestamp AT TIME ZONE 'Asia/Jakarta'
                         + interval '8 hours' + (g %% 300) * interval '90 seconds' AS at,
                       CASE WHEN g %% 23 = 0 THEN 'no_show' WHEN g %% 997 = 0 THEN 'waiting' ELSE 'done' END AS status,
                       (random() * random() * 1800)::int AS wait) x
"""

VISITS = """
INSERT INTO pst.visits (office_code, id, data, change_id, changed_at)
SELECT t.office_code, t.id || 'v', jsonb_build_object(
         'id', t.id || 'v', 'day', t.data->>'day', 'guest_id', t.id || 'g', 'ticket_id', t.id,
         'service', t.data->>'service', 'purpose', 'tugas', 'segment', 'akademisi', 'education', 's1',
         'gender', 'p', 'disability', 0, 'consent_version', '2026-1', 'is_returning', 0),
       t.change_id || 'v', t.changed_at
  FROM pst.tickets t WHERE t.office_code = %(office)s AND right(t.id, 1) IN ('0', '2', '4', '6', '8')
"""

GUESTS = """
INSERT INTO pst.guests (office_code, id, data, change_id, changed_at)
SELECT v.office_code, v.data->>'guest_id', jsonb_build_object(
         'id', v.data->>'guest_id', 'name', 'Tamu ' || v.id, 'id_type', 'ktp', 'id_masked', '3273********0001',
         'id_hash', md5(v.id), 'email', 'tamu' || md5(v.id) || '@example.com', 'phone', '0812****0000',
         'institution', 'Universitas Andalas', 'segment', 'akademisi', 'gender', 'p', 'education', 's1'),
       v.change_id || 'g', v.changed_at
  FROM pst.visits v WHERE v.office_code = %(office)s
"""

RATINGS = """
INSERT INTO pst.ratings (office_code, id, data, change_id, changed_at)
SELECT t.office_code, t.id || 'r', jsonb_build_object(
         'id', t.id || 'r', 'day', t.data->>'day', 'ticket_id', t.id, 'service', t.data->>'service',
         'u1', 1 + (random() * 3)::int, 'u2', 1 + (random() * 3)::int, 'u3', 1 + (random() * 3)::int,
         'u4', 1 + (random() * 3)::int, 'u5', 1 + (random() * 3)::int, 'u6', 3, 'u7', 4, 'u8', 3, 'u9', 4,
         'comment', NULL),
       t.change_id || 'r', t.changed_at
  FROM pst.tickets t WHERE t.office_code = %(office)s AND right(t.id, 1) IN ('1', '5')
"""

ORDERS = """
INSERT INTO pst.orders (office_code, id, data, change_id, changed_at)
SELECT t.office_code, t.id || 'o', jsonb_build_object(
         'id', t.id || 'o', 'number', 'ORD-' || t.id, 'status', 'delivered', 'segment', 'akademisi',
         'customer_name', 'Pelanggan', 'npwp', NULL, 'created_at', t.changed_at, 'updated_at', t.changed_at,
         'lines', jsonb_build_array(jsonb_build_object('id', t.id || 'l', 'product',
                    (ARRAY['publikasi-elektronik', 'mikrodata-fullset', 'peta-wilkerstat'])[1 + length(t.id) %% 3],
                    'description', 'Publikasi', 'quantity', 1, 'amount', 50000)),
         'payments', jsonb_build_array(jsonb_build_object('id', t.id || 'p',
                    'method', (ARRAY['cash', 'billing', 'transfer'])[1 + length(t.id) %% 3], 'amount', 50000,
                    'status', 'verified', 'created_at', t.changed_at, 'verified_at', t.changed_at)),
         'receipt', jsonb_build_object('id', t.id || 'k', 'number', 'KW-' || t.id, 'amount', 50000,
                    'terbilang', 'lima puluh ribu rupiah', 'issued_at', t.changed_at + interval '1 hour')),
       t.change_id || 'o', t.changed_at
  FROM pst.tickets t WHERE t.office_code = %(office)s AND t.data->>'service' = 'penjualan'
   AND right(t.id, 1) IN ('3', '7') AND right(t.id, 2) < '40'
"""

# One office's outbox history: every change of its records, as the push leaves it.
CHANGES = """
INSERT INTO pst.changes (office_code, change_id, terminal_id, seq, entity, entity_id, op, payload, created_at)
SELECT office_code, change_id || '-' || k, 'term-1', row_number() OVER (), entity, id, op, data, changed_at
  FROM (SELECT office_code, change_id, 'ticket' AS entity, id, 'call' AS op, data, changed_at, k
          FROM pst.tickets, generate_series(1, 4) k WHERE office_code = %(office)s
        UNION ALL SELECT office_code, change_id, 'visit', id, 'add', data, changed_at, 1
          FROM pst.visits WHERE office_code = %(office)s
        UNION ALL SELECT office_code, change_id, 'guest', id, 'add', data, changed_at, 1
          FROM pst.guests WHERE office_code = %(office)s
        UNION ALL SELECT office_code, change_id, 'rating', id, 'add', data, changed_at, 1
          FROM pst.ratings WHERE office_code = %(office)s
        UNION ALL SELECT office_code, change_id, 'order', id, 'update', data, changed_at, k
          FROM pst.orders, generate_series(1, 8) k WHERE office_code = %(office)s) s
"""

LAST_SYNC = """
INSERT INTO pst.changes (office_code, change_id, terminal_id, seq, entity, entity_id, op, payload, created_at)
SELECT code, 'last', 'term-1', 1, 'audit', 'x', 'add', '{}', now() FROM pst.offices
ON CONFLICT DO NOTHING
"""

# A child: open its office's store, connect as its role, wait for the start file, push.
PUSH_CHILD = """
import json, sys, time
from pathlib import Path
from kiosk import config
from kiosk.central import admin, sync
from kiosk.store import Store

settings = config.load(Path(sys.argv[1]))
go = Path(sys.argv[3])
with Store(settings.db_path) as store, admin.connect(sys.argv[2]) as conn:
    conn.execute("SELECT 1"); conn.commit()
    print("ready", flush=True)
    while not go.exists():
        time.sleep(0.005)
    started = time.time()
    pushed = sync.push(store, settings, conn)
    ended = time.time()
print(json.dumps({"pushed": pushed, "started": started, "ended": ended}))
"""


def office_codes(n: int) -> list[str]:
    """Offices spread over provinces, ten to a province: 1101..1110, 1201..."""
    return [f"{PROVINCES[(i // 10) % len(PROVINCES)]}{i % 10 + 1 + (i // (10 * len(PROVINCES))) * 10:02d}"
            for i in range(n)]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a local process (the report's database backend), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # not on this machine, or not Linux
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def size(conn, tables: list[str]) -> int:  # noqa: ANN001
    """Bytes on disk with indexes and TOAST; a partitioned table's are its partitions'."""
    return sum(conn.execute(
        "SELECT (pg_total_relation_size(%(t)s::regclass) + COALESCE((SELECT sum(pg_total_relation_size(inhrelid))"
        " FROM pg_inherits WHERE inhparent = %(t)s::regclass), 0))::bigint", {"t": f"pst.{t}"}).fetchone()[0] for t in tables)


def make_day_store(tmp: Path, tickets: int) -> tuple[Path, int]:
    """One office's working day made by the use cases: tickets called and served, a guest's
    visit for every other ticket, a rating for one in five. Returns the store and its changes."""
    from kiosk import survey
    from kiosk.clock import FixedClock
    from kiosk.guestbook import register_visit, validate_guest
    from kiosk.store import Store
    from kiosk.tickets import issue_ticket, queue_for

    _config, db_path, settings = bl.write_settings(tmp, name="day.toml", db="day.db")
    clock = FixedClock(datetime(2026, 3, 2, 1, tzinfo=UTC))
    with Store(db_path, clock=clock) as store:
        queue = queue_for(store, settings)
        for i in range(tickets):
            if i % 2:
                issue_ticket(store, settings, "ABCD"[i % 4])
            else:
                guest = {"name": f"Tamu {i}", "id_type": "ktp", "id_number": f"327301410190{i % 9999 + 1:04d}",
                         "email": f"tamu{i}@example.com", "segment": "akademisi"}
                register_visit(store, settings, service="ABCD"[i % 4], purpose="tugas", consent=True,
                               guest=validate_guest(guest))
            clock.advance(seconds=40)
            called = queue.call_next(1 + i % 3)
            queue.start(called.id)
            queue.finish(called.id)
            if i % 5 == 0:
                survey.submit(store, queue, survey.find_rateable(store, queue, called.number),
                              dict.fromkeys(survey.ELEMENTS, 3))
        changes = store.conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0]
    return db_path, changes


def office_store(tmp: Path, day_db: Path, code: str, dsn: str) -> Path:
    from kiosk import config

    folder = tmp / code
    folder.mkdir()
    shutil.copy(day_db, folder / "pst.db")
    raw = {"db": str(folder / "pst.db"), "office": {**bl.OFFICE, "code": code}, "central_dsn": dsn,
           "printer": {"url": "none"}, "kiosk": {"staff_exit_code": "246810"}}
    config.save_file(folder / "config.toml", raw)
    return folder / "config.toml"


def push_all(configs: list[tuple[Path, str]], go: Path, env: dict[str, str]) -> list[dict]:
    children = [subprocess.Popen([sys.executable, "-c", PUSH_CHILD, str(cfg), dsn, str(go)], env=env,
                                 stdout=subprocess.PIPE, text=True) for cfg, dsn in configs]
    for child in children:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    go.touch()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=600)
        results.append(json.loads(out.strip().splitlines()[-1]))
    go.unlink()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--offices", type=int, default=50)
    ap.add_argument("--tickets", type=int, default=100_000, help="tickets per office-year")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pushers", type=int, default=50)
    ap.add_argument("--day-tickets", type=int, default=300)
    ap.add_argument("--admin-dsn", default="host=127.0.0.1 user=postgres dbname=postgres")
    ap.add_argument("--keep", action="store_true", help="keep the database (to look at plans), skip the push")
    args = ap.parse_args(argv)
    import psycopg

    from kiosk.central import admin, readers
    from kiosk.central.report import central_report

    dbname = f"pst_bench_{uuid.uuid4().hex[:8]}"
    prefix = f"{dbname}_o_"
    with psycopg.connect(args.admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{dbname}"')
    owner = f"host=127.0.0.1 user=postgres dbname={dbname}"
    try:
        with tempfile.TemporaryDirectory(prefix="pst-bench-central-") as tmpname:
            tmp = Path(tmpname)
            env = bl.isolate_env(tmp)
            admin.init(owner, role_prefix=prefix)
            codes = office_codes(args.offices)
            pushers = [f"99{i:02d}" for i in range(args.pushers + 1)]  # the last pushes alone
            for code in [*codes, *pushers]:
                admin.add_office(owner, code)
            params = {"start": f"{YEAR}-01-01", "n": args.tickets}
            t0 = time.perf_counter()
            with psycopg.connect(owner, autocommit=True) as conn:
                for i, code in enumerate(codes):
                    for query in (TICKETS, VISITS, GUESTS, RATINGS, ORDERS):
                        conn.execute(query, {**params, "office": code})
                    if (i + 1) % 10 == 0 or i + 1 == len(codes):
                        print(f"  {i + 1}/{len(codes)} offices' year loaded ({time.perf_counter() - t0:.0f} s)",
                              flush=True)
                latest = ["tickets", "visits", "guests", "ratings", "orders"]
                before = size(conn, ["changes"])
                conn.execute(CHANGES, {"office": codes[0]})
                history = size(conn, ["changes"]) - before
                conn.execute(LAST_SYNC)
                conn.execute("VACUUM ANALYZE")
                counts = {t: conn.execute(f"SELECT count(*) FROM pst.{t}").fetchone()[0] for t in latest}
                state = size(conn, latest)
            print(f"loaded in {time.perf_counter() - t0:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
            print(f"central store per office-year: latest state {state / len(codes) / 1e6:.1f} MB"
                  f" + outbox history {history / 1e6:.1f} MB = {(state / len(codes) + history) / 1e6:.1f} MB"
                  f" ({args.tickets:,} tickets)")

            readers.add_reader(owner, f"{dbname}_nat", province=None, password="Bench-Reader-Pass")
            reader = f"host=127.0.0.1 user={dbname}_nat dbname={dbname}"
            now = datetime(YEAR + 1, 1, 1, tzinfo=UTC)
            province = codes[0][:2]
            rows = []
            with psycopg.connect(reader) as conn:
                backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
                conn.commit()
                for label, start, end, prov, runs in (
                        (f"national month ({len(codes)} offices)", date(YEAR, 6, 1), date(YEAR, 6, 30), None, args.runs),
                        (f"province {province} year ({sum(c.startswith(province) for c in codes)} offices)",
                         date(YEAR, 1, 1), date(YEAR, 12, 31), province, args.runs),
                        ("national year", date(YEAR, 1, 1), date(YEAR, 12, 31), None, 1)):
                    times, cpu = [], []
                    for _ in range(runs):
                        t, c = time.perf_counter(), cpu_seconds(backend)
                        data = central_report(conn, start, end, now=now, province=prov)
                        times.append(time.perf_counter() - t)
                        cpu.append(cpu_seconds(backend) - c)
                    goal = "" if label.startswith("national year") else ("ok" if statistics.median(times) < 1 else "OVER")
                    rows.append((label, data["total"]["tickets"]["issued"], statistics.median(times), max(times),
                                 statistics.median(cpu), goal))
            print(bl.table(["central report as a national reader", "tickets", "median s", "max s",
                            "server CPU s", "goal < 1 s"], rows))
            print("(server CPU s: the database backend's own CPU time for the report, from /proc: what the"
                  " report costs on an idle core, whatever else the machine runs)")

            if args.keep:
                print(f"kept: {owner} (reader {reader})")
                return 0
            t0 = time.perf_counter()
            day_db, changes = make_day_store(tmp, args.day_tickets)
            print(f"an office's day: {args.day_tickets} tickets, {changes} changes (made in"
                  f" {time.perf_counter() - t0:.0f} s by the use cases)")
            configs = [(office_store(tmp, day_db, code, f"host=127.0.0.1 user={prefix}{code} dbname={dbname}"),
                        f"host=127.0.0.1 user={prefix}{code} dbname={dbname}") for code in pushers]
            alone = push_all(configs[-1:], tmp / "go-alone", env)[0]
            together = push_all(configs[:-1], tmp / "go", env)
            alone_s = alone["ended"] - alone["started"]
            wall = max(r["ended"] for r in together) - min(r["started"] for r in together)
            slowest = max(r["ended"] - r["started"] for r in together)
            total = sum(r["pushed"] for r in together)
            print(bl.table(["push of an office's day", "offices", "rows", "wall s", "rows/s", "slowest office s"], [
                ("one office alone", 1, alone["pushed"], alone_s, alone["pushed"] / alone_s, alone_s),
                (f"{len(together)} offices at once", len(together), total, wall, total / wall, slowest),
            ]))
    finally:
        if args.keep:
            return 0
        with psycopg.connect(args.admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                                        (dbname + "%",)).fetchall():
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')
    return 0


if __name__ == "__main__":
    sys.exit(main())

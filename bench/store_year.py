"""Benchmark: the store after a year of office data, before and after retention.

    .venv/bin/python bench/store_year.py [--tickets 100000] [--guests 50000] [--orders 5000]

Budget (DESIGN.md): a year of office data (100k tickets, 50k guests, 5k orders, with their
print jobs and changes, synced) under 100 MB.

How the year is made (one store, direct SQL where the use cases would take an hour):

- tickets: ``_benchlib.seed_history`` (the take_ticket benchmark's year: 100k tickets on the
  working days, their outbox changes take/call/[recall]/start/finish|no_show and a printed
  ticket job each with the real ticket document, packed as ``printing.enqueue`` keeps it), plus the audit entry the use cases write
  beside every officer action, in its real shape (``kiosk.audit.record``).
- guests and visits: rows as the guestbook writes them; each guest's change payload is made
  by the real ``guestbook.guest_sync_payload`` (masked number, keyed hash), each visit's is
  the visit row, as ``register_visit`` records it.
- the desk's own records (``--no-desk`` leaves them out): a service record for every
  finished ticket and a rating for one visit in three, with their changes (``seed_desk``).
- orders: ONE order runs the whole real sales flow (create, lines, agree, documents,
  invoice printed, prepared, payment, verified, receipt printed, SPPD, handed over); its rows,
  outbox changes, audit entries and print jobs are then copied for every order, with new ids,
  numbers and dates spread over the year (documents unpacked to be changed, packed again).
- acknowledgement: the centre's acknowledgement is the sync cursor ``sync.pushed_seq``, which
  ``kiosk.central.sync.push`` moves after each central commit. The benchmark sets it to the newest
  change, as a sync after the year's last change would (no PostgreSQL needed; the
  sync_push benchmark measures the push itself). A last day of changes is left unsent to
  show that those stay.

It prints the size with every table's share (dbstat) before and after
``kiosk.retention.prune`` at the year's end (which archives the days past ``detail_days``:
kiosk/archive.py), what a report of today, of an archived month and of the whole year
then takes, and the time of ``pst-kiosk backup``'s copy.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402

BUDGET_MB = 100.0
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def sizes(store) -> dict[str, int]:  # noqa: ANN001
    """Bytes per table, its indexes counted with it (dbstat)."""
    owner = {name: tbl for name, tbl in store.conn.execute(
        "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')")}
    out: dict[str, int] = {}
    for name, size in store.conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
        table = owner.get(name, name)
        out[table] = out.get(table, 0) + size
    return out


def file_mb(path: Path) -> float:
    wal = path.with_name(path.name + "-wal")
    return (path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)) / 1e6


USER_ID = ""  # the officer's id, once made


def pack_outbox(store) -> None:  # noqa: ANN001
    """The seeds write the outbox with plain SQL, payloads as JSON; the outbox keeps them as
    ``Store.record_change`` does: nulls left out (``kiosk.store.outbox_json``) and packed
    (``kiosk.store.pack_payload``). Rewritten a range at a time, deleted and inserted again
    (packing rows in place would leave their pages half empty, which record_change never does)."""
    from kiosk.store import outbox_json, pack_payload

    cols = "seq, id, entity, entity_id, op, payload, terminal_id, created_at"
    top = store.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]
    for lo in range(0, top, 50_000):
        with store.write():
            rows = store.conn.execute(f"SELECT {cols} FROM changes WHERE seq > ? AND seq <= ? ORDER BY seq",
                                      (lo, lo + 50_000)).fetchall()
            store.conn.execute("DELETE FROM changes WHERE seq > ? AND seq <= ?", (lo, lo + 50_000))
            store.conn.executemany(
                f"INSERT INTO changes({cols}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*r[:5], r[5] if isinstance(r[5], bytes) else pack_payload(outbox_json(json.loads(r[5]))), *r[6:])
                 for r in rows])


def seed_audit(store, rnd) -> int:  # noqa: ANN001
    """The audit entry beside every officer action on a ticket (ticket.call, .start, ...)."""
    from kiosk.store import outbox_json

    rows = store.conn.execute(
        "SELECT entity_id, op, created_at, json_extract(payload, '$.number'),"
        " json_extract(payload, '$.counter') FROM changes WHERE entity = 'ticket' AND op != 'take'").fetchall()
    audit_rows, change_rows = [], []
    for tid, op, at, number, counter in rows:
        when = datetime.fromisoformat(at)
        aid = bl.uuid7_at(when, rnd)
        entry = {"id": aid, "at": at, "terminal_id": store.terminal_id, "user_id": USER_ID, "username": "budi",
                 "action": f"ticket.{op}", "entity": "ticket", "entity_id": tid}
        detail = {"number": number, "counter": counter}
        audit_rows.append((*entry.values(), json.dumps(detail, separators=(",", ":"))))
        change_rows.append((bl.uuid7_at(when, rnd), "audit", aid, "add",
                            outbox_json({**entry, "detail": detail}), store.terminal_id, at))
    with store.write():
        store.conn.executemany("INSERT INTO audit(id, at, terminal_id, user_id, username, action, entity, entity_id,"
                               " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", audit_rows)
        store.conn.executemany("INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)", change_rows)
    return len(change_rows)


def seed_guests(store, n: int, rnd) -> int:  # noqa: ANN001
    from kiosk import guestbook, identity
    from kiosk.store import outbox_json

    tickets = store.rows("SELECT id, day, service, issued_at FROM tickets")
    rnd.shuffle(tickets)
    segments = ["akademisi", "pemerintah", "swasta", "perorangan", "peneliti"]
    guests, visits = [], []
    with store.write():
        guestbook.ensure_id_key(store)
    for i in range(n):
        t = tickets[i % len(tickets)]
        when = datetime.fromisoformat(t["issued_at"])
        gid = bl.uuid7_at(when, rnd)
        number = f"3273{rnd.randint(1, 99):02d}{rnd.randint(1, 28):02d}{rnd.randint(1, 12):02d}{rnd.randint(60, 99)}{i % 10000:04d}"
        seg = rnd.choice(segments)
        guests.append({"id": gid, "created_at": t["issued_at"], "updated_at": t["issued_at"],
                       "terminal_id": store.terminal_id, "name": f"Tamu Pengunjung {i}", "id_type": "ktp",
                       "id_number": number, "id_masked": identity.mask(number), "email": f"tamu{i}@example.com",
                       "phone": f"+62812{rnd.randint(10_000_000, 99_999_999)}", "institution": "Universitas Andalas",
                       "segment": seg, "gender": rnd.choice(["l", "p"]), "education": rnd.choice(["s1", "sma", "s2"]),
                       "disability": 0, "consent_version": "2026-11-01", "consent_at": t["issued_at"]})
        visits.append({"id": bl.uuid7_at(when, rnd), "created_at": t["issued_at"], "terminal_id": store.terminal_id,
                       "day": t["day"], "guest_id": gid, "ticket_id": t["id"], "service": t["service"],
                       "purpose": "tugas", "segment": seg, "education": guests[-1]["education"],
                       "gender": guests[-1]["gender"], "disability": 0, "consent_version": "2026-11-01",
                       "is_returning": 0})
    with store.write():
        store.db["guests"].insert_all(guests)
        store.db["visits"].insert_all(visits)
    changes = []
    for g, v in zip(guests, visits):
        payload = guestbook.guest_sync_payload(store, g["id"])
        changes.append((bl.uuid7_at(datetime.fromisoformat(g["created_at"]), rnd), "guest", g["id"], "add",
                        outbox_json(payload), store.terminal_id, g["created_at"]))
        changes.append((bl.uuid7_at(datetime.fromisoformat(v["created_at"]), rnd), "visit", v["id"], "add",
                        outbox_json(v), store.terminal_id, v["created_at"]))
    with store.write():
        store.conn.executemany("INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)", changes)
    return len(changes)


SUBJECTS = ("kependudukan", "tenaga_kerja", "pendidikan", "kemiskinan", "harga", "pertanian")
INDICATORS = ("Indeks Pembangunan Manusia", "Tingkat Pengangguran Terbuka", "Jumlah Penduduk",
              "Persentase Penduduk Miskin", "Inflasi Tahun ke Tahun", "Produksi Padi")
SOURCES = ("Kota Padang Dalam Angka 2025", "Statistik Daerah Kota Padang 2025", "Tabel dinamis bps.go.id")


def seed_desk(store, rnd) -> int:  # noqa: ANN001
    """The desk's own records of the year: one service record per finished ticket (issue 15:
    "one record per served ticket", as the counter's list asks for), a rating for one visit
    in three (the survey after service), each with its outbox change, as the use cases write
    them (``records.save``, ``survey.submit``)."""
    from kiosk.store import outbox_json

    visit_of = {t: v for v, t in store.conn.execute("SELECT id, ticket_id FROM visits")}
    done = store.rows("SELECT id, day, service, finished_at FROM tickets WHERE status = 'done'")
    records, ratings, changes = [], [], []
    for i, t in enumerate(done):
        when = datetime.fromisoformat(t["finished_at"])
        outcome = rnd.choice(("answered", "found", "found", "referred_sale", "referred_online", "not_available"))
        record = {"id": bl.uuid7_at(when, rnd), "created_at": t["finished_at"], "updated_at": t["finished_at"],
                  "terminal_id": store.terminal_id, "ticket_id": t["id"], "visit_id": visit_of.get(t["id"]),
                  "day": t["day"], "service": t["service"], "subject": rnd.choice(SUBJECTS),
                  "indicator": rnd.choice(INDICATORS), "region_level": rnd.choice(("regency", "province", "district")),
                  "period": str(rnd.randint(2015, 2025)), "outcome": outcome,
                  "source": rnd.choice(SOURCES) if outcome == "found" else None,
                  "note": "Data kecamatan belum tersedia" if outcome == "not_available" else None,
                  "publications": json.dumps([{"title": SOURCES[0], "medium": "printed"}]) if i % 7 == 0 else "[]",
                  "agency": None, "activity": None, "stage": None, "reference_number": None, "order_id": None,
                  "officer": "budi"}
        records.append(record)
        changes.append((bl.uuid7_at(when, rnd), "service_record", record["id"], "add", outbox_json(record),
                        store.terminal_id, t["finished_at"]))
        if record["visit_id"] and i % 3 == 0:
            rating = {"id": bl.uuid7_at(when, rnd), "created_at": t["finished_at"], "terminal_id": store.terminal_id,
                      "day": t["day"], "ticket_id": t["id"], "visit_id": record["visit_id"], "service": t["service"],
                      **{f"u{k}": rnd.randint(2, 4) for k in range(1, 10)}, "comment": None,
                      "age_group": rnd.choice(("18-24", "25-34", "35-44")), "gender": rnd.choice(("l", "p")),
                      "education": rnd.choice(("s1", "sma", "s2")), "occupation": rnd.choice(("mahasiswa", "pns", "swasta"))}
            ratings.append(rating)
            changes.append((bl.uuid7_at(when, rnd), "rating", rating["id"], "add", outbox_json(rating),
                            store.terminal_id, t["finished_at"]))
    with store.write():
        store.db["service_records"].insert_all(records)
        store.db["ratings"].insert_all(ratings)
        store.conn.executemany("INSERT INTO changes(id, entity, entity_id, op, payload, terminal_id, created_at)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?)", changes)
    return len(changes)


ORDER_TABLES = ("orders", "order_lines", "invoices", "payments", "receipts", "corrections", "audit",
                "print_jobs", "changes")


def one_real_order(store, settings) -> dict[str, list[dict]]:  # noqa: ANN001
    """Run one order through the real sales flow; return every row it wrote, by table."""
    from kiosk import accounts, sales
    from kiosk.sales import payments
    from kiosk.sales.papers import print_invoice, print_receipt
    from kiosk.store import unpack_text

    before = {t: {r[0] for r in store.conn.execute(f"SELECT rowid FROM {t}")} for t in ORDER_TABLES}
    officer, treasurer = (accounts.find(store, name) for name in ("budi", "rina"))
    guest = store.row("SELECT id FROM guests WHERE segment = 'akademisi' LIMIT 1")
    base = {t: {r[0] for r in store.conn.execute(f"SELECT rowid FROM {t}")} for t in ORDER_TABLES}
    order = sales.create_order(store, settings, officer, guest_id=guest["id"])
    order = sales.add_line(store, officer, order.id, product="data-mikro", quantity=1, measure=2_500_000,
                           description="Susenas Maret 2025, pilih variabel")
    order = sales.add_line(store, officer, order.id, product="peta-kabkota-desa", quantity=1)
    sales.agree(store, officer, order.id)
    sales.check_documents(store, officer, order.id,
                          abstraksi="Penelitian skripsi: kemiskinan kabupaten di Sumatera Barat 2025")
    sales.issue_invoice(store, settings, officer, order.id, sample_note="10 baris contoh Susenas")
    print_invoice(store, settings, officer, order.id)
    sales.mark_prepared(store, officer, order.id)
    order = sales.get(store, order.id)
    payments.submit_payment(store, officer, order.id, method="billing", amount=order.total,
                            billing_code="820261123000123", ntpn="0A1B2C3D4E5F6G7H")
    payments.verify_payment(store, treasurer, order.id)
    payments.issue_receipt(store, settings, treasurer, order.id)
    print_receipt(store, settings, treasurer, order.id)
    payments.record_sppd(store, officer, order.id, meterai=True)
    payments.hand_over(store, officer, order.id, medium="flashdisk")
    with store.write():  # the jobs printed, as the spooler would mark them
        store.conn.execute("UPDATE print_jobs SET status = 'printed', printed_at = created_at WHERE status = 'queued'")
    del before
    out = {}
    for table in ORDER_TABLES:
        rows = store.rows(f"SELECT rowid AS _rowid, * FROM {table}")
        packed = {"changes": "payload", "print_jobs": "document"}.get(table)
        out[table] = [{k: unpack_text(v) if k == packed else v
                       for k, v in r.items() if k != "_rowid" and not (table in ("changes", "audit") and k == "seq")}
                      for r in rows if r["_rowid"] not in base[table]]
    return out


def clone_orders(store, template: dict[str, list[dict]], n: int, days: list[str], rnd) -> int:  # noqa: ANN001
    """Copy the real order ``n - 1`` times, each on a day of the year with its own ids and numbers.
    Outbox payloads stay JSON until ``pack_outbox``; print documents are packed at once, as
    ``printing.enqueue`` does (nothing reads them after)."""
    from kiosk.printing import PRINT_ZDICT
    from kiosk.store import pack_text

    order = template["orders"][0]
    tday = order["created_at"][:10]
    year = order["number"].split("/")[2]
    cache: dict[tuple[str, int], str] = {}

    def remap(k: int, text: str) -> str:
        def one(m: re.Match) -> str:
            u = m.group(0)
            if u in keep:
                return u
            key = (u, k)
            if key not in cache:
                cache[key] = u[:24] + hashlib.blake2b(f"{u}:{k}".encode(), digest_size=6).hexdigest()
            return cache[key]
        return UUID.sub(one, text)

    keep = {store.terminal_id, USER_ID, *[r[0] for r in store.conn.execute("SELECT id FROM users")],
            *[r[0] for r in store.conn.execute("SELECT guest_id FROM orders LIMIT 1")]}
    added = 0
    with store.write():
        for k in range(1, n):
            day = days[k % len(days)]
            seq = k + 1

            def sub(v, k=k, day=day, seq=seq):  # noqa: ANN001, ANN202
                if not isinstance(v, str):
                    return v
                v = remap(k, v).replace(tday, day)
                v = re.sub(rf"(ORD|INV)/1373/{year}/0001", lambda m: f"{m.group(1)}/1373/{year}/{seq:04d}", v)
                return v.replace(f"0001/KW/1373/{year}", f"{seq:04d}/KW/1373/{year}")

            for table in ORDER_TABLES:
                for row in template[table]:
                    new = {c: sub(v) for c, v in row.items()}
                    if table == "print_jobs":
                        new["document"] = pack_text(new["document"], PRINT_ZDICT)
                    if table in ("orders", "receipts"):
                        new["seq"] = seq
                    cols = ", ".join(new)
                    store.conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * len(new))})",
                                       list(new.values()))
                    added += table == "changes"
    return added


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--guests", type=int, default=50_000)
    ap.add_argument("--orders", type=int, default=5_000)
    ap.add_argument("--detail", action="store_true", help="also print every table's and index's size after")
    ap.add_argument("--no-desk", dest="desk", action="store_false",
                    help="leave out the desk's service records and ratings (the year as issue 14 counted it)")
    ap.add_argument("--keep", type=Path, help="copy the pruned store to this file (to look inside)")
    args = ap.parse_args(argv)
    print(bl.machine_line())
    rnd = random.Random(14)
    with tempfile.TemporaryDirectory(prefix="pst-bench-year-") as tmpname:
        tmp = Path(tmpname)
        bl.isolate_env(tmp)
        _, db_path, settings = bl.write_settings(tmp)
        from kiosk import retention
        from kiosk.clock import FixedClock
        from kiosk.store import Store

        tz = settings.office.tz
        today = datetime.now(tz).date()
        t0 = time.perf_counter()
        with Store(db_path) as store:
            global USER_ID
            from kiosk import accounts

            admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
            USER_ID = accounts.add_user(store, admin, username="budi", name="Budi Santoso", role="petugas",
                                        pin="284751").id
            accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
            made = bl.seed_history(store, settings, tickets=args.tickets, days=365, today=today)
            audits = seed_audit(store, rnd)
            guest_changes = seed_guests(store, args.guests, rnd)
            desk_changes = seed_desk(store, rnd) if args.desk else 0
            days = sorted({r[0] for r in store.conn.execute("SELECT day FROM tickets")})
        # The real order runs on the year's first working day, then is copied over the year.
        first = datetime.combine(datetime.fromisoformat(days[0]).date(), datetime.min.time(), tz) + timedelta(hours=10)
        with Store(db_path, clock=FixedClock(first)) as store:
            template = one_real_order(store, settings)
            order_changes = len(template["changes"]) + clone_orders(store, template, args.orders, days, rnd)
            pack_outbox(store)
            # The whole year acknowledged, as sync leaves the cursor after its last commit...
            pushed = store.conn.execute("SELECT COALESCE(MAX(seq), 0) FROM changes").fetchone()[0]
            store.set_meta("sync.pushed_seq", str(pushed))
        # ... then today's first visitors, by the real use cases, not yet sent (the link is down).
        from kiosk.tickets import issue_ticket, queue_for

        morning = datetime.combine(today, datetime.min.time(), tz) + timedelta(hours=8)
        with Store(db_path, clock=FixedClock(morning)) as store:
            queue = queue_for(store, settings).as_user(accounts.find(store, "budi"))
            for i in range(20):
                issue_ticket(store, settings, "BC"[i % 2])
                queue.finish(queue.start(queue.call_next(1).id).id)
            unsent = store.conn.execute("SELECT COUNT(*) FROM changes WHERE seq > ?", (pushed,)).fetchone()[0]
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            counts = {t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                      for t in ("tickets", "guests", "visits", "service_records", "ratings", "orders", "changes",
                                "print_jobs", "audit")}
            print(f"year built in {time.perf_counter() - t0:.0f} s: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
            print(f"  outbox: {made['changes']} ticket + {audits} audit + {guest_changes} guest/visit + {desk_changes} desk"
                  f" + {order_changes} order changes; acknowledged up to seq {pushed}, {unsent} unsent")
            before = sizes(store)
            before_mb = file_mb(db_path)
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        end = datetime.combine(today, datetime.min.time(), tz) + timedelta(hours=17)
        with Store(db_path, clock=FixedClock(end)) as store:
            t1 = time.perf_counter()
            pruned = retention.prune(store, settings)
            prune_s = time.perf_counter() - t1
            after = sizes(store)
            after_mb = file_mb(db_path)
            detail = store.conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
            left_unsent = store.conn.execute("SELECT COUNT(*) FROM changes WHERE seq > ?", (pushed,)).fetchone()[0]
            # The reports read archived days through kiosk.archive.view: what that costs.
            from kiosk import accounts, reports

            reader = accounts.find(store, "admin")
            timings = []
            for label, start, stop in (("today", today, today),
                                       ("an archived month", *reports.month_bounds(days[len(days) // 3][:7])),
                                       ("the whole year", datetime.fromisoformat(days[0]).date(), today)):
                t3 = time.perf_counter()
                figures = reports.report(store, settings, reader, start, stop)
                timings.append(f"{label} {time.perf_counter() - t3:.2f} s ({figures['tickets']['issued']} tickets)")
        print(f"\nretention: changes {settings.retention.changes_days} days, print jobs"
              f" {settings.retention.print_jobs_days} days, audit {settings.retention.audit_days} days;"
              f" pruned {pruned.changes} changes, {pruned.print_jobs} print jobs, {pruned.audit} audit entries in {prune_s:.1f} s; unsent kept: {left_unsent}/{unsent}")
        print(f"archived {pruned.archived} rows of days past {settings.retention.detail_days} days;"
              f" a report of {', '.join(timings)}")
        names = sorted(set(before) | set(after), key=lambda n: -before.get(n, 0))
        print(bl.table(["table (+ indexes)", "before MB", "after MB"],
                       [(n, before.get(n, 0) / 1e6, after.get(n, 0) / 1e6) for n in names if before.get(n, 0) > 50_000]))
        if args.detail:
            print(bl.table(["table or index, after", "MB"], [(n, b / 1e6) for n, b in detail if b > 50_000]))
        verdict = "ok" if after_mb < BUDGET_MB else "OVER"
        print(f"\nstore file: before {before_mb:.1f} MB, after {after_mb:.1f} MB"
              f" (budget {BUDGET_MB:.0f} MB: {verdict})")
        if args.keep:
            import shutil

            shutil.copyfile(db_path, args.keep)
            args.keep.chmod(0o600)  # made-up people, but a store's shape: its owner's only, as the store
        try:
            from kiosk import backup
        except ImportError:
            return 0
        with Store(db_path) as store:
            t2 = time.perf_counter()
            made_backup = backup.backup(store, settings, tmp / "backups", keep=7)
            print(f"backup of the year's store: {time.perf_counter() - t2:.2f} s,"
                  f" {made_backup.size / 1e6:.1f} MB -> {made_backup.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: memory of each face over a simulated working day.

    .venv/bin/python bench/soak_faces.py [--tickets 300] [--faces kiosk,counter,display] [--trace]

Budget (DESIGN.md): a face stays under 150 MB resident, flat over a working day.

Each face runs in its own process, headless (``App.run_test``, 100x40), on one store,
while the rest of the office works on the same store from a thread of that process with
its own connection (as another face's process would): tickets taken, called, started and
finished at the other counters, lockers assigned and returned, sales orders opened.

- kiosk: a visitor walks the whole guestbook path for every ticket (service, new visitor,
  form, consent, the ticket screen, done), clicked and typed through the pilot.
- counter: the officer, logged in, calls the next ticket, starts and finishes it (n, s, f),
  and now and then opens the day's summary and the lockers and goes back.
- display: shows every call the others make.

RSS (VmRSS) is printed after the first screen, at every tenth of the day and at the end,
with the growth over the second half and over the last third: what has not levelled off
shows in both, and a longer day (``--tickets 600``) tells a cache still filling from a
leak. ``--trace`` adds the top tracemalloc growth between the middle and the end of the day.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402

BUDGET_MB = 150.0


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def office_work(db_path: Path, settings, stop: threading.Event, steps: int, done: list[int]) -> None:  # noqa: ANN001
    """The rest of the office: counters 2 and 3, lockers, orders, on their own connection."""
    from kiosk import accounts, lockers, sales
    from kiosk.errors import DomainError
    from kiosk.store import Store
    from kiosk.tickets import issue_ticket, queue_for

    rnd = random.Random(7)
    with Store(db_path) as store:
        officer = accounts.find(store, "sari")
        queue = queue_for(store, settings).as_user(officer)
        open_lockers: list[str] = []
        for i in range(steps):
            if stop.is_set():
                break
            issue_ticket(store, settings, rnd.choice("ABCD"))
            with suppress(DomainError):  # an empty queue (or a busy counter) now and then is the day
                ticket = queue.call_next(2 + i % 2)
                queue.finish(queue.start(ticket.id).id)
            if i % 3 == 0:
                got = lockers.assign(store, settings, officer, id_type="ktp",
                                     id_number=f"327301410190{i % 9999 + 1:04d}", holder_name=f"Tamu {i}")
                open_lockers.append(got.locker.id)
            if len(open_lockers) > 5:
                lockers.return_card(store, officer, open_lockers.pop(0))
            if i % 10 == 0:
                order = sales.create_order(store, settings, officer, customer_name=f"Pelanggan {i}",
                                           segment="akademisi")
                sales.add_line(store, officer, order.id, product="publikasi-elektronik", quantity=1, measure=10)
            done[0] = i + 1
            time.sleep(0.05)


async def drive(face: str, settings, db_path: Path, steps: int, trace: bool) -> dict:  # noqa: ANN001, C901
    import tracemalloc

    from textual.widgets import Checkbox, Input, Select

    marks: list[tuple[int, float]] = []
    snapshot = None
    if trace:
        tracemalloc.start(10)
    if face == "kiosk":
        from screens.kiosk_app import KioskApp

        app = KioskApp(settings)
    elif face == "counter":
        from screens.counter_app import CounterApp

        app = CounterApp(settings, counter=1)
    else:
        from screens.display_app import DisplayApp

        settings = settings.model_copy(update={"display": settings.display.model_copy(update={"voice": False})})
        app = DisplayApp(settings)
    stop = threading.Event()
    done = [0]
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        if face == "counter":
            screen = app.screen
            screen.query_one("#username").value = "budi"
            screen.query_one("#pin").value = "284751"
            screen.query_one("#pin").focus()
            await pilot.press("enter")
            await pilot.pause()
        marks.append((0, rss_mb()))
        worker = threading.Thread(target=office_work, args=(db_path, settings, stop, steps * 10, done), daemon=True)
        worker.start()
        for i in range(steps):
            if face == "kiosk":
                svc = random.Random(i).choice(["perpustakaan", "penjualan", "konsultasi", "rekomendasi"])
                await pilot.click(f"#svc-{svc}")
                await pilot.pause()
                await pilot.click("#new")
                await pilot.pause()
                values = {"name": f"Pengunjung {i}", "id_type": "ktp", "id_number": f"327301410190{i + 1:04d}",
                          "email": f"p{i}@example.com", "phone": "0812 3456 7890", "segment": "akademisi",
                          "education": "s1", "gender": "p", "purpose": "skripsi"}
                for field, value in values.items():
                    widget = app.screen.query_one(f"#{field}")
                    if isinstance(widget, (Input, Select)):
                        widget.value = value
                    elif isinstance(widget, Checkbox):
                        widget.value = bool(value)
                await pilot.pause()
                app.screen.query_one("#next").scroll_visible(animate=False, immediate=True)
                await pilot.pause()
                await pilot.click("#next")
                await pilot.pause()
                await pilot.click("#agree")
                await pilot.pause()
                await pilot.press("enter")  # done: back to the start
                await pilot.pause()
            elif face == "counter":
                for key in ("n", "s", "f"):
                    await pilot.press(key)
                    await pilot.pause()
                if i % 25 == 0:
                    for key in ("d", "escape", "k", "escape"):
                        await pilot.press(key)
                        await pilot.pause()
            else:
                await asyncio.sleep(0.5)  # the board repaints what the office does
                await pilot.pause()
            if trace and i == steps // 2:
                snapshot = tracemalloc.take_snapshot()
            if (i + 1) % max(1, steps // 10) == 0:
                marks.append((i + 1, rss_mb()))
        stop.set()
        worker.join(timeout=30)
        await pilot.pause()
        marks.append((steps, rss_mb()))
        growth = []
        if trace and snapshot is not None:
            diff = tracemalloc.take_snapshot().compare_to(snapshot, "traceback")
            for stat in diff[:8]:
                growth.append(f"{stat.size_diff / 1024:+.0f} KiB {stat.count_diff:+d}: "
                              + " <- ".join(f"{f.filename.split('site-packages/')[-1]}:{f.lineno}"
                                            for f in list(stat.traceback)[-3:]))
    return {"face": face, "marks": marks, "office_steps": done[0], "peak": bl.peak_rss_mb(), "growth": growth}


def child(face: str, config: str, steps: int, trace: bool) -> None:
    from kiosk import config as config_mod

    settings = config_mod.load(config)
    result = asyncio.run(drive(face, settings, settings.db_path, steps, trace))
    print("RESULT " + json.dumps(result), flush=True)


def mark_at(marks: list[list], fraction: float) -> float:
    """RSS at the mark nearest to ``fraction`` of the day (marks: [action, MB] pairs)."""
    day = marks[-1][0]
    return min(marks, key=lambda m: abs(m[0] - fraction * day))[1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tickets", type=int, default=300, help="the face's own actions (kiosk tickets, counter calls)")
    ap.add_argument("--faces", default="kiosk,counter,display")
    ap.add_argument("--trace", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.config, args.tickets, args.trace)
        return 0
    print(bl.machine_line())
    rows = []
    with tempfile.TemporaryDirectory(prefix="pst-bench-soak-") as tmpname:
        tmp = Path(tmpname)
        env = bl.isolate_env(tmp)
        for face in args.faces.split(","):
            config_path, db_path, settings = bl.write_settings(tmp, name=f"{face}.toml", db=f"{face}.db")
            from kiosk import accounts
            from kiosk.store import Store

            with Store(db_path) as store:
                admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
                accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
                accounts.add_user(store, admin, username="sari", name="Sari", role="petugas", pin="284751")
            t0 = time.perf_counter()
            proc = subprocess.run([sys.executable, __file__, "--child", face, "--config", str(config_path),
                                   "--tickets", str(args.tickets), *(["--trace"] if args.trace else [])],
                                  env=env, capture_output=True, text=True)
            line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
            if line is None:
                print(f"{face}: failed\n{proc.stderr[-3000:]}")
                continue
            result = json.loads(line[7:])
            marks = result["marks"]
            with Store(db_path) as store:
                counts = {t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                          for t in ("tickets", "lockers", "orders")}
            start, mid, end = marks[0][1], mark_at(marks, 1 / 2), marks[-1][1]
            rows.append((face, args.tickets, counts["tickets"], counts["lockers"], counts["orders"], start, mid, end,
                         end - mid, end - mark_at(marks, 2 / 3), result["peak"], time.perf_counter() - t0))
            print(f"{face}: RSS over the day " + " ".join(f"{n}:{mb:.0f}" for n, mb in marks))
            for g in result["growth"]:
                print(f"    {g}")
    print()
    print(bl.table(["face", "actions", "tickets", "lockers", "orders", "RSS start MB", "mid MB", "end MB",
                    "2nd half +MB", "last 3rd +MB", "peak MB", "s"], rows))
    over = [r[0] for r in rows if r[10] > BUDGET_MB]
    print(f"budget {BUDGET_MB:.0f} MB peak: {'OVER for ' + ', '.join(over) if over else 'ok'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

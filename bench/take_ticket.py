"""Benchmark: taking a ticket on a warm store holding ~100k past tickets.

Measures ``kiosk.tickets.issue_ticket`` -- the kiosk button's use case: ticket row +
outbox change + print job, one ``BEGIN IMMEDIATE`` transaction -- and
``Queue.call_next``. Budget: issue_ticket median under 10 ms.

    .venv/bin/python bench/take_ticket.py [--tickets 100000] [--days 365] [--calls 500]
                                          [--next-calls 200] [--profile]

The store lives in a temporary directory; the printer is "none" (issue_ticket never
prints; it only queues the job). Prints numbers, asserts nothing about time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from datetime import datetime, time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402

BUDGET_MS = 10.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tickets", type=int, default=100_000, help="past tickets in the store")
    ap.add_argument("--days", type=int, default=365, help="calendar days they span (weekdays only)")
    ap.add_argument("--calls", type=int, default=500, help="timed issue_ticket calls")
    ap.add_argument("--warmup", type=int, default=20, help="untimed issue_ticket calls first")
    ap.add_argument("--next-calls", type=int, default=200, help="timed Queue.call_next calls")
    ap.add_argument("--no-changes", action="store_true", help="seed without outbox rows")
    ap.add_argument("--no-jobs", action="store_true", help="seed without past print jobs")
    ap.add_argument("--profile", action="store_true", help="also cProfile 200 issue_ticket calls")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pst-bench-take-") as tmpname:
        tmp = Path(tmpname)
        bl.isolate_env(tmp)
        _, db_path, settings = bl.write_settings(tmp, printer="none")

        from kiosk.clock import FixedClock
        from kiosk.store import Store
        from kiosk.tickets import issue_ticket, queue_for
        from kiosk import printing

        tz = settings.office.tz
        today = datetime.now(tz).date()
        clock = FixedClock(datetime.combine(today, dtime(8, 0), tzinfo=tz))

        # -- build the store ---------------------------------------------------------------
        t0 = time.perf_counter()
        with Store(db_path, clock=clock) as store:
            seeded = bl.seed_history(store, settings, tickets=args.tickets, days=args.days,
                                     today=today, changes=not args.no_changes,
                                     print_jobs=not args.no_jobs)
        build_s = time.perf_counter() - t0
        size_mb = sum(p.stat().st_size for p in tmp.glob("pst.db*")) / 2**20
        print(f"store: {seeded['tickets']} past tickets over {seeded['work_days']} working days "
              f"(last {args.days} days before {today}), {seeded['changes']} outbox rows, "
              f"{seeded['print_jobs']} print jobs; {size_mb:.0f} MB; built in {build_s:.1f} s")
        print(f"{bl.machine_line()}, sqlite {__import__('sqlite3').sqlite_version}, "
              f"printer url {settings.printer.url!r}")

        # -- issue_ticket, warm ------------------------------------------------------------
        store = Store(db_path, clock=clock)  # a fresh connection, as a kiosk would have
        open_times = []
        for _ in range(20):
            open_times.append(bl.timed(lambda: Store(db_path, clock=clock).close()))
        letters = ["A", "B", "C", "D", "B", "C", "C", "B"]

        def take(i: int) -> float:
            service = letters[i % len(letters)]
            t = time.perf_counter()
            issue_ticket(store, settings, service, priority=(i % 10 == 9))
            elapsed = time.perf_counter() - t
            clock.advance(seconds=15)
            return elapsed

        for i in range(args.warmup):
            take(i)
        issue_times = [take(i) for i in range(args.warmup, args.warmup + args.calls)]

        # -- call_next ----------------------------------------------------------------------
        queue = queue_for(store, settings)
        counters = settings.office.counters
        call_times = []
        for i in range(args.next_calls):
            counter = 1 + i % counters
            t = time.perf_counter()
            ticket = queue.call_next(counter)
            call_times.append(time.perf_counter() - t)
            clock.advance(seconds=5)
            if i % 12 == 11:   # untimed: free the counter again
                queue.no_show(ticket.id)
            else:
                queue.start(ticket.id)
                queue.finish(ticket.id)
            clock.advance(seconds=5)

        # -- what the faces poll, with today's queue in place --------------------------------
        waiting_n = len(queue.waiting())
        refresh = {
            "Queue.waiting() (counter, 1/s)": lambda: queue.waiting(),
            "Queue.waiting_counts() (counter+display)": lambda: queue.waiting_counts(),
            "Queue.last_calls(8) (display)": lambda: queue.last_calls(8),
            "printing.pending_problems() (counter, 1/s)": lambda: printing.pending_problems(store),
        }
        refresh_stats = {name: bl.ms_stats([bl.timed(fn) for _ in range(50)])
                         for name, fn in refresh.items()}
        # The kiosk prints each ticket from a worker with its own Store; printer "none"
        # makes print_job claim the job and mark it failed (two write transactions).
        job_ids = [issue_ticket(store, settings, "B").job_id for _ in range(30)]
        print_times = []
        for job_id in job_ids:
            t = time.perf_counter()
            with Store(db_path, clock=clock) as worker_store:
                printing.print_job(worker_store, settings, job_id)
            print_times.append(time.perf_counter() - t)

        profile_text = ""
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            for i in range(200):
                issue_ticket(store, settings, letters[i % len(letters)])
                clock.advance(seconds=1)
            prof.disable()
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
            profile_text = buf.getvalue()
        store.close()

    issue = bl.ms_stats(issue_times)
    call = bl.ms_stats(call_times)
    rows = [
        ("issue_ticket (ticket+outbox+print job)", issue),
        ("Queue.call_next", call),
        ("Store() open (warm, migrated)", bl.ms_stats(open_times)),
        ("worker Store() + print_job (printer none)", bl.ms_stats(print_times)),
    ] + [(name, st) for name, st in refresh_stats.items()]
    print()
    print(f"{args.calls} timed issue_ticket calls after {args.warmup} warm-up; "
          f"{args.next_calls} call_next calls; {waiting_n} tickets waiting today at the end")
    print(bl.table(["operation (ms)", "n", "median", "p90", "p99", "max", "mean"],
                   [(name, s["n"], s["median"], s["p90"], s["p99"], s["max"], s["mean"])
                    for name, s in rows]))
    verdict = "within" if issue["median"] < BUDGET_MS else "OVER"
    print(f"\nbudget: issue_ticket median < {BUDGET_MS:.0f} ms -> {issue['median']:.2f} ms ({verdict} budget)")
    if profile_text:
        print("\ncProfile of 200 issue_ticket calls (cumulative):")
        print(profile_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run every benchmark in this folder, one after the other, with this interpreter.

    .venv/bin/python bench/run_all.py           # full size (a few minutes on 2 cores)
    .venv/bin/python bench/run_all.py --quick   # smaller stores and fewer runs, a smoke run

Each benchmark prints its own numbers; this prints a short summary of what ran, how long
it took and its exit status. Exit status 1 if any benchmark failed to run (never because
of a number: budgets are reported, not asserted).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

BENCHES = [
    ("first_paint.py", [], ["--runs", "3", "--history", "10000"]),
    ("cli_start.py", [], ["--runs", "5"]),
    ("take_ticket.py", [], ["--tickets", "20000", "--calls", "200", "--next-calls", "100"]),
    ("render_ticket.py", [], ["--runs", "100"]),
    ("kiosk_exit.py", [], ["--runs", "5"]),
    ("guest_lookup.py", [], ["--guests", "10000", "--lookups", "200"]),
    ("order_list.py", [], ["--orders", "1000", "--runs", "20"]),
    ("sync_push.py", [], ["--changes", "20000"]),
    ("reports.py", [], ["--tickets", "20000", "--guests", "10000", "--orders", "1000", "--runs", "3"]),
    ("wait_estimate.py", [], ["--days", "10"]),
    ("serve_apps.py", [], ["--tabs", "2", "--runs", "1"]),
    ("print_faults.py", [], ["--tickets", "3"]),
    ("store_year.py", [], ["--tickets", "10000", "--guests", "5000", "--orders", "500"]),
    ("soak_faces.py", [], ["--tickets", "30"]),
    ("central_scale.py", [], ["--offices", "50", "--tickets", "2000", "--pushers", "10", "--day-tickets", "50",
                              "--runs", "3"]),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    ap.add_argument("only", nargs="*", help="run only these (e.g. take_ticket)")
    args = ap.parse_args(argv)

    summary = []
    for name, full, quick in BENCHES:
        if args.only and name.removesuffix(".py") not in {o.removesuffix(".py") for o in args.only}:
            continue
        cmd = [sys.executable, str(HERE / name), *(quick if args.quick else full)]
        print(f"\n==== {name} {' '.join(cmd[2:])}".rstrip(), flush=True)
        t0 = time.perf_counter()
        code = subprocess.call(cmd, cwd=ROOT)
        summary.append((name, code, time.perf_counter() - t0))

    print("\n==== summary")
    for name, code, seconds in summary:
        print(f"{name:<18} {'ok' if code == 0 else f'FAILED (exit {code})':<16} {seconds:6.1f} s")
    return 0 if all(code == 0 for _, code, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())

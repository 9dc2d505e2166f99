"""Benchmark: are the wait estimates honest? Replays simulated office days through the real
queue (a real SQLite store, the real ``take``/``call_next``/``finish`` under a moving
clock), records the range each visitor was shown when taking the ticket
(``kiosk.estimate.estimate_for``), and afterwards compares it with the wait they really had.

Prints the share of visitors whose real wait fell inside their range (goal: at least 80 %),
the range's median width, and how many were told "belum dapat diperkirakan".

The days: arrivals by hour with a morning peak and a lunch dip (Poisson per hour), four
services with their own service times (log-normal), a priority share, no-shows, three
counters of which the third serves only library and consultation visitors and takes a
lunch break, and a fourth that opens at 10:00 on busy days.

    .venv/bin/python bench/wait_estimate.py [--days 20] [--seed 7]
"""

from __future__ import annotations

import argparse
import heapq
import random
import statistics
import sys
import tempfile
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402

GOAL_SHARE = 0.80
# Visitors arriving per hour of the day (local), on an ordinary day.
ARRIVALS = {8: 5, 9: 13, 10: 15, 11: 13, 12: 6, 13: 11, 14: 9, 15: 3}
# Service time per service, minutes: (median, log-normal sigma).
SERVICE_MINUTES = {"perpustakaan": (7, 0.5), "penjualan": (12, 0.5), "konsultasi": (10, 0.6),
                   "rekomendasi": (14, 0.5)}
SHARE = {"perpustakaan": 0.2, "penjualan": 0.3, "konsultasi": 0.4, "rekomendasi": 0.1}
PRIORITY_SHARE = 0.08
NO_SHOW_SHARE = 0.05


def simulate_day(queue, clock, day: date, tz, rnd: random.Random, busy: bool):  # noqa: ANN001, ANN201, C901
    from kiosk.errors import EmptyQueue
    from kiosk.estimate import estimate_for

    counters = {1: None, 2: None, 3: ["perpustakaan", "konsultasi"]}
    if busy:
        counters[4] = None
    opens = {1: dtime(8, 0), 2: dtime(8, 0), 3: dtime(8, 0), 4: dtime(10, 0)}
    lunch = (dtime(12, 0), dtime(13, 0))  # counter 3's break
    events: list[tuple[datetime, int, str, object]] = []
    n = 0

    def push(when: datetime, kind: str, data: object) -> None:
        nonlocal n
        n += 1
        heapq.heappush(events, (when, n, kind, data))

    scale = 1.3 if busy else 1.0
    for hour, mean in ARRIVALS.items():
        count = _poisson(rnd, mean * scale)
        for _ in range(count):
            start = datetime.combine(day, dtime(hour), tzinfo=tz)
            at = start + timedelta(minutes=rnd.uniform(0, 60 if hour < 15 else 30))
            push(at, "arrive", None)
    for counter, at in opens.items():
        if counter in counters:
            push(datetime.combine(day, at, tzinfo=tz), "free", counter)

    idle: set[int] = set()
    shown: dict[str, object] = {}

    def try_call(counter: int, now: datetime) -> None:
        local = now.astimezone(tz).time()
        if counter == 3 and lunch[0] <= local < lunch[1]:
            idle.discard(counter)
            push(datetime.combine(day, lunch[1], tzinfo=tz), "free", counter)
            return
        try:
            ticket = queue.call_next(counter, counters[counter])
        except EmptyQueue:
            idle.add(counter)
            return
        idle.discard(counter)
        if rnd.random() < NO_SHOW_SHARE:
            push(now + timedelta(minutes=2), "no_show", (counter, ticket.id))
            return
        queue.start(ticket.id)
        median, sigma = SERVICE_MINUTES[ticket.service]
        minutes = median * rnd.lognormvariate(0, sigma) + 1.0  # plus the walk and greeting
        push(now + timedelta(minutes=minutes), "finish", (counter, ticket.id))

    while events:
        when, _, kind, data = heapq.heappop(events)
        clock.set(when)
        if kind == "arrive":
            service = rnd.choices(list(SHARE), list(SHARE.values()))[0]
            ticket = queue.take(service, priority=rnd.random() < PRIORITY_SHARE)
            shown[ticket.id] = estimate_for(queue, ticket)
            for counter in sorted(idle):
                if counters[counter] is None or service in counters[counter]:
                    try_call(counter, when)
        elif kind == "free":
            try_call(data, when)
        elif kind == "finish":
            counter, ticket_id = data
            queue.finish(ticket_id)
            try_call(counter, when)
        elif kind == "no_show":
            counter, ticket_id = data
            queue.no_show(ticket_id)
            try_call(counter, when)
    return shown


def _poisson(rnd: random.Random, lam: float) -> int:
    # Knuth's method: small means only.
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rnd.random()
        if p <= limit:
            return k
        k += 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    rnd = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="pst-bench-estimate-") as tmpname:
        tmp = Path(tmpname)
        bl.isolate_env(tmp)
        _, db_path, settings = bl.write_settings(tmp)
        from kiosk.clock import FixedClock
        from kiosk.store import Store
        from kiosk.tickets import queue_for

        tz = settings.office.tz
        day = date(2026, 10, 5)  # a Monday
        clock = FixedClock(datetime.combine(day, dtime(7, 0), tzinfo=tz))
        inside = outside = unknown = 0
        widths: list[int] = []
        misses: list[float] = []
        per_day: list[tuple] = []
        with Store(db_path, clock=clock) as store:
            queue = queue_for(store, settings)
            queue.counters = 4  # the fourth opens on busy days
            simulated = 0
            while simulated < args.days:
                if day.weekday() < 5:
                    busy = rnd.random() < 0.3
                    shown = simulate_day(queue, clock, day, tz, rnd, busy)
                    d_in = d_out = d_unknown = 0
                    for ticket_id, estimate in shown.items():
                        ticket = queue.get(ticket_id)
                        if ticket.called_at is None:
                            continue
                        waited = (ticket.called_at - ticket.issued_at).total_seconds() / 60
                        if estimate is None:
                            d_unknown += 1
                        elif estimate.contains(waited):
                            d_in += 1
                            widths.append(estimate.high - estimate.low)
                        else:
                            d_out += 1
                            widths.append(estimate.high - estimate.low)
                            misses.append(waited - (estimate.high if waited > estimate.high else estimate.low))
                    inside, outside, unknown = inside + d_in, outside + d_out, unknown + d_unknown
                    per_day.append((day.isoformat(), "busy" if busy else "normal", len(shown), d_in, d_out,
                                    d_unknown, f"{d_in / max(d_in + d_out, 1):.0%}"))
                    simulated += 1
                day += timedelta(days=1)
        print(bl.table(("day", "kind", "tickets", "inside", "outside", "unknown", "share"), per_day))
        told = inside + outside
        share = inside / told if told else 0.0
        print()
        print(f"visitors told a range: {told}, inside it: {inside} ({share:.1%}; goal >= {GOAL_SHARE:.0%}),"
              f" told 'belum dapat diperkirakan': {unknown}")
        if widths:
            print(f"range width, minutes: median {statistics.median(widths):.0f},"
                  f" p90 {sorted(widths)[int(0.9 * (len(widths) - 1))]}")
        if misses:
            early = sum(1 for m in misses if m < 0)
            print(f"outside the range: {early} called earlier than its low end, {len(misses) - early} later than"
                  f" its high end; median miss {statistics.median(abs(m) for m in misses):.1f} min")
        print("GOAL MET" if share >= GOAL_SHARE else "GOAL MISSED")
        return 0


if __name__ == "__main__":
    sys.exit(main())

"""How long a visitor will wait, as an honest range ("perkiraan tunggu 10-20 menit"), or
"belum dapat diperkirakan".

The estimate reads only the store: how fast each open counter has been calling the next
visitor lately (its *cycle*: from one call to the next while someone was waiting, which
holds the service, the walk to the counter, no-shows and recalls), how many counters are
serving the visitor's service now, and how many tickets will be called before this one.
With too little to go on (no counter open, fewer than ``MIN_SAMPLES`` cycles seen) it says
so instead of guessing. ``bench/wait_estimate.py`` replays simulated days and measures how
often the real wait fell inside the range shown; the constants below are what it tuned.

    estimate = estimate_for(queue, ticket)   # None: "belum dapat diperkirakan"
    estimate.text("id")                      # "perkiraan tunggu 10-20 menit"
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from kiosk.clock import iso
from kiosk.i18n import t

if TYPE_CHECKING:
    from kiosk.queue import Queue, Ticket

MIN_SAMPLES = 5  # cycles needed before any estimate
RECENT_SAMPLES = 40  # the newest cycles used (today first, then earlier days)
HISTORY_DAYS = 14  # how far back cycles are read when today has too few
BREAK_MINUTES = 45  # a longer gap between two calls at a counter is a break, not a cycle
OPEN_MINUTES = 45  # a counter that called within this time (or holds a visitor) is open
STEP_MINUTES = 5  # the range's ends are whole multiples of this
Z_LOW, Z_HIGH = 1.1, 1.6  # spread below and above the centre, in standard deviations
MIN_SPREAD_FACTOR = 0.35  # a cycle's spread taken as at least this share of its mean


@dataclass(frozen=True)
class Estimate:
    """A wait range in whole minutes, both ends multiples of ``STEP_MINUTES``."""

    low: int
    high: int

    def text(self, lang: str) -> str:
        return t("estimate.range", lang, low=self.low, high=self.high)

    def contains(self, minutes: float) -> bool:
        return self.low <= minutes <= self.high


def unknown_text(lang: str) -> str:
    """What is shown when there is too little to go on."""
    return t("estimate.unknown", lang)


def describe(estimate: Estimate | None, lang: str, *, sentence: bool = False) -> str:
    """The range, or that there is none; ``sentence`` starts it with a capital letter."""
    text = estimate.text(lang) if estimate else unknown_text(lang)
    return text[:1].upper() + text[1:] if sentence else text


def _cycles(queue: Queue, since: date) -> list[float]:
    """Minutes from one call to the next at the same counter, newest first, counting only
    gaps in which the next visitor was already waiting (idle time is not service) and
    shorter than a break."""
    rows = queue.conn.execute(
        "SELECT counter, called_at, queued_at FROM tickets"
        " WHERE day >= ? AND called_at IS NOT NULL AND counter IS NOT NULL ORDER BY counter, called_at",
        (since.isoformat(),)).fetchall()
    gaps: list[tuple[str, float]] = []
    previous: dict[int, str] = {}
    for counter, called_at, queued_at in rows:
        before = previous.get(counter)
        previous[counter] = called_at
        if before is None or queued_at > before:  # the counter was idle before this call
            continue
        minutes = (datetime.fromisoformat(called_at) - datetime.fromisoformat(before)).total_seconds() / 60
        if 0 < minutes <= BREAK_MINUTES:
            gaps.append((called_at, minutes))
    gaps.sort(reverse=True)
    return [m for _, m in gaps]


def _open_counters(queue: Queue, now: datetime, service: str) -> int:
    """Counters open now that serve ``service``: they called within ``OPEN_MINUTES`` or hold
    a visitor, and either called that service today or call across services (or have made
    too few calls today to tell)."""
    day = queue.today().isoformat()
    rows = queue.conn.execute(
        "SELECT counter, MAX(last_called_at), SUM(status IN ('called', 'serving')),"
        " COUNT(*), COUNT(DISTINCT service), SUM(service = ?) FROM tickets"
        " WHERE day = ? AND counter IS NOT NULL AND called_at IS NOT NULL GROUP BY counter",
        (service, day)).fetchall()
    cutoff = iso(now - timedelta(minutes=OPEN_MINUTES))
    open_ = 0
    for _counter, last, holding, calls, kinds, of_service in rows:
        if not (holding or (last and last >= cutoff)):
            continue
        if of_service or kinds > 1 or calls < 3:
            open_ += 1
    return open_


def _cycle(queue: Queue) -> tuple[float, float] | None:
    """The recent cycles' mean and spread (today's first, earlier days while today has too
    few), or None with fewer than ``MIN_SAMPLES``."""
    today = queue.today()
    samples = _cycles(queue, today)
    if len(samples) < MIN_SAMPLES:
        samples += _cycles(queue, today - timedelta(days=HISTORY_DAYS))[len(samples):]
    samples = samples[:RECENT_SAMPLES]
    if len(samples) < MIN_SAMPLES:
        return None
    mean = math.fsum(samples) / len(samples)
    spread = max(math.sqrt(math.fsum((s - mean) ** 2 for s in samples) / len(samples)),
                 MIN_SPREAD_FACTOR * mean)  # the population standard deviation
    return mean, spread


def estimate(queue: Queue, service: str, ahead: int,
             cycle: tuple[float, float] | None = None) -> Estimate | None:
    """The wait of a visitor of ``service`` with ``ahead`` tickets to be called first
    (``cycle``: the counters' cycle when the caller already read it)."""
    counters = _open_counters(queue, queue.now(), service)
    if counters == 0:
        return None
    cycle = cycle or _cycle(queue)
    if cycle is None:
        return None
    mean, spread = cycle
    # The visitor is the (ahead + 1)-th call from now; the counters are on average half-way
    # through their current visitor.
    calls = ahead + 1
    centre = (calls - 0.5) * mean / counters
    sd = math.sqrt(calls / counters) * spread / math.sqrt(counters) + 0.5 * mean / counters
    low = max(0.0, centre - Z_LOW * sd)
    high = centre + Z_HIGH * sd
    low_step = int(low // STEP_MINUTES) * STEP_MINUTES
    high_step = max(int(math.ceil(high / STEP_MINUTES)) * STEP_MINUTES, low_step + STEP_MINUTES)
    return Estimate(low_step, high_step)


def estimate_for(queue: Queue, ticket: Ticket) -> Estimate | None:
    """The estimate for a waiting ticket (None once it was called)."""
    if ticket.status != "waiting":
        return None
    return estimate(queue, ticket.service, queue.ahead_of(ticket))


def estimate_new(queue: Queue, service: str) -> Estimate | None:
    """What a visitor taking a normal ticket of ``service`` now would be told."""
    return estimates_new(queue, [service])[service]


def estimates_new(queue: Queue, services: list[str]) -> dict[str, Estimate | None]:
    """``estimate_new`` for several services (the display's side column), reading the
    queue and the counters' cycle once."""
    waiting = queue.conn.execute(
        "SELECT COUNT(*) FROM tickets WHERE status = 'waiting' AND day = ?",
        (queue.today().isoformat(),)).fetchone()[0]
    cycle = _cycle(queue)
    return {service: estimate(queue, service, waiting, cycle) if cycle else None for service in services}


__all__ = ["Estimate", "describe", "estimate", "estimate_for", "estimate_new", "estimates_new", "unknown_text"]

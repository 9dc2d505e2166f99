"""The service standard as the seeds word it, live: "dilayani maksimal 10 menit sejak tamu
pada antrian sebelumnya selesai" (served at most 10 minutes after the visitor before
finished). A call stores the measured wait on the ticket (``Queue._standard_start``);
while a visitor still waits, the counter's ``!`` flag reads it from here.

A waiting visitor's clock runs from the later of entering the queue and the moment a
counter became free: the earliest end (finish, no-show, transfer) among the counters that
are free now. While every counter that worked today is busy, the visitor before has not
finished and the clock does not run; before any counter ended a visit today, it runs from
the ticket's issue (there was no visitor before)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kiosk.store import Store


@dataclass(kw_only=True)
class Desk:
    """What the live standard needs of the day's counters (a plain class: the counter reads
    it before its first paint, without pydantic)."""

    any_ended: bool  # some counter ended a visit today
    free_since: datetime | None  # the earliest end among the counters free now

    def wait(self, queued_at: datetime, now: datetime) -> float:
        """Seconds a waiting visitor has waited under the standard."""
        if not self.any_ended:
            start = queued_at
        elif self.free_since is None:
            return 0.0
        else:
            start = max(queued_at, self.free_since)
        return max(0.0, (now - start).total_seconds())


def desk(store: Store, day: date) -> Desk:
    """The counters' state for ``day``, from one grouped read."""
    ended, free = False, []
    for busy, last in store.conn.execute(
            "SELECT SUM(status IN ('called', 'serving')), MAX(COALESCE(finished_at, no_show_at, transferred_at))"
            " FROM tickets WHERE day = ? AND counter IS NOT NULL GROUP BY counter", (day.isoformat(),)):
        if last:
            ended = True
            if not busy:
                free.append(datetime.fromisoformat(last))
    return Desk(any_ended=ended, free_since=min(free) if free else None)

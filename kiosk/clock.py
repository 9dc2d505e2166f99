"""Time for the use cases: aware UTC in the store, local time on screen and paper.

Tests pass a ``FixedClock`` so numbers, days and waits are deterministic.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that moves only when told: ``clock.advance(minutes=5)``."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(timezone.utc)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(timezone.utc)


def iso(when: datetime) -> str:
    """The store's time format: UTC, microseconds, sortable as text."""
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None

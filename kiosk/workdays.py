"""Working days: Monday to Friday, less the national holidays in ``data/holidays.toml``."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import lru_cache

import data


@lru_cache(maxsize=1)
def holidays() -> frozenset[date]:
    with data.path("holidays.toml").open("rb") as fh:
        return frozenset(tomllib.load(fh)["dates"])


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays()


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count

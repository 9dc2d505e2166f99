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


def is_working_day(day: date, extra: frozenset[date] = frozenset()) -> bool:
    """``extra``: holidays the centre published on top of the shipped list."""
    return day.weekday() < 5 and day not in holidays() and day not in extra


def add_working_days(start: date, days: int, extra: frozenset[date] = frozenset()) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    current = start
    left = days
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current, extra):
            left -= 1
    return current


def working_days_between(start: date, end: date, extra: frozenset[date] = frozenset()) -> int:
    """Working days after ``start`` up to and including ``end``."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current, extra):
            count += 1
    return count

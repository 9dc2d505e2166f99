from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import settings as hypothesis_settings

from kiosk import config
from kiosk.clock import FixedClock
from kiosk.config import Settings
from kiosk.queue import Queue
from kiosk.store import Store
from kiosk.tickets import queue_for
from tests.printer_server import CapturePrinter

# Under CI the property tests run a fixed sequence of examples, the same on every run (run
# `CI=true pytest` before submitting), so a new random case cannot fail a landing it had
# nothing to do with; locally they stay random and keep finding new cases (the '²' NPWP
# was found that way).
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test touches the real config, data or cache dirs, or inherits the caller's overrides."""
    for name in ("PST_KIOSK_DB", "PST_KIOSK_CONFIG", "PST_KIOSK_PRINTER", "PST_KIOSK_CENTRAL_DSN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(autouse=True)
def _cheap_pin_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """PINs hashed with argon2id at argon2-cffi's own test profile (``profiles.CHEAPEST``)
    inside the test process: the real parameters (64 MiB, 3 passes) cost 0.3-1 s a hash on a
    loaded 2-core machine, and the suite makes and checks hundreds. A hash carries its
    parameters, so it verifies anywhere; a CLI run in a subprocess, and the app itself, keep
    the real ones (tests/kiosk/test_accounts.py checks them)."""
    from argon2 import PasswordHasher, profiles

    from kiosk import accounts

    cheap = PasswordHasher.from_parameters(profiles.CHEAPEST)
    monkeypatch.setattr(accounts, "_hasher", lambda: cheap)


@pytest.fixture
def clock() -> FixedClock:
    # 09:00 in Jakarta on a working day.
    return FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=JAKARTA))


def write_config(path: Path, db: Path, printer: str = "none", **office: object) -> Settings:
    raw = {
        "db": str(db),
        "office": {"code": "1373", "name": "PST BPS Kota Sawahlunto",
                   "address": "Jl. Bagindo Aziz Chan, Sawahlunto",
                   "complaint_channels": ["s.bps.go.id/pengaduan-1373", "bps1373@bps.go.id"],
                   "counters": 3, **office},
        "printer": {"url": printer, "timeout": 0.5},
        "kiosk": {"staff_exit_code": "246810"},
    }
    config.save_file(path, raw)
    return config.load(path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return write_config(tmp_path / "config.toml", tmp_path / "pst.db")


@pytest.fixture
def store(settings: Settings, clock: FixedClock) -> Iterator[Store]:
    with Store(settings.db_path, clock=clock) as s:
        yield s


@pytest.fixture
def queue(store: Store, settings: Settings) -> Queue:
    return queue_for(store, settings)


@pytest.fixture
def capture() -> Iterator[CapturePrinter]:
    server = CapturePrinter()
    yield server
    server.close()


@pytest.fixture
def printer_settings(tmp_path: Path, capture: CapturePrinter) -> Settings:
    return write_config(tmp_path / "config.toml", tmp_path / "pst.db", printer=capture.url)

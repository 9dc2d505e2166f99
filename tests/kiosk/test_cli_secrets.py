"""Secrets on the command line, as a real process: a password is never taken from argv
(``ps`` shows it to every local user), and an error naming the centre shows only host,
port, database and user, whatever else the DSN holds (a misspelt ``passwd=`` included)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from kiosk import dsn as dsn_mod
from kiosk.store import Store


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def _run(settings, *argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "PST_KIOSK_"))}
    environment |= {"PST_KIOSK_CONFIG": str(settings.db_path.parent / "config.toml"),
                    "PST_KIOSK_DB": str(settings.db_path), **(env or {})}
    return subprocess.run([sys.executable, "-m", "screens.main", *argv], env=environment,
                          capture_output=True, text=True, timeout=120)


PASSWORD_DSNS = [
    "host=127.0.0.1 user=pst_office_1373 password=Sekret-Word1 dbname=pst",
    "host=127.0.0.1 user=u PASSWORD = 'Sekret-Word1' dbname=pst",
    "postgresql://pst_office_1373:Sekret-Word1@127.0.0.1:5432/pst",
    "postgresql://u@127.0.0.1/pst?sslmode=require&password=Sekret-Word1",
    "host=127.0.0.1 sslkey=/k.key sslpassword=Sekret-Word1 user=u",
    "host=127.0.0.1 user=u passwd=Sekret-Word1",
]


@pytest.mark.parametrize("command", [
    ["sync"], ["sync", "--status"], ["restore", "--office", "1373"], ["central", "init"],
    ["central", "add-office", "1374"],
])
def test_a_password_in_dsn_is_refused_before_anything_runs(settings, command):
    dsn = PASSWORD_DSNS[len(command) % len(PASSWORD_DSNS)]
    done = _run(settings, *command, "--dsn", dsn, env={"PST_KIOSK_NEW_PASSWORD": "a-new-office-password"})
    assert done.returncode == 9, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pst-kiosk: Kata sandi tidak boleh ditulis di --dsn")
    for way in ("central_dsn", "PST_KIOSK_CENTRAL_DSN", "PGPASSWORD", ".pgpass", "PGPASSFILE"):
        assert way in lines[0]
    assert "Sekret-Word1" not in done.stdout + done.stderr
    if settings.db_path.exists():  # nothing was tried: no sync round was recorded
        with Store(settings.db_path) as store:
            assert not store.meta("sync.last_attempt")


@pytest.mark.parametrize("dsn", PASSWORD_DSNS)
def test_every_spelling_of_a_password_is_found(dsn):
    assert dsn_mod.carries_password(dsn)


@pytest.mark.parametrize("dsn", [
    "host=db.bps.go.id port=5432 dbname=pst user=pst_office_1373 sslmode=verify-full",
    "host=db passfile=/etc/pst/pgpass user=u",  # a path to a password file is fine
    "postgresql://pst_office_1373@db.bps.go.id:5432/pst?sslmode=require",
    "postgresql://db.bps.go.id:5432/pst",
])
def test_a_dsn_without_a_password_is_taken(dsn):
    assert not dsn_mod.carries_password(dsn)


def test_a_password_in_argv_is_refused_in_english_too(settings):
    done = _run(settings, "--lang", "en", "sync", "--dsn", "postgresql://u:pw@127.0.0.1/pst")
    assert done.returncode == 9
    assert done.stderr.startswith("pst-kiosk: A password may not be given in --dsn")
    assert ":pw@" not in done.stderr


def test_dsn_without_password_and_pgpassword_reach_the_centre_and_errors_show_four_keys(settings):
    port = _closed_port()
    done = _run(settings, "sync", "--dsn", f"host=127.0.0.1 port={port} dbname=pst user=pst_office_1373"
                " application_name=Sekret-App connect_timeout=2", env={"PGPASSWORD": "Sekret-Word1"})
    assert done.returncode == 11, done.stderr
    error = done.stderr.strip().splitlines()[-1]
    assert f"(host=127.0.0.1 port={port} dbname=pst user=pst_office_1373)" in error
    assert "Sekret" not in done.stdout + done.stderr
    assert "Terkirim" not in done.stdout  # nothing moved: no "pushed 0 changes" before the error


@pytest.mark.parametrize("central_dsn, shown", [
    # a misspelt key: libpq cannot read it, so none of it is shown, only the key's name
    ("host=127.0.0.1 port={port} user=u pasword=Sekret-Word1 dbname=pst", 'kunci "pasword" tidak dikenal libpq'),
    ("host=127.0.0.1 port={port} user=u Sekret-Word1 dbname=pst", "tulis sebagai kunci=nilai"),
    ("host=127.0.0.1 port={port} dbname=pst user=u password=Sekret-Word1 sslpassword=Sekret-Word1 "
     "application_name=Sekret-App connect_timeout=2", "(host=127.0.0.1 port={port} dbname=pst user=u)"),
    ("postgresql://u:Sekret-Word1@127.0.0.1:{port}/pst?application_name=Sekret-App&connect_timeout=2",
     "(host=127.0.0.1 port={port} dbname=pst user=u)"),
])
def test_a_configured_dsn_shows_only_host_port_database_user(settings, central_dsn, shown):
    port = _closed_port()
    done = _run(settings, "sync", env={"PST_KIOSK_CENTRAL_DSN": central_dsn.format(port=port)})
    assert done.returncode in (6, 11), done.stderr
    assert shown.format(port=port) in done.stderr
    assert "Sekret" not in done.stdout + done.stderr
    if done.returncode == 11:  # the round was tried: what the store keeps of it is clean too
        with Store(settings.db_path) as store:
            kept = store.meta("sync.last_error")
            assert kept and "Sekret" not in kept and f"port={port}" in kept
    status = _run(settings, "sync", "--status", "--json", env={"PST_KIOSK_CENTRAL_DSN": central_dsn.format(port=port)})
    assert status.returncode == 0 and "Sekret" not in status.stdout + status.stderr


def test_describe_shows_four_keys_or_nothing():
    assert dsn_mod.describe("host=db port=5433 dbname=pst user=u password=x sslmode=require"
                            " application_name=y") == "host=db port=5433 dbname=pst user=u"
    assert dsn_mod.describe("postgresql://u:pw@db/pst?options=-csecret") == "host=db dbname=pst user=u"
    assert dsn_mod.describe("host=db passwd=secret") == "-"
    assert dsn_mod.describe("host='a\x1b[2Jb' user=u") == "host=a?[2Jb user=u"

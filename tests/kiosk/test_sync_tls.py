"""Sync against a private PostgreSQL cluster (``tests/pg_cluster.py``) that the machine's
shared server cannot stand in for: a verified TLS session (``sslmode=verify-full`` with a
test CA) and real stops and starts of the central server, between rounds and in the middle
of a batch."""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from contextlib import suppress

import psycopg
import pytest

from kiosk import reference
from kiosk.central import admin as central
from kiosk.central import sync
from kiosk.store import Store
from tests.kiosk.test_sync import _pull_until, activity, central_rows, office
from tests.pg_cluster import ClusterUnavailable, PgCluster

SECRET = "Tls-Secret-4242"  # in every office DSN here: trust auth ignores it, no message may show it


@pytest.fixture(scope="module")
def cluster():
    """One private cluster for this module (about a second to make); stopped and removed after."""
    try:
        made = PgCluster.create()
    except (ClusterUnavailable, OSError, subprocess.SubprocessError) as exc:
        reason = f"cannot start a private PostgreSQL cluster: {exc}"
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(reason, pytrace=False)  # CI must run these, not skip them quietly
        pytest.skip(reason)
    yield made
    made.close()


@pytest.fixture
def tls_pg(cluster):
    """A fresh database (no schema yet) and role prefix on the private cluster; shaped like
    test_sync's ``pg`` so its helpers (``office``, ``central_rows``) work on it."""
    cluster.ensure_running()  # a test that failed between a stop and a start leaves it down
    name = f"pst_t_{uuid.uuid4().hex[:10]}"
    prefix = f"{name}_o_"
    with psycopg.connect(cluster.admin_dsn(), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield {"dsn": cluster.admin_dsn(name), "db": name, "prefix": prefix, "cluster": cluster}
    cluster.ensure_running()
    with psycopg.connect(cluster.admin_dsn(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (prefix + "%",)).fetchall():
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def tls_office(tmp_path, pg, code, **dsn_kw):
    """An office whose configured central DSN is verified TLS to ``localhost``."""
    settings = office(tmp_path, pg, code)
    dsn = pg["cluster"].tls_dsn(f"{pg['prefix']}{code}", pg["db"], extra=f"password={SECRET}", **dsn_kw)
    return settings.model_validate({**settings.model_dump(mode="json"), "central_dsn": dsn})


def assert_exactly_once_in_order(pg, store, code="1373"):
    """The centre holds every outbox change of the store once, with no gap, in outbox order."""
    local = [r[0] for r in store.conn.execute("SELECT id FROM changes ORDER BY seq")]
    rows = central_rows(pg, "SELECT seq, change_id FROM pst.changes WHERE office_code = %s ORDER BY seq", code)
    assert [r[0] for r in rows] == list(range(1, len(local) + 1))
    assert [r[1] for r in rows] == local
    assert sync.status(store).pending == 0


def test_verified_tls_init_push_pull_and_refusals(tmp_path, tls_pg, monkeypatch, capsys):
    from screens.main import main

    cluster = tls_pg["cluster"]
    # central init over verified TLS, through the command line.
    admin_tls = cluster.tls_dsn("postgres", tls_pg["db"])
    assert main(["central", "init", "--dsn", admin_tls, "--role-prefix", tls_pg["prefix"]]) == 0
    assert central_rows(tls_pg, "SELECT COUNT(*) FROM pst.migrations") == [(len(central.migrations()),)]
    settings = tls_office(tmp_path, tls_pg, "1373")
    assert "sslmode=verify-full" in settings.central_dsn and "host=localhost" in settings.central_dsn
    central.publish(admin_tls, "holidays", {"dates": ["2026-11-24"]}, office_code="1373")

    # Every session sync opens reports TLS on the server's side.
    sessions = []
    real_connect = central.connect

    def spying_connect(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        sessions.append((conn.pgconn.ssl_in_use, conn.execute(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()))
        conn.commit()  # leave no transaction open: push's own must not become a savepoint
        return conn

    monkeypatch.setattr(central, "connect", spying_connect)
    with Store(settings.db_path) as store:
        activity(store, settings, 3)
        total = store.conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0]
        result = sync.run(store, settings)
        assert result.ok, result.error
        assert result.pushed == total
        if result.pulled == 0:  # a late autovacuum transaction can hold the pull back a moment
            result.pulled = _pull_until(store, settings, 1).pulled
        assert result.pulled == 1
        assert {d.isoformat() for d in reference.holidays(store)} == {"2026-11-24"}
        assert_exactly_once_in_order(tls_pg, store)
    assert sessions and all(client and server[0] and server[1].startswith("TLS") for client, server in sessions)
    monkeypatch.setattr(central, "connect", real_connect)

    # The certificate names 127.0.0.1 too: verify-full to the address works as well.
    by_ip = cluster.tls_dsn(f"{tls_pg['prefix']}1373", tls_pg["db"], host="127.0.0.1")
    with central.connect(by_ip) as conn:
        assert conn.execute("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone() == (True,)

    # The command line: the good DSN syncs; a wrong CA or a name the certificate does not
    # carry is refused with exit 11, the reason named, the password never printed.
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "1373-t.toml"))
    monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", settings.central_dsn)
    assert main(["ticket", "take", "B", "--no-print"]) == 0
    capsys.readouterr()
    assert main(["sync"]) == 0
    assert "Daring" in capsys.readouterr().out
    role = f"{tls_pg['prefix']}1373"
    refusals = {
        "certificate verify failed": cluster.tls_dsn(role, tls_pg["db"], rootcert=cluster.certs.other_ca,
                                                     extra=f"password={SECRET}"),
        'does not match host name "pst-central.example"': cluster.tls_dsn(
            role, tls_pg["db"], host="pst-central.example", extra=f"hostaddr=127.0.0.1 password={SECRET}"),
    }
    for reason, dsn in refusals.items():
        assert main(["ticket", "take", "C", "--no-print"]) == 0
        capsys.readouterr()
        monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", dsn)
        assert main(["sync"]) == 11, reason
        out, err = capsys.readouterr()
        assert reason in err and "Luring" in out
        assert SECRET not in out + err and "password" not in err and " user=" in err  # host, port, dbname, user only
    with Store(settings.db_path) as store:
        assert sync.status(store).pending == 2  # the two tickets taken since: kept
        assert sync.run(store, settings).ok  # and sent once the DSN is right again
        assert_exactly_once_in_order(tls_pg, store)


def test_a_real_restart_of_the_centre_between_rounds(tmp_path, tls_pg):
    cluster = tls_pg["cluster"]
    central.init(tls_pg["dsn"], role_prefix=tls_pg["prefix"])
    settings = tls_office(tmp_path, tls_pg, "1373")
    with Store(settings.db_path) as store:
        activity(store, settings, 2)
        with central.connect(settings.central_dsn) as kept:  # a session open across the restart
            assert sync.push(store, settings, kept) == 14
            activity(store, settings, 3)  # 21 changes pending
            cluster.stop("fast")
            down = sync.run(store, settings, timeout=2)
            state = sync.status(store)
            assert not down.ok and not state.online and state.pending == 21 and state.pushed_seq == 14
            assert SECRET not in down.error and SECRET not in (state.last_error or "")
            activity(store, settings, 1)  # work goes on locally
            cluster.start()
            with pytest.raises(psycopg.OperationalError):  # the old session died with the server
                sync.push(store, settings, kept)
        assert sync.status(store).pushed_seq == 14
        up = sync.run(store, settings)
        assert up.ok, up.error
        assert up.pushed == 28 and sync.status(store).online
        assert_exactly_once_in_order(tls_pg, store)
        assert sync.run(store, settings).pushed == 0


def test_a_real_restart_in_the_middle_of_a_batch(tmp_path, tls_pg, monkeypatch):
    """Batches of 20; after the first commits, an admin lock makes the second block inside
    its transaction (temp table made, COPY done, INSERT waiting), and the server is stopped
    then: that batch rolls back whole, and the next round sends the rest exactly once."""
    cluster = tls_pg["cluster"]
    central.init(tls_pg["dsn"], role_prefix=tls_pg["prefix"])
    settings = tls_office(tmp_path, tls_pg, "1373")
    role = f"{tls_pg['prefix']}1373"
    seen: dict = {}
    stopped = threading.Event()

    def stop_when_blocked(lock_conn):
        try:
            with psycopg.connect(cluster.admin_dsn(tls_pg["db"]), autocommit=True) as watch:
                end = time.monotonic() + 20
                while time.monotonic() < end:
                    row = watch.execute(
                        "SELECT query, backend_xid IS NOT NULL FROM pg_stat_activity"
                        " WHERE usename = %s AND wait_event_type = 'Lock'", (role,)).fetchone()
                    if row:
                        seen["blocked"] = row
                        break
                    time.sleep(0.01)
            if "blocked" not in seen:
                with suppress(psycopg.Error):
                    lock_conn.close()  # let the round finish; the test fails below
                return
            # Immediate, not fast: a fast stop terminates the lock holder's session too, and
            # if its end released the lock before the blocked batch got its own signal, that
            # batch could commit first (seen once in CI: pushed 40, not 20). An immediate stop
            # releases no lock on the way down, so the batch dies blocked, as a power cut would.
            cluster.stop("immediate")
        except Exception as exc:  # noqa: BLE001 - reported by the test, not lost in the thread
            seen["error"] = exc
        finally:
            stopped.set()

    real_push = sync.push

    def push_in_small_batches(store, settings, conn, *, on_batch=None, **kwargs):
        def after_batch():
            if on_batch is not None:
                on_batch()
            if "lock" not in seen:  # after the first commit, before the second batch starts
                lock_conn = psycopg.connect(cluster.admin_dsn(tls_pg["db"]))
                lock_conn.execute("LOCK TABLE pst.changes IN EXCLUSIVE MODE")
                seen["lock"] = lock_conn
                threading.Thread(target=stop_when_blocked, args=(lock_conn,), daemon=True).start()

        return real_push(store, settings, conn, batch=20, on_batch=after_batch, **kwargs)

    monkeypatch.setattr(sync, "push", push_in_small_batches)
    # The test cluster runs with synchronous_commit off for speed; a committed batch has to
    # outlive the immediate stop below, as it would on a real server.
    with psycopg.connect(cluster.admin_dsn(tls_pg["db"]), autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{tls_pg["db"]}" SET synchronous_commit = on')
    with Store(settings.db_path) as store:
        activity(store, settings, 10)  # 70 changes: 4 batches
        broken = sync.run(store, settings)
        assert stopped.wait(30)
        with suppress(psycopg.Error):
            seen["lock"].close()
        assert "error" not in seen, seen.get("error")
        query, in_transaction = seen["blocked"]
        assert "INSERT INTO pst.changes" in query and in_transaction  # stopped mid-batch
        state = sync.status(store)
        assert not broken.ok and not state.online and SECRET not in broken.error
        assert state.pushed_seq == 20 and state.pending == 50
        cluster.start()
        assert central_rows(tls_pg, "SELECT COUNT(*) FROM pst.changes") == [(20,)]  # no half batch
        first_twenty = {r[0] for r in store.conn.execute("SELECT entity_id FROM changes WHERE entity = 'ticket'"
                                                         " AND seq <= 20")}
        assert {r[0] for r in central_rows(tls_pg, "SELECT id FROM pst.tickets")} == first_twenty
        monkeypatch.setattr(sync, "push", real_push)
        again = sync.run(store, settings)
        assert again.ok, again.error
        assert again.pushed == 50
        assert_exactly_once_in_order(tls_pg, store)
    assert central_rows(tls_pg, "SELECT COUNT(*), COUNT(*) FILTER (WHERE data->>'status' = 'done')"
                        " FROM pst.tickets") == [(10, 10)]

"""Sync against the real PostgreSQL on this machine: push, pull, row-level security,
two offices, faults (down, dropped mid-batch, killed mid-push), restore."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from psycopg.conninfo import make_conninfo

from kiosk import accounts, sales
from kiosk.central import admin as central
from kiosk.central import sync
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store
from kiosk.tickets import issue_ticket, queue_for
from tests.conftest import write_config
from tests.tcp_proxy import Proxy

ADMIN_DSN = os.environ.get("PST_TEST_PG_DSN", "host=127.0.0.1 user=postgres dbname=postgres")
SITI = {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001",
        "email": "siti@example.com", "segment": "akademisi"}


@pytest.fixture
def pg():
    """A fresh central database and role prefix for this test; dropped afterwards."""
    name = f"pst_t_{uuid.uuid4().hex[:10]}"
    prefix = f"{name}_o_"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    dsn = f"host=127.0.0.1 user=postgres dbname={name}"
    central.init(dsn, role_prefix=prefix)
    yield {"dsn": dsn, "db": name, "prefix": prefix}
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (prefix + "%",)).fetchall():
            conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def office_dsn(pg, code, port=None):
    port_part = f" port={port}" if port else ""
    return f"host=127.0.0.1{port_part} user={pg['prefix']}{code} dbname={pg['db']} sslmode=disable"


def office(tmp_path, pg, code, name="t", clock=None, **office_kw):
    if not central_rows(pg, "SELECT 1 FROM pg_roles WHERE rolname = %s", f"{pg['prefix']}{code}"):
        central.add_office(pg["dsn"], code)  # a second PC of the office uses the same role
    settings = write_config(tmp_path / f"{code}-{name}.toml", tmp_path / f"{code}-{name}.db", code=code, **office_kw)
    settings = settings.model_validate({**settings.model_dump(mode="json"), "central_dsn": office_dsn(pg, code)})
    return settings


def activity(store, settings, n=5):
    queue = queue_for(store, settings)
    for i in range(n):
        issue_ticket(store, settings, "BC"[i % 2])
        called = queue.call_next(1)
        queue.start(called.id)
        queue.finish(called.id)


def central_rows(pg, sql, *params):
    with psycopg.connect(pg["dsn"]) as conn:
        return conn.execute(sql, params).fetchall()


def test_central_init_is_idempotent(pg):
    assert central.init(pg["dsn"]) == []
    assert [n for (n,) in central_rows(pg, "SELECT number FROM pst.migrations ORDER BY 1")] == [n for n, _ in central.migrations()]


def test_an_office_cannot_rewrite_the_changes_it_sent(tmp_path, pg):
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        activity(store, settings, 1)
        assert sync.run(store, settings).ok
    with psycopg.connect(settings.central_dsn) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE pst.changes SET payload = '{}'")
    with psycopg.connect(settings.central_dsn) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM pst.changes")
    # An installation whose office roles were granted UPDATE before: migration 2 takes it back.
    role = f"{pg['prefix']}1373"
    with psycopg.connect(pg["dsn"], autocommit=True) as conn:
        conn.execute(f'GRANT UPDATE ON pst.changes TO "{role}"')
        conn.execute("DELETE FROM pst.migrations WHERE number = 2")
    assert central.init(pg["dsn"]) == [2]
    with psycopg.connect(settings.central_dsn) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE pst.changes SET payload = '{}'")


def test_push_is_in_order_exactly_once_and_keeps_id_numbers_home(tmp_path, pg):
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        activity(store, settings, 6)
        total = store.conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0]
        result = sync.run(store, settings)
        assert result.ok, result.error
        assert result.pushed == total and sync.status(store).pending == 0
        again = sync.run(store, settings)
        assert again.pushed == 0 and again.ok
    rows = central_rows(pg, "SELECT seq FROM pst.changes WHERE office_code = '1373' ORDER BY seq")
    assert [r[0] for r in rows] == list(range(1, total + 1))
    tickets = central_rows(pg, "SELECT data->>'number', data->>'status' FROM pst.tickets ORDER BY 1")
    assert len(tickets) == 7 and {s for _, s in tickets} == {"done", "waiting"}
    guest = central_rows(pg, "SELECT data FROM pst.guests")[0][0]
    assert "id_number" not in guest and guest["id_masked"] == "3273********0001" and len(guest["id_hash"]) == 64
    everything = json.dumps(central_rows(pg, "SELECT payload FROM pst.changes"))
    assert "3273014101900001" not in everything


PERSONAL = ("Siti Aminah", "siti@example.com", "+6281234567890", "Universitas Andalas", "3273********0001",
            "Budi Santoso", "budi@example.com", "3273********0002")


def _history(pg, code):
    """Every payload and latest state the centre holds for an office, as one text."""
    rows = central_rows(pg, "SELECT change_id, payload FROM pst.changes WHERE office_code = %s ORDER BY change_id",
                        code)
    for table in ("guests", "visits", "lockers", "audit"):
        rows += central_rows(pg, f"SELECT id, data FROM pst.{table} WHERE office_code = %s ORDER BY id", code)
    return rows


def test_an_anonymisation_redacts_the_history_at_the_centre_too(tmp_path, pg):
    from kiosk import lockers, privacy
    from kiosk.clock import FixedClock

    clock = FixedClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    settings = office(tmp_path, pg, "1373")
    other = office(tmp_path, pg, "3324")
    siti = {**SITI, "phone": "0812 3456 7890", "institution": "Universitas Andalas"}
    budi = {**siti, "name": "Budi Santoso", "id_number": "3273014101900002", "email": "budi@example.com"}
    with Store(other.db_path, clock=clock) as store:  # another office sees the same people
        for person in (siti, budi):
            register_visit(store, other, service="B", purpose="tugas", consent=True, guest=validate_guest(person))
        assert sync.run(store, other).ok
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        guests = [register_visit(store, settings, service="B", purpose="tugas", consent=True,
                                 guest=validate_guest(person)).guest_id for person in (siti, budi)]
        held = lockers.assign(store, settings, admin, id_type="ktp", id_number="", holder_name="",
                              guest_id=guests[0]).locker
        lockers.return_card(store, admin, held.id)
        assert sync.run(store, settings).ok
        sent = json.dumps(_history(pg, "1373"))
        assert all(p in sent for p in PERSONAL)  # the centre had them
        # Rows of office 3324 that look like 1373's, down to the record ids.
        with psycopg.connect(pg["dsn"]) as conn:
            conn.execute("INSERT INTO pst.changes SELECT '3324', change_id, terminal_id, seq + 1000, entity,"
                         " entity_id, op, payload, created_at FROM pst.changes WHERE office_code = '1373'")
            for table in ("guests", "visits", "lockers", "audit"):
                conn.execute(f"INSERT INTO pst.{table} SELECT '3324', id, data, change_id, changed_at"
                             f" FROM pst.{table} WHERE office_code = '1373' ON CONFLICT DO NOTHING")
        theirs = _history(pg, "3324")
        clock.advance(days=40)
        privacy.erase(store, admin, "budi@example.com")  # a data subject's request
        assert privacy.purge(store, admin, older_than_days=30).guests == 1  # Siti, past retention
        assert sync.run(store, settings).ok
        mine = _history(pg, "1373")
        text = json.dumps(mine)
        for personal in PERSONAL:
            assert personal not in text, personal
        guest_rows = central_rows(pg, "SELECT payload FROM pst.changes WHERE office_code = '1373'"
                                  " AND entity = 'guest'")
        assert len(guest_rows) == 4 and all(p["name"] == "(anonim)" and p.get("phone") is None and
                                            p["segment"] == "akademisi" for (p,) in guest_rows)
        assert {p["email"] for (p,) in guest_rows} == {f"anon-{g}" for g in guests}
        locker_rows = central_rows(pg, "SELECT op, payload FROM pst.changes WHERE office_code = '1373'"
                                   " AND entity = 'locker' ORDER BY change_id")
        assert [op for op, _ in locker_rows] == ["assign", "return", "anonymise"]
        assert all(p["holder_name"] == "(anonim)" and p["locker_no"] == held.locker_no for _, p in locker_rows)
        assert {p["detail"]["id_masked"] for (p,) in central_rows(
            pg, "SELECT payload FROM pst.changes WHERE office_code = '1373' AND entity = 'audit'"
            " AND payload->>'action' = 'locker.assign'")} == {"****"}
        assert _history(pg, "3324") == theirs  # the other office's rows are untouched
        # A batch sent again changes nothing.
        store.set_meta("sync.pushed_seq", "0")
        assert sync.run(store, settings).ok
        assert _history(pg, "1373") == mine
        last_id = store.row("SELECT id FROM changes ORDER BY seq DESC LIMIT 1")["id"]
    # A late change of the anonymised guest (another terminal's backlog) comes in redacted,
    # and an office cannot run the redaction itself on anybody's rows.
    with psycopg.connect(settings.central_dsn) as conn:
        late = str(uuid.uuid4())
        conn.execute("INSERT INTO pst.changes VALUES ('1373', %s, 'old-pc', 1, 'guest', %s, 'update', %s, now())",
                     (late, guests[0], json.dumps({"id": guests[0], "name": "Siti Aminah",
                                                   "email": "siti@example.com", "segment": "akademisi"})))
        conn.commit()
        assert conn.execute("SELECT payload FROM pst.changes WHERE change_id = %s", (late,)).fetchone()[0] == \
            {"id": guests[0], "name": "(anonim)", "email": f"anon-{guests[0]}", "segment": "akademisi"}
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT pst.redact_history('3324', 'guest', %s, '{}')", (guests[0],))
    assert last_id and _history(pg, "3324") == theirs


def test_the_migration_redacts_anonymisations_the_centre_received_before_it(tmp_path, pg):
    from kiosk import privacy
    from kiosk.clock import FixedClock

    with psycopg.connect(pg["dsn"]) as conn:  # a centre still without migration 3
        conn.execute("DROP TRIGGER anonymise_history ON pst.changes; DROP TRIGGER change_of_anonymised ON pst.changes;"
                     " DROP FUNCTION pst.on_anonymise(), pst.on_change_of_anonymised(),"
                     " pst.redact_history(text, text, text, jsonb), pst.redacted(jsonb, jsonb),"
                     " pst.redacted_audit(jsonb), pst.personal_keys();"
                     " DROP INDEX pst.changes_visit_guest, pst.changes_audit_subject, pst.visits_guest,"
                     " pst.audit_subject; DELETE FROM pst.migrations WHERE number = 3")
    clock = FixedClock(datetime(2026, 11, 23, 2, 0, tzinfo=UTC))
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        assert sync.run(store, settings).ok
        clock.advance(days=40)
        assert privacy.purge(store, admin, older_than_days=30).guests == 1
        assert sync.run(store, settings).ok
    assert "Siti Aminah" in json.dumps(central_rows(pg, "SELECT payload FROM pst.changes"))
    assert central.init(pg["dsn"]) == [3]
    assert "Siti Aminah" not in json.dumps(central_rows(pg, "SELECT payload FROM pst.changes"))


def _in_process(settings, code, *, clock_back_s=0):
    """Run ``code`` in another Python process on the same store and config, its wall clock
    (the one UUIDv7 change ids come from) stepped back ``clock_back_s`` seconds."""
    script = textwrap.dedent(f"""
        import time
        _real = time.time_ns
        time.time_ns = lambda: _real() - {int(clock_back_s * 1e9)}
        from kiosk import config
        from kiosk.store import Store
        from kiosk.tickets import queue_for
        s = config.load()
        with Store(s.db_path) as store:
    """) + textwrap.indent(textwrap.dedent(code), " " * 4)
    cfg = Path(settings.db_path).with_suffix(".toml")  # office() writes them side by side
    env = {**os.environ, "PST_KIOSK_CONFIG": str(cfg), "PST_KIOSK_DB": str(settings.db_path)}
    return subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                          timeout=60, check=True)


def test_a_clock_stepped_back_in_another_process_still_moves_the_centre_forward(tmp_path, pg):
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")  # the kiosk process, on time
    # The counter is another process whose clock NTP has just stepped back a minute.
    _in_process(settings, "queue_for(store, s).call_next(1)", clock_back_s=60)
    with Store(settings.db_path) as store:
        ids = [uuid.UUID(r[0]).int for r in store.conn.execute("SELECT id FROM changes ORDER BY seq")]
        assert len(ids) == 3 and ids == sorted(set(ids))  # strictly increasing in outbox order
        assert store.row("SELECT status FROM tickets")["status"] == "called"
        assert sync.run(store, settings).ok
        # and once more from the kiosk's side on time, then from the stepped-back one again
        queue_for(store, settings).start(store.row("SELECT id FROM tickets")["id"])
    _in_process(settings, "q = queue_for(store, s); q.finish(store.row('SELECT id FROM tickets')['id'])",
                clock_back_s=120)
    with Store(settings.db_path) as store:
        assert sync.run(store, settings).ok
    assert central_rows(pg, "SELECT data->>'status' FROM pst.tickets") == [("done",)]


def test_a_batch_sent_twice_changes_nothing(tmp_path, pg):
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        activity(store, settings, 3)
        with central.connect(settings.central_dsn) as conn:
            sync.push(store, settings, conn)
            store.set_meta("sync.pushed_seq", "0")  # as if the local cursor was lost after the commit
            sync.push(store, settings, conn)
        total = store.conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0]
    counts = central_rows(pg, "SELECT COUNT(*), COUNT(DISTINCT change_id) FROM pst.changes")[0]
    assert counts[0] == counts[1] == total


def test_row_level_security_keeps_offices_apart(tmp_path, pg):
    a = office(tmp_path, pg, "1373")
    b = office(tmp_path, pg, "3324")
    a2 = office(tmp_path, pg, "1373", name="second-pc")
    for settings in (a, b, a2):
        with Store(settings.db_path) as store:
            activity(store, settings, 2)
            assert sync.run(store, settings).ok
    with psycopg.connect(a.central_dsn) as conn:
        offices = {r[0] for r in conn.execute("SELECT DISTINCT office_code FROM pst.changes")}
        assert offices == {"1373"}
        assert conn.execute("SELECT COUNT(*) FROM pst.tickets").fetchone()[0] == 4  # both PCs of 1373
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("INSERT INTO pst.tickets VALUES ('3324', 'x', '{}', 'x', now())")
    assert central_rows(pg, "SELECT COUNT(DISTINCT office_code) FROM pst.changes") == [(2,)]


def test_one_process_at_a_time_syncs_a_store(tmp_path, pg, monkeypatch, capsys):
    import time

    from screens.main import main

    proxy = Proxy()
    try:
        settings = office(tmp_path, pg, "1373")
        with Store(settings.db_path) as store:
            activity(store, settings, 2)
        # Another face's process starts a round and hangs connecting (the link is frozen).
        proxy.stall = True
        script = textwrap.dedent(f"""
            from kiosk import config
            from kiosk.central import sync
            from kiosk.store import Store
            s = config.load()
            with Store(s.db_path) as store:
                result = sync.run(store, s, dsn={office_dsn(pg, "1373", proxy.port)!r}, timeout=30)
                print(result.pushed, result.skipped, result.error)
        """)
        env = {**os.environ, "PST_KIOSK_CONFIG": str(tmp_path / "1373-t.toml"),
               "PST_KIOSK_DB": str(settings.db_path)}
        other = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        with Store(settings.db_path) as store:
            deadline = time.time() + 20
            while sync.holder(store) is None and time.time() < deadline:
                time.sleep(0.05)
            assert sync.holder(store) == other.pid
            mine = sync.run(store, settings)  # this face skips: no second push of the same outbox
            assert mine.skipped and mine.ok and mine.pushed == 0 and sync.status(store).pending == 14
            monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "1373-t.toml"))
            monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
            monkeypatch.setattr("kiosk.commands.central.SYNC_WAIT_SECONDS", 0.5)
            assert main(["sync"]) == 5  # the command line waits for the lease, then says why it gave up
            assert "Proses lain" in capsys.readouterr().err
            proxy.stall = False
            out, err = other.communicate(timeout=60)
            assert out.split() == ["14", "False", "None"], err
            assert sync.holder(store) is None  # released
            again = sync.run(store, settings)
            assert again.ok and not again.skipped and again.pushed == 0
    finally:
        proxy.close()
    assert central_rows(pg, "SELECT COUNT(*) FROM pst.changes") == [(14,)]


def test_central_down_then_up(tmp_path, pg):
    proxy = Proxy()
    try:
        settings = office(tmp_path, pg, "1373")
        settings = settings.model_validate({**settings.model_dump(mode="json"),
                                            "central_dsn": office_dsn(pg, "1373", proxy.port)})
        proxy.refuse = True
        with Store(settings.db_path) as store:
            activity(store, settings, 2)
            down = sync.run(store, settings, timeout=2)
            assert not down.ok and sync.status(store).pending == 14 and not sync.status(store).online
            assert "password" not in (down.error or "")
            activity(store, settings, 1)  # work goes on locally
            proxy.refuse = False
            up = sync.run(store, settings)
            assert up.ok and up.pushed == 21 and sync.status(store).online
    finally:
        proxy.close()


def test_dropped_mid_batch_loses_and_duplicates_nothing(tmp_path, pg):
    proxy = Proxy()
    try:
        settings = office(tmp_path, pg, "1373")
        via_proxy = settings.model_validate({**settings.model_dump(mode="json"),
                                             "central_dsn": office_dsn(pg, "1373", proxy.port)})
        with Store(settings.db_path) as store:
            activity(store, settings, 40)  # 280 changes (ticket, call, start, finish + 3 audit entries)
            proxy.cut_after = 100_000  # well into the COPY of a later batch
            with central.connect(via_proxy.central_dsn) as conn:
                with pytest.raises(psycopg.OperationalError):
                    sync.push(store, via_proxy, conn, batch=50)
            pushed = sync.status(store).pushed_seq
            assert 0 < pushed < 280 and pushed % 50 == 0
            assert central_rows(pg, "SELECT COUNT(*) FROM pst.changes") == [(pushed,)]  # no half batch
            assert sync.run(store, settings).ok
            assert sync.status(store).pending == 0
    finally:
        proxy.close()
    rows = central_rows(pg, "SELECT seq FROM pst.changes ORDER BY seq")
    assert [r[0] for r in rows] == list(range(1, 281))


def test_sync_killed_mid_push_resumes_exactly_once(tmp_path, pg):
    proxy = Proxy()
    try:
        settings = office(tmp_path, pg, "1373")
        with Store(settings.db_path) as store:
            activity(store, settings, 60)  # 420 changes
        cfg = tmp_path / "1373-t.toml"
        env = {**os.environ, "PST_KIOSK_CONFIG": str(cfg), "PST_KIOSK_DB": str(settings.db_path),
               "PST_KIOSK_CENTRAL_DSN": office_dsn(pg, "1373", proxy.port)}
        script = textwrap.dedent("""
            import sys
            from kiosk import config
            from kiosk.central import admin as central, sync
            from kiosk.store import Store
            s = config.load()
            with Store(s.db_path) as store, central.connect(s.central_dsn) as conn:
                sync.push(store, s, conn, batch=20)
        """)
        proxy.cut_after = None
        proc = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        # Let a few batches through, then freeze the link and kill the process mid-batch.
        import time

        deadline = time.time() + 30
        with Store(settings.db_path) as watch:
            while sync.status(watch).pushed_seq < 60 and time.time() < deadline:
                time.sleep(0.02)
            proxy.stall = True
        time.sleep(0.2)
        proc.kill()
        proc.wait(timeout=10)
        proxy.stall = False
        proxy.cut_all()
        with Store(settings.db_path) as store:
            assert sync.status(store).pending > 0
            assert sync.run(store, settings).ok and sync.status(store).pending == 0
    finally:
        proxy.close()
    rows = central_rows(pg, "SELECT seq FROM pst.changes ORDER BY seq")
    assert [r[0] for r in rows] == list(range(1, 421))


def test_sync_killed_mid_push_frees_the_lock_at_once_and_nothing_is_sent_twice(tmp_path, pg):
    """``pst-kiosk sync`` killed with SIGKILL while a batch is in flight (the link stalled):
    the lock is free the moment the process is gone, so the next round starts at once
    (it was refused as busy for 60 s with the old lease) and sends everything exactly once."""
    import time

    proxy = Proxy()
    try:
        settings = office(tmp_path, pg, "1373")
        with Store(settings.db_path) as store:
            activity(store, settings, 120)  # 840 changes: two batches of 500
        env = {**os.environ, "PST_KIOSK_CONFIG": str(tmp_path / "1373-t.toml"),
               "PST_KIOSK_DB": str(settings.db_path),
               "PST_KIOSK_CENTRAL_DSN": office_dsn(pg, "1373", proxy.port)}
        proxy.recorded = bytearray()
        proc = subprocess.Popen([sys.executable, "-m", "screens.main", "sync"], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.time() + 60
        with Store(settings.db_path) as watch:
            # Mid-push: the lock is held and the COPY of the first batch is on its way.
            while not (sync.holder(watch) == proc.pid and b"COPY incoming" in proxy.recorded):
                assert time.time() < deadline and proc.poll() is None, proc.stderr.read()
                time.sleep(0.02)
            proxy.stall = True
            time.sleep(0.1)  # let bytes pile up behind the stall: the batch is half sent
            proc.kill()
            proc.wait(timeout=10)
            proxy.stall = False
            proxy.cut_all()
            assert sync.holder(watch) is None  # the kernel let go with the process
            # The successor does not wait at all (wait=0: a held lock would skip the round).
            again = sync.run(watch, settings, wait=0)
            assert again.ok and not again.skipped and sync.status(watch).pending == 0
    finally:
        proxy.close()
    rows = central_rows(pg, "SELECT seq FROM pst.changes ORDER BY seq")
    assert [r[0] for r in rows] == list(range(1, 841))  # all, once each
    assert central_rows(pg, "SELECT COUNT(*) FROM pst.tickets") == [(120,)]


def test_central_restart_terminates_connections_and_sync_recovers(tmp_path, pg):
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        activity(store, settings, 2)
        with central.connect(settings.central_dsn) as conn:
            sync.push(store, settings, conn)
            with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
                              " AND pid <> pg_backend_pid()", (pg["db"],))
            activity(store, settings, 1)
            with pytest.raises(psycopg.OperationalError):
                sync.push(store, settings, conn)
        assert sync.run(store, settings).ok and sync.status(store).pending == 0
    assert central_rows(pg, "SELECT COUNT(*) FROM pst.changes") == [(21,)]


def test_pull_reference_data_and_refuse_bad_catalogue(tmp_path, pg):
    from kiosk.catalogue import active, shipped

    settings = office(tmp_path, pg, "1373")
    central.add_office(pg["dsn"], "3324")
    catalogue = json.loads(json.dumps(shipped().model_dump(mode="json")))
    catalogue["regulation"][0]["product"][0]["base_price"] = 55_000
    central.publish(pg["dsn"], "catalogue", catalogue)
    central.publish(pg["dsn"], "holidays", {"dates": ["2026-11-24"]}, office_code="1373")
    central.publish(pg["dsn"], "holidays", {"dates": ["2026-11-25"]}, office_code="3324")
    pin_hash = accounts._hasher().hash("246813")
    central.publish(pg["dsn"], "officers", {"users": [
        {"username": "dewi", "name": "Dewi", "role": "petugas", "pin_hash": pin_hash}]}, office_code="1373")
    with Store(settings.db_path) as store:
        # Rows become readable once no older transaction anywhere in the cluster is open;
        # other tests' databases share the cluster, so allow a moment.
        result = _pull_until(store, settings, 3)
        assert result.ok and result.pulled == 3 and result.refused == []
        assert active(store).regulation[0].product[0].base_price == 55_000
        from kiosk import reference

        assert {d.isoformat() for d in reference.holidays(store)} == {"2026-11-24"}  # not 3324's
        assert accounts.authenticate(store, "dewi", "246813").role == "petugas"
        bad = json.loads(json.dumps(catalogue))
        bad["regulation"][0]["product"][0]["rule"] = "free-for-all"
        with pytest.raises(central.Invalid):  # the centre checks before publishing
            central.publish(pg["dsn"], "catalogue", bad)
        # One that got there anyway (published before the centre checked, or by hand).
        central_rows(pg, "INSERT INTO pst.reference(kind, payload) VALUES ('catalogue', %s) RETURNING id",
                     json.dumps(bad))
        again = _pull_until(store, settings, 0, refused=1)
        assert again.ok and again.pulled == 0 and len(again.refused) == 1
        assert active(store).regulation[0].product[0].base_price == 55_000  # the old one kept
        assert sync.run(store, settings).refused == []  # refused once, not again and again


def test_pull_filters_by_office_itself_and_merges_national_and_office_holidays(tmp_path, pg):
    from kiosk import reference

    settings = office(tmp_path, pg, "1373")
    central.add_office(pg["dsn"], "3324")
    # A DSN that bypasses row-level security (the superuser): the office filter must hold anyway.
    owner = settings.model_validate({**settings.model_dump(mode="json"), "central_dsn": pg["dsn"]})
    central.publish(pg["dsn"], "holidays", {"dates": ["2026-12-25", "2026-12-31"]})
    central.publish(pg["dsn"], "holidays", {"dates": ["2026-11-24"]}, office_code="1373")
    central.publish(pg["dsn"], "holidays", {"dates": ["2026-11-25"]}, office_code="3324")
    with Store(settings.db_path) as store:
        assert _pull_until(store, owner, 2).pulled == 2
        assert {d.isoformat() for d in reference.holidays(store)} == {"2026-12-25", "2026-12-31", "2026-11-24"}
        central.publish(pg["dsn"], "holidays", {"dates": ["2026-12-25", "2026-12-26"]})  # a new national list
        assert _pull_until(store, owner, 1).pulled == 1
        assert {d.isoformat() for d in reference.holidays(store)} == {"2026-12-25", "2026-12-26", "2026-11-24"}


def _pull_until(store, settings, pulled, refused=0, seconds=10.0):
    import time

    total = sync.SyncResult()
    end = time.time() + seconds
    while time.time() < end:
        result = sync.run(store, settings)
        assert result.ok, result.error
        total.pulled += result.pulled
        total.refused += result.refused
        if total.pulled >= pulled and len(total.refused) >= refused:
            break
        time.sleep(0.1)
    return total


def test_restore_rebuilds_a_store_and_numbers_continue(tmp_path, pg):
    from kiosk.sales import payments

    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        treasurer = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
        reg = register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        queue = queue_for(store, settings).as_user(admin)
        queue.call_next(1)
        order = sales.create_order(store, settings, admin, guest_id=reg.guest_id)
        sales.add_line(store, admin, order.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, admin, order.id)
        sales.check_documents(store, admin, order.id)
        sales.issue_invoice(store, settings, admin, order.id)
        payments.submit_payment(store, treasurer, order.id, method="cash", amount=50_000)
        payments.verify_payment(store, treasurer, order.id)
        payments.issue_receipt(store, settings, treasurer, order.id)
        assert sync.run(store, settings).ok
    fresh = write_config(tmp_path / "new.toml", tmp_path / "new.db", code="1373")
    fresh = fresh.model_validate({**fresh.model_dump(mode="json"), "central_dsn": office_dsn(pg, "1373")})
    with Store(fresh.db_path) as store:
        from kiosk.central import restore

        done = restore.restore(store, fresh, dsn=None, office_code="1373")
        counts = done.restored
        assert counts["tickets"] == 1 and counts["orders"] == 1 and counts["guests"] == 1
        assert counts["users"] == 2 and done.skipped == {}
        restored = sales.get(store, order.id)
        assert restored.receipt.number == "0001/KW/1373/2026" and restored.total == 50_000
        assert restored.invoice.number == "INV/1373/2026/0001"
        assert queue_for(store, fresh).take("B").number == "B-002"  # numbering continues
        # The accounts came back with their PINs: the desk is not left open.
        assert accounts.enforced(store)
        with pytest.raises(accounts.Forbidden):
            accounts.add_user(store, None, username="intruder", name="X", role="admin", pin="730461")
        admin2 = accounts.authenticate(store, "admin", "975318")
        treasurer2 = accounts.authenticate(store, "rina", "435162")
        second = sales.create_order(store, fresh, admin2, customer_name="Andi", segment="perorangan")
        assert second.number == "ORD/1373/2026/0002"
        sales.add_line(store, admin2, second.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, admin2, second.id)
        sales.check_documents(store, admin2, second.id)
        sales.issue_invoice(store, fresh, admin2, second.id)
        payments.submit_payment(store, treasurer2, second.id, method="cash", amount=50_000)
        payments.verify_payment(store, treasurer2, second.id)
        done = payments.issue_receipt(store, fresh, treasurer2, second.id)
        assert done.receipt.number == "0002/KW/1373/2026" and done.invoice.number == "INV/1373/2026/0002"
        with pytest.raises(Exception):
            restore.restore(store, fresh, dsn=None, office_code="1373")  # only into an empty store
        assert sync.run(store, fresh).ok  # the new PC pushes on without clashing


async def test_a_face_syncs_in_the_background_and_shows_it(tmp_path, pg):
    from screens.display_app import DisplayApp

    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        activity(store, settings, 1)
    app = DisplayApp(settings)
    async with app.run_test(size=(120, 40)) as pilot:
        seen = []
        for _ in range(300):  # up to 15 s: the first round starts after 1 s, slower under load
            await pilot.pause(0.05)
            seen.append(str(app.query_one(".sync-bar").render()))
            if "0 menunggu" in seen[-1]:
                break
        # Never "online" before a round has reached the centre, even while the first is in flight.
        assert all("Luring" in text for text in seen if "belum pernah" in text)
        assert "Daring" in seen[-1] and "0 menunggu" in seen[-1] and "belum pernah" not in seen[-1]
    assert central_rows(pg, "SELECT COUNT(*) FROM pst.changes") == [(7,)]


def test_passwords_are_never_shown_and_tls_options_pass_through(tmp_path):
    assert central.redact("postgresql://pst_office_1373:s3cret@db.bps.go.id/pst") == \
        "postgresql://pst_office_1373:***@db.bps.go.id/pst"
    assert "s3cret" not in central.redact("host=db user=x password=s3cret dbname=pst")
    with pytest.raises(central.CentralError) as err:
        central.connect("host=127.0.0.1 port=1 user=x password=s3cret dbname=pst connect_timeout=1")
    assert "s3cret" not in err.value.message("en")
    assert "(host=127.0.0.1 port=1 dbname=pst user=x)" in err.value.message("en")  # those four only
    missing = tmp_path / "no-such-root.crt"
    with pytest.raises(central.CentralError) as err:
        central.connect(f"host=127.0.0.1 user=postgres dbname=postgres sslmode=verify-full sslrootcert={missing}")
    assert "no-such-root.crt" in err.value.message("en") or "SSL" in err.value.message("en").upper()


@pytest.mark.parametrize("dsn, secret", [
    ("postgresql://pst_office_1373:s3cr@Pass@127.0.0.1/pst", "Pass"),  # an unencoded '@' in the password
    ("postgresql://pst_office_1373:s3cr%40Pass@127.0.0.1:5433/pst?sslmode=require", "Pass"),
    ("host=db user=x password='with space\\' and@quote' dbname=pst", "quote"),
    ("host=db user=x password=abc@defg dbname=pst", "defg"),
    ("connection to postgresql://u:pw@Tail@h/db failed", "Tail"),
    ("host=db user=x password=Top\\ Secret2 dbname=pst", "Secret2"),  # libpq's escaped space
    ("host=db user=x PASSWORD=TopSecretUp dbname=pst", "TopSecretUp"),  # libpq refuses it: still hidden
    ("host=db Password = 'Quoted Secret' dbname=pst", "Secret"),
    ("host=db PASSWORD='unterminated Secret", "Secret"),
    ("host=db sslpassword=KeySecret1 sslkey=/k", "KeySecret1"),
    ("postgresql://u@db/pst?sslmode=require&password=QuerySecret&application_name=x", "QuerySecret"),
    ("postgresql://u@db/pst?PASSWORD=Query%20Secret", "Secret"),
    ("could not connect: host=db password=abc\\ defg\\ hij dbname=pst: refused", "hij"),
])
def test_a_password_never_shows_whatever_its_characters(dsn, secret):
    shown = central.redact(dsn)
    assert secret not in shown and "***" in shown


_SECRETS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
                   max_size=24).filter(lambda s: s.strip() and "PLACEHOLDER" not in s)


def _escaped(secret):
    """The secret as libpq reads it unquoted: backslash before backslashes, quotes and spaces."""
    return "".join("\\" + c if c in "\\' " or c.isspace() else c for c in secret)


def _quoted(secret):
    return "'" + secret.replace("\\", "\\\\").replace("'", "\\'") + "'"


_FORMS = {
    "psycopg": lambda s: make_conninfo(host="db", user="u", password=s, dbname="pst", sslmode="require"),
    "escaped": lambda s: f"host=db user=u password={_escaped(s)} dbname=pst",
    "upper escaped": lambda s: f"host=db user=u PASSWORD={_escaped(s)} dbname=pst",
    "upper quoted": lambda s: f"host=db PassWord = {_quoted(s)} user=u",
    "last": lambda s: f"host=db user=u password={_escaped(s)}",
    "url": lambda s: f"postgresql://u:{quote(s, safe='')}@db:5432/pst?sslmode=require",
    "url param": lambda s: f"postgresql://u@db/pst?sslmode=require&password={quote(s, safe='')}&connect_timeout=3",
    "message": lambda s: f"connection failed (host=db user=u password={_escaped(s)} dbname=pst): timeout",
}


@hsettings(max_examples=300, deadline=None)
@given(secret=_SECRETS, form=st.sampled_from(sorted(_FORMS)))
def test_a_password_is_hidden_whole_whatever_the_form_and_characters(secret, form):
    dsn = _FORMS[form](secret)
    template = _FORMS[form]("PLACEHOLDER")
    assume(secret not in template and quote(secret, safe="") not in template)
    # Hidden exactly as a plain password is: nothing of it shows, nothing else goes.
    assert central.redact(dsn) == central.redact(template)
    assert "PLACEHOLDER" not in central.redact(template)


def test_connect_keeps_the_timeouts_a_dsn_gives():
    given = f"{ADMIN_DSN} connect_timeout=7 options='-c statement_timeout=1234'"
    with central.connect(given) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "1234ms"
        assert conn.info.get_parameters()["connect_timeout"] == "7"
    with central.connect(ADMIN_DSN, timeout=3) as conn:  # absent: our short defaults
        assert conn.execute("SHOW statement_timeout").fetchone()[0] == "30s"
        assert conn.info.get_parameters()["connect_timeout"] == "3"
    with pytest.raises(central.ConfigError) as err:
        central.connect("host=db password=s3cret-value nonsense")
    assert "s3cret-value" not in err.value.message("en") and err.value.exit_code == 6


def test_an_office_password_is_hashed_before_it_leaves(pg):
    proxy = Proxy()
    try:
        proxy.recorded = bytearray()
        central.add_office(f"host=127.0.0.1 port={proxy.port} user=postgres dbname={pg['db']} sslmode=disable",
                           "1373", password="Plain-Secret-42")
        assert proxy.recorded and b"ALTER ROLE" in proxy.recorded
        assert b"Plain-Secret-42" not in proxy.recorded  # so never in the server's statement log either
    finally:
        proxy.close()
    stored = central_rows(pg, "SELECT rolpassword FROM pg_authid WHERE rolname = %s", f"{pg['prefix']}1373")
    assert stored[0][0].startswith("SCRAM-SHA-256$")


def test_sync_from_the_command_line(tmp_path, pg, monkeypatch, capsys):
    from screens.main import main

    settings = office(tmp_path, pg, "1373")
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "1373-t.toml"))
    monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", office_dsn(pg, "1373"))
    assert main(["ticket", "take", "B", "--no-print"]) == 0
    capsys.readouterr()
    assert main(["sync", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["pushed"] == 1 and out["pending"] == 0 and out["online"] is True
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", "host=127.0.0.1 port=1 user=x password=s3cret dbname=x")
    assert main(["sync"]) == 11
    captured = capsys.readouterr()
    assert "s3cret" not in captured.out + captured.err and "Luring" in captured.out
    assert "Basis data pusat tidak dapat dihubungi" in captured.err  # in the reader's language
    assert main(["--lang", "en", "sync"]) == 11
    assert "Cannot reach the central database" in capsys.readouterr().err


def test_a_link_that_stalls_times_out_and_nothing_is_half_applied(tmp_path, pg):
    import time

    proxy = Proxy()
    try:
        settings = office(tmp_path, pg, "1373")
        via_proxy = settings.model_validate({**settings.model_dump(mode="json"),
                                             "central_dsn": office_dsn(pg, "1373", proxy.port)})
        with Store(settings.db_path) as store:
            activity(store, settings, 200)  # 1400 changes: several batches
            proxy.cut_after = None
            # Let the first batches through, then freeze the link without closing it.
            import threading

            def freeze_soon():
                deadline = time.time() + 20
                with Store(settings.db_path) as watch:
                    while sync.status(watch).pushed_seq < 500 and time.time() < deadline:
                        time.sleep(0.01)
                proxy.stall = True

            threading.Thread(target=freeze_soon, daemon=True).start()
            started = time.monotonic()
            result = sync.run(store, via_proxy, stall_seconds=2)
            elapsed = time.monotonic() - started
            assert not result.ok and "no progress" in result.error and elapsed < 15
            pushed = sync.status(store).pushed_seq
            proxy.stall = False
            assert central_rows(pg, "SELECT COUNT(*) FROM pst.changes") == [(pushed,)]  # no half batch
            assert sync.run(store, settings).ok and sync.status(store).pending == 0
    finally:
        proxy.close()
    rows = central_rows(pg, "SELECT seq FROM pst.changes ORDER BY seq")
    assert [r[0] for r in rows] == list(range(1, 1401))


def central_cli(monkeypatch, capsys, tmp_path, dsn, *args, env=None):
    """``pst-kiosk ARGS`` as the centre's administrator runs it (no office configuration)."""
    from screens.main import main

    (tmp_path / "central-admin.toml").touch()  # an explicit config file must exist (empty: no office)
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "central-admin.toml"))
    monkeypatch.setenv("PST_KIOSK_DB", str(tmp_path / "central-admin.db"))
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", dsn)
    for name in ("PST_KIOSK_NEW_PASSWORD", "PST_KIOSK_NEW_PIN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    status = main(["--lang", "en", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err and "Error:" not in out.err  # no Python exception names
    assert len(out.err.strip().splitlines()) <= 1
    return status, out.out, out.err


def _role_password(pg, code):
    found = central_rows(pg, "SELECT rolpassword FROM pg_authid WHERE rolname = %s", f"{pg['prefix']}{code}")
    return found[0][0] if found else "no role"


def test_add_office_needs_a_long_password_and_keeps_an_existing_one(tmp_path, pg, monkeypatch, capsys):
    run = lambda *args, **kw: central_cli(monkeypatch, capsys, tmp_path, pg["dsn"], *args, **kw)  # noqa: E731
    status, _out, err = run("central", "add-office", "13")
    assert status == 9 and "4 digits" in err
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    status, _out, err = run("central", "add-office", "1373")  # no variable, no terminal
    assert status == 9 and "PST_KIOSK_NEW_PASSWORD" in err and _role_password(pg, "1373") == "no role"
    status, _out, err = run("central", "add-office", "1373", env={"PST_KIOSK_NEW_PASSWORD": "x"})
    assert status == 9 and "at least 12" in err and _role_password(pg, "1373") == "no role"
    # On a terminal it is asked twice.
    answers = iter(["Correct-Horse-1", "Correct-Horse-2"])
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    status, _out, err = run("central", "add-office", "1373")
    assert status == 9 and "differ" in err and _role_password(pg, "1373") == "no role"
    answers = iter(["Correct-Horse-1", "Correct-Horse-1"])
    status, out, err = run("central", "add-office", "1373", "--name", "BPS Kota Sawahlunto")
    assert status == 0, err
    first = _role_password(pg, "1373")
    assert first.startswith("SCRAM-SHA-256$") and f"{pg['prefix']}1373" in out
    # Added again: refused before anything is asked or changed.
    monkeypatch.setattr("getpass.getpass", lambda prompt="": pytest.fail("asked for a password"))
    status, _out, err = run("central", "add-office", "1373", env={"PST_KIOSK_NEW_PASSWORD": "Another-Secret-9"})
    assert status == 5 and "exists" in err and "--reset-password" in err and _role_password(pg, "1373") == first
    status, _out, err = run("central", "add-office", "1373", "--reset-password",
                            env={"PST_KIOSK_NEW_PASSWORD": "Another-Secret-9"})
    assert status == 0, err
    assert _role_password(pg, "1373") not in (first, "no role")
    assert central_rows(pg, "SELECT name FROM pst.offices WHERE code = '1373'") == [("BPS Kota Sawahlunto",)]
    with pytest.raises(central.Refused):  # the library refuses the same way
        central.add_office(pg["dsn"], "1373", password="Third-Secret-99")
    with pytest.raises(central.Invalid):
        central.add_office(pg["dsn"], "3324", password="short")


def test_an_office_role_may_not_administer_the_centre(tmp_path, pg, monkeypatch, capsys):
    settings = office(tmp_path, pg, "1373")
    catalogue = tmp_path / "holidays.json"
    catalogue.write_text('{"dates": ["2026-12-25"]}')
    for args, action in ((("central", "init"), "set up the central schema"),
                         (("central", "add-office", "3324"), "add offices"),
                         (("central", "publish", "holidays", str(catalogue)), "publish reference data")):
        status, _out, err = central_cli(monkeypatch, capsys, tmp_path, settings.central_dsn, *args,
                                        env={"PST_KIOSK_NEW_PASSWORD": "Long-Enough-Secret"})
        assert status == 11, (args, err)
        assert f"this role ({pg['prefix']}1373) may not {action}" in err
    assert central_rows(pg, "SELECT count(*) FROM pst.reference") == [(0,)]
    assert central_rows(pg, "SELECT count(*) FROM pg_roles WHERE rolname = %s", f"{pg['prefix']}3324") == [(0,)]


def test_publish_checks_the_file_the_data_and_the_office_first(tmp_path, pg, monkeypatch, capsys):
    from kiosk import reference

    run = lambda *args: central_cli(monkeypatch, capsys, tmp_path, pg["dsn"], *args)  # noqa: E731
    central.add_office(pg["dsn"], "1373")
    status, _out, err = run("central", "publish", "catalogue", str(tmp_path / "nonexistent.toml"))
    assert status == 9 and "nonexistent.toml" in err and "Cannot read" in err
    broken = tmp_path / "broken.toml"
    broken.write_text("[regulation\ncode = 1\n")
    status, _out, err = run("central", "publish", "catalogue", str(broken))
    assert status == 9 and "broken.toml" in err and "line 1" in err
    foo = tmp_path / "foo.json"
    foo.write_text('{"foo": 1}')
    status, _out, err = run("central", "publish", "catalogue", str(foo))
    assert status == 9 and "catalogue data is not valid" in err and "regulation" in err
    pin_hash = accounts._hasher().hash("246813")
    officers = tmp_path / "officers.toml"
    officers.write_text(f'[[users]]\nusername = "dewi"\nname = "Dewi"\nrole = "petugas"\npin_hash = "{pin_hash}"\n')
    status, _out, err = run("central", "publish", "officers", str(officers), "--office", "9999")
    assert status == 9 and "9999 is not registered" in err
    status, _out, err = run("central", "publish", "officers", str(officers), "--office", "13")
    assert status == 9 and "4 digits" in err
    plain = tmp_path / "plain.toml"
    plain.write_text('[[users]]\nusername = "dewi"\nname = "Dewi"\nrole = "petugas"\npin_hash = "246813"\n')
    status, _out, err = run("central", "publish", "officers", str(plain), "--office", "1373")
    assert status == 9 and "pin_hash" in err
    assert central_rows(pg, "SELECT count(*) FROM pst.reference") == [(0,)]  # nothing went out
    status, out, err = run("central", "publish", "officers", str(officers), "--office", "1373")
    assert status == 0, err
    status, out, err = run("central", "publish", "catalogue", "data/catalogue.toml")
    assert status == 0, err
    assert [k for (k,) in central_rows(pg, "SELECT kind FROM pst.reference ORDER BY id")] == ["officers", "catalogue"]
    for kind, payload in central_rows(pg, "SELECT kind, payload FROM pst.reference"):
        reference.validate(kind, payload)  # what went out is what the offices apply


def test_hash_pin_makes_the_hash_an_office_logs_in_with(tmp_path, pg, monkeypatch, capsys):
    from kiosk import reference

    status, out, err = central_cli(monkeypatch, capsys, tmp_path, pg["dsn"], "central", "hash-pin",
                                   env={"PST_KIOSK_NEW_PIN": "246813"})
    assert status == 0, err
    pin_hash = out.strip()
    assert pin_hash.startswith("$argon2id$") and "246813" not in pin_hash
    with Store(tmp_path / "office.db") as store:
        reference.apply(store, "officers", {"users": [{"username": "dewi", "name": "Dewi", "role": "petugas",
                                                       "pin_hash": pin_hash}]})
        assert accounts.authenticate(store, "dewi", "246813").role == "petugas"
    status, _out, err = central_cli(monkeypatch, capsys, tmp_path, pg["dsn"], "central", "hash-pin",
                                    env={"PST_KIOSK_NEW_PIN": "12"})
    assert status == 9
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    status, _out, err = central_cli(monkeypatch, capsys, tmp_path, pg["dsn"], "central", "hash-pin")
    assert status == 9 and "PST_KIOSK_NEW_PIN" in err


def test_a_store_of_another_office_is_told_not_shown_a_raw_policy_error(tmp_path, pg, monkeypatch, capsys):
    from screens.main import main

    office(tmp_path, pg, "1373")
    settings = write_config(tmp_path / "0000.toml", tmp_path / "0000.db", code="0000")  # never configured
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
        result = sync.run(store, settings, dsn=office_dsn(pg, "1373"))
        assert not result.ok and "does not match the centre's role" in result.error
        assert "row-level security" not in result.error and sync.status(store).pending == 1
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "0000.toml"))
    monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", office_dsn(pg, "1373"))
    capsys.readouterr()
    assert main(["--lang", "en", "sync"]) == 11
    err = capsys.readouterr().err
    assert f"office code (0000) does not match the centre's role {pg['prefix']}1373 (office 1373)" in err
    assert "row-level security" not in err
    assert central_rows(pg, "SELECT count(*) FROM pst.changes") == [(0,)]


def test_the_stored_sync_error_never_holds_the_password(tmp_path, pg, monkeypatch, capsys):
    from screens.main import main

    settings = office(tmp_path, pg, "1373")
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "1373-t.toml"))
    monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
    for dsn in ("host=127.0.0.1 port=1 user=x password=Top\\ Secret2 dbname=x connect_timeout=1",
                "host=127.0.0.1 port=1 user=x password='Quoted Secret3' dbname=x connect_timeout=1",
                "postgresql://x:Url%20Secret4@127.0.0.1:1/x?connect_timeout=1"):
        monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", dsn)
        assert main(["--lang", "en", "sync"]) == 11
        assert main(["--lang", "en", "sync", "--status", "--json"]) == 0
        captured = capsys.readouterr()
        state = json.loads(captured.out[captured.out.index("{"):])
        assert state["last_error"] and "(host=127.0.0.1 port=1 dbname=x user=x)" in state["last_error"]
        for text in (captured.out, captured.err, state["last_error"]):
            assert "Secret" not in text
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", "host=127.0.0.1 port=1 user=x PASSWORD=TopSecretUp dbname=x")
    assert main(["--lang", "en", "sync"]) == 6  # libpq cannot read it: a configuration error
    captured = capsys.readouterr()
    assert "TopSecretUp" not in captured.out + captured.err and '"PASSWORD"' in captured.err  # the key, no value

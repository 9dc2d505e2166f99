"""Several OS processes on one store: no ticket called twice, no number issued twice,
never "database is locked"."""

import json
import subprocess
import sys
import textwrap

from kiosk.queue import Queue
from tests.conftest import JAKARTA

CALLER = textwrap.dedent("""
    import json, sys, time
    from zoneinfo import ZoneInfo
    from kiosk.errors import EmptyQueue
    from kiosk.queue import Queue
    from kiosk.store import Store
    from pathlib import Path
    db, counter, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    got = []
    with Store(db) as store:
        # A barrier: every process is loaded and connected before any of them calls.
        barrier = Path(db).parent
        (barrier / f"ready-{counter}").touch()
        deadline = time.time() + 60
        while len(list(barrier.glob("ready-*"))) < total and time.time() < deadline:
            time.sleep(0.01)
        queue = Queue(store, tz=ZoneInfo("Asia/Jakarta"))
        # At most 100 each: SQLite's busy handler may let one process hold the write lock
        # turn after turn (the others sleep longer at each try), so without a cap one process
        # could take all 300 under load and nothing would have competed (a flake seen once).
        while len(got) < 100:
            try:
                ticket = queue.call_next(counter)
            except EmptyQueue:
                break
            queue.start(ticket.id)
            queue.finish(ticket.id)
            got.append(ticket.id)
    print(json.dumps(got))
""")

TAKER = textwrap.dedent("""
    import json, sys
    from zoneinfo import ZoneInfo
    from kiosk.queue import Queue
    from kiosk.store import Store
    db, count = sys.argv[1], int(sys.argv[2])
    with Store(db) as store:
        queue = Queue(store, tz=ZoneInfo("Asia/Jakarta"))
        print(json.dumps([queue.take("B").number for _ in range(count)]))
""")


def _run_all(script, args_list):
    procs = [subprocess.Popen([sys.executable, "-c", script, *map(str, args)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for args in args_list]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err
        outputs.append(json.loads(out))
    return outputs


def test_processes_calling_next_never_share_a_ticket(tmp_path):
    from kiosk.store import Store

    db = tmp_path / "pst.db"
    with Store(db) as store:
        queue = Queue(store, tz=JAKARTA)
        taken = {queue.take("BCA"[i % 3], priority=i % 5 == 0).id for i in range(300)}
    results = _run_all(CALLER, [(db, counter, 4) for counter in range(1, 5)])
    called = [tid for got in results for tid in got]
    assert len(called) == len(set(called)) == 300
    assert set(called) == taken
    assert sum(1 for got in results if got) >= 3, "the processes really competed"
    with Store(db) as store:
        assert store.conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE status = 'done'").fetchone()[0] == 300
        # Every call and finish is in the outbox exactly once.
        assert store.conn.execute(
            "SELECT COUNT(*) FROM changes WHERE op = 'call'").fetchone()[0] == 300


def test_processes_taking_tickets_never_share_a_number(tmp_path):
    from kiosk.store import Store

    db = tmp_path / "pst.db"
    Store(db).close()
    results = _run_all(TAKER, [(db, 100)] * 4)
    numbers = [n for got in results for n in got]
    assert len(numbers) == len(set(numbers)) == 400
    assert sorted(numbers) == [f"B-{i:03d}" for i in range(1, 401)]


OPENER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from kiosk.store import Store
    db, me, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    gate = Path(db).parent / "gate"
    (gate / f"ready-{me}").touch()
    deadline = time.time() + 60
    while len(list(gate.glob("ready-*"))) < total and time.time() < deadline:
        time.sleep(0.001)
    with Store(db) as store:  # all at once, on a store that does not exist yet
        print(store.terminal_id)
""")


def test_faces_starting_together_on_a_new_store_all_open_it(tmp_path):
    """Kiosk, counters and display started at boot, before any `init`: each opens and
    migrates the store without 'table already exists', 'file exists' or 'locked'."""
    from kiosk.store import Store, schema_version

    for attempt in range(3):
        db = tmp_path / f"boot{attempt}" / "pst.db"
        (db.parent / "gate").mkdir(parents=True)
        procs = [subprocess.Popen([sys.executable, "-c", OPENER, str(db), str(i), "5"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in range(5)]
        results = [p.communicate(timeout=120) for p in procs]
        assert [p.returncode for p in procs] == [0] * 5, [err for _, err in results]
        assert len({out.strip() for out, _ in results}) == 1  # one terminal id for the store
        with Store(db) as store:
            assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()

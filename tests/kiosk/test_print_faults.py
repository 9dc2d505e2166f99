"""Every document printed exactly once, whole, on the printer it is for: real TCP printers
(tests/printer_server.py) that fail the way thermal printers do, and real processes for
the concurrent retries and the SIGKILL mid-job. A document is counted as printed when
its cut came out (a job cut off halfway has none)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk import accounts, config, lockers, printing, sales
from kiosk.errors import Refused
from kiosk.sales import payments
from kiosk.sales.papers import print_invoice, print_receipt
from kiosk.store import Store
from kiosk.tickets import issue_ticket
from tests.printer_server import CapturePrinter


def _config(tmp_path: Path, kiosk: str, counter: str | None = None, *, timeout: float = 2.0,
            **printer: object):
    """An office with two named printers: the kiosk's and the counters'."""
    path = tmp_path / "config.toml"
    raw = {
        "db": str(tmp_path / "pst.db"),
        "office": {"code": "1373", "name": "PST BPS Kota Sawahlunto", "counters": 3},
        "printer": {"url": "none", "timeout": timeout, **printer},
        "printers": {"kiosk": {"url": kiosk}, "loket": {"url": counter or kiosk}},
        "kiosk": {"printer": "kiosk", "staff_exit_code": "246810"},
        "counter": {"printer": "loket"},
    }
    config.save_file(path, raw)
    return config.load(path)


@pytest.fixture
def servers():
    started: list[CapturePrinter] = []

    def make(*args, **kwargs) -> CapturePrinter:
        server = CapturePrinter(*args, **kwargs)
        started.append(server)
        return server

    yield make
    for server in started:
        server.close()


def _documents(store: Store, settings) -> dict[str, str]:
    """A ticket (the kiosk's), a locker slip, an invoice and a receipt (the counter's):
    label -> job id."""
    counter = settings.at_counter(1)
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    officer = accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    treasurer = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
    ticket = issue_ticket(store, settings, "B")
    slip = lockers.assign(store, counter, officer, id_type="ktp", id_number="3273014101900001",
                          holder_name="Siti Aminah", locker_no=4)
    order = sales.create_order(store, counter, officer, customer_name="Andi Wijaya", segment="perorangan")
    sales.add_line(store, officer, order.id, product="publikasi-elektronik", measure=120)
    sales.agree(store, officer, order.id)
    sales.check_documents(store, officer, order.id)
    order = sales.issue_invoice(store, counter, officer, order.id)
    invoice = print_invoice(store, counter, officer, order.id)
    payments.submit_payment(store, treasurer, order.id, method="cash", amount=80_000)
    payments.verify_payment(store, treasurer, order.id)
    order = payments.issue_receipt(store, counter, treasurer, order.id)
    receipt = print_receipt(store, counter, treasurer, order.id)
    return {ticket.ticket.number: ticket.job_id, "Siti Aminah": slip.job_id,  # the slip's holder
            order.invoice.number: invoice, order.receipt.number: receipt}


def _due_now(store: Store) -> None:
    with store.write():
        store.conn.execute("UPDATE print_jobs SET next_attempt_at = created_at")


def _statuses(store: Store) -> dict[str, str]:
    return dict(store.conn.execute("SELECT label, status FROM print_jobs").fetchall())


def _kiosks(label: str) -> bool:
    return label[:2] in ("A-", "B-", "C-")


def _once(server: CapturePrinter, label: str) -> int:
    """Whole copies of the document ``label`` (a receipt names its invoice: told apart)."""
    if label.startswith("INV/"):
        return server.complete(label, without="KUITANSI")
    return server.complete(label)


def test_a_reset_after_1_kb_fails_the_job_and_the_retry_prints_it_once_whole(tmp_path, servers, clock):
    printer = servers(reset_after=1024)
    settings = _config(tmp_path, printer.url)
    with Store(settings.db_path, clock=clock) as store:
        issued = [issue_ticket(store, settings, "B") for _ in range(7)]
        for one in issued:
            result = printing.print_job(store, settings, one.job_id)
            assert (result.printed, result.sent) == (False, False)
            assert result.reason in ("lost", "no_answer"), result
        assert printer.complete() == 0 and printer.received >= 1024  # paper came out, uncut
        assert set(_statuses(store).values()) == {"failed"}
        assert "terputus" in printing.fault_text(printing.jobs(store)[0].last_error, "id") or \
            "menjawab" in printing.fault_text(printing.jobs(store)[0].last_error, "id")
        printer.reset_after = None  # the power is back
        clock.advance(seconds=10)
        results = printing.run_due(store, settings)
        assert [r.printed for r in results] == [True] * 7
        assert printing.run_due(store, settings) == printing.retry(store, settings) == []
    for one in issued:
        assert printer.complete(one.ticket.number) == 1


def test_a_printer_that_never_reads_is_never_called_printed(tmp_path, servers, clock):
    silent = servers(mode="silent")
    # Without status checks nothing can confirm: "sent", never "printed", and not sent again.
    blind = _config(tmp_path, silent.url, timeout=0.5, status_check=False)
    with Store(blind.db_path, clock=clock) as store:
        results = [printing.print_job(store, blind, issue_ticket(store, blind, "B").job_id) for _ in range(3)]
        assert [(r.printed, r.sent, r.state) for r in results] == [(False, True, "sent")] * 3
        assert set(_statuses(store).values()) == {"sent"}
        assert "terkirim" in results[0].message("id")
    # With them (the default) the silence is a failure, retried when the printer answers.
    (tmp_path / "b").mkdir()
    checked = _config(tmp_path / "b", silent.url, timeout=0.5)
    with Store(checked.db_path, clock=clock) as store:
        issued = [issue_ticket(store, checked, "B") for _ in range(3)]
        for one in issued:
            result = printing.print_job(store, checked, one.job_id)
            assert (result.printed, result.reason) == (False, "no_answer")
        silent.vanish()
        silent.come_back("ok")
        clock.advance(seconds=10)
        assert [r.printed for r in printing.run_due(store, checked)] == [True] * 3
    for one in issued:
        assert silent.complete(one.ticket.number) == 1


def test_paper_out_or_cover_open_after_the_job_fails_it_and_it_prints_again_whole(tmp_path, servers, clock):
    printer = servers(mode="paper_out_after")
    settings = _config(tmp_path, printer.url)
    with Store(settings.db_path, clock=clock) as store:
        issued = issue_ticket(store, settings, "B")
        result = printing.print_job(store, settings, issued.job_id)
        assert (result.printed, result.reason) == (False, "paper_out")
        assert printer.complete() == 0 and printer.jobs and printer.received > 0  # half a ticket came out
        printer.mode = "cover_open"
        clock.advance(seconds=10)
        (result,) = printing.run_due(store, settings)
        assert (result.printed, result.reason) == (False, "cover_open")
        assert printing.fault_text(printing.jobs(store)[0].last_error, "id").startswith("Tutup printer terbuka")
        printer.mode = "ok"  # new roll, cover closed
        clock.advance(seconds=60)
        assert [r.printed for r in printing.run_due(store, settings)] == [True]
    assert printer.complete(issued.ticket.number) == 1


def test_paper_near_its_end_still_prints_and_shows(tmp_path, servers, clock):
    printer = servers(mode="paper_low")
    settings = _config(tmp_path, printer.url)
    with Store(settings.db_path, clock=clock) as store:
        issued = issue_ticket(store, settings, "B")
        assert printing.print_job(store, settings, issued.job_id).printed
    assert printing.printer_states(settings, ["kiosk"]) == {"kiosk": "paper_low"}
    assert printer.complete("B-001") == 1


def test_each_document_goes_only_to_its_printer_and_waits_for_it(tmp_path, servers, clock):
    kiosk, counter = servers(), servers()
    settings = _config(tmp_path, kiosk.url, counter.url)
    kiosk.vanish()  # the kiosk's printer is down (unplugged) when the visitor takes a ticket
    with Store(settings.db_path, clock=clock) as store:
        jobs = _documents(store, settings)
        printers = dict(store.conn.execute("SELECT id, printer FROM print_jobs").fetchall())
        assert printers == {job: "kiosk" if label.startswith("B-") else "loket" for label, job in jobs.items()}
        results = printing.run_due(store, settings)
        # The kiosk's failure stops nothing else, and nothing falls back to the counter.
        assert sorted(r.state for r in results) == ["failed", "printed", "printed", "printed"]
        assert printing.retry(store, settings) and kiosk.complete() == 0  # U / printer retry: still only there
        kiosk.come_back()
        clock.advance(minutes=5)
        assert [r.printed for r in printing.run_due(store, settings)] == [True]
        assert set(_statuses(store).values()) == {"printed"}
    assert kiosk.complete() == 1 and kiosk.complete("B-001") == 1
    assert counter.complete() == 3 and counter.complete("B-001") == 0
    for label in jobs:
        if not label.startswith("B-"):
            assert _once(counter, label) == 1, label


def test_a_reprint_elsewhere_is_a_marked_copy(tmp_path, servers, clock):
    kiosk, counter = servers(), servers()
    settings = _config(tmp_path, kiosk.url, counter.url)
    with Store(settings.db_path, clock=clock) as store:
        issued = issue_ticket(store, settings, "B")
        assert printing.print_job(store, settings, issued.job_id).printed
        copy = printing.reprint(store, issued.ticket.id, settings=settings, printer="loket")
        assert printing.print_job(store, settings, copy).printed
    assert kiosk.complete("B-001") == 1 and b"CETAK ULANG" not in kiosk.data
    assert counter.complete("B-001") == 1 and b"CETAK ULANG / REPRINT" in counter.data


def test_no_printer_a_test_page_and_an_old_ticket_never_print_by_surprise(tmp_path, servers, clock):
    printer = servers()
    nothing = _config(tmp_path, "none")
    with Store(nothing.db_path, clock=clock) as store:
        made_without = issue_ticket(store, nothing, "B")  # the kiosk told the visitor to note it
        assert printing.print_job(store, nothing, made_without.job_id).reason == "none"
    # Later both printers are set up and working; a test page fails once, a ticket expires.
    settings = _config(tmp_path, printer.url)
    with Store(settings.db_path, clock=clock) as store:
        printer.vanish()
        test_page = printing.queue_test_page(store, settings, "loket")
        assert printing.print_job(store, settings, test_page).reason == "unreachable"
        old = issue_ticket(store, settings, "C")
        printing.print_job(store, settings, old.job_id)
        printer.come_back()
        clock.advance(minutes=settings.printer.retry_minutes + 1)
        assert printing.run_due(store, settings) == []
        assert printing.retry(store, settings) == []
        statuses = _statuses(store)
        assert statuses == {"B-001": "held", "test": "held", "C-001": "failed"}
        with pytest.raises(Refused):  # named, it is refused in words, not "unknown"
            printing.retry(store, settings, job_id=test_page)
    assert printer.complete() == 0


RETRY = [sys.executable, "-m", "screens.main", "printer", "retry"]


def _env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PST_KIOSK_")}
    return {**env, "PST_KIOSK_CONFIG": str(settings.db_path.parent / "config.toml")}


def test_three_concurrent_retries_print_every_document_once(tmp_path, servers):
    kiosk, counter = servers(), servers()
    settings = _config(tmp_path, kiosk.url, counter.url, timeout=5.0)
    with Store(settings.db_path) as store:  # the real clock, as the processes have
        labels = _documents(store, settings)
        labels.update({issue_ticket(store, settings, service).ticket.number: ""
                       for service in "AAAACCCC"})
        kiosk.vanish()  # both printers down: the first job of each fails, the rest wait...
        counter.vanish()
        assert [r.state for r in printing.run_due(store, settings)] == ["failed", "failed"]
        assert sorted(_statuses(store).values()).count("failed") == 2
        kiosk.come_back()  # ...and three officers press retry at once when they are back
        counter.come_back()
    procs = [subprocess.Popen(RETRY, env=_env(settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(3)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    with Store(settings.db_path) as store:
        assert set(_statuses(store).values()) == {"printed"}
    assert len(labels) == 12
    for label in labels:
        where, other = (kiosk, counter) if _kiosks(label) else (counter, kiosk)
        assert _once(where, label) == 1, label
        assert _once(other, label) == 0, label
    assert kiosk.complete() == 9 and counter.complete() == 3


def test_a_retry_killed_mid_job_leaves_nothing_held_and_nothing_twice(tmp_path, servers):
    printer = servers(stall_after=2000)  # jams mid-ticket: no answer, the process waits
    settings = _config(tmp_path, printer.url, timeout=30.0)
    with Store(settings.db_path) as store:
        issued = [issue_ticket(store, settings, "B") for _ in range(2)]
    proc = subprocess.Popen(RETRY, env=_env(settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert printer.wait_for_bytes(2000, timeout=60), proc.stderr.read1() if proc.poll() is not None else ""
        with Store(settings.db_path) as store:
            (leased,) = printing.jobs(store, status="printing")
            assert leased.id == issued[0].job_id
        proc.send_signal(signal.SIGKILL)
        # Dead, not yet collected by its parent (a zombie): it holds nothing any more.
        for _ in range(200):
            state = Path(f"/proc/{proc.pid}/stat").read_text().rpartition(")")[2].split()[0]
            if state == "Z":
                break
            time.sleep(0.05)
        assert state == "Z"
        printer.stall_after = None  # cleared and working again
        # The next run takes the dead process's job at once (the lease is 60 s: had it to
        # wait, it would find nothing to print) and prints each ticket once, whole.
        done = subprocess.run(RETRY, env=_env(settings), capture_output=True, timeout=60)
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert done.returncode == 0, done.stderr.decode()
    with Store(settings.db_path) as store:
        assert set(_statuses(store).values()) == {"printed"}
    for one in issued:
        assert printer.complete(one.ticket.number) == 1
    assert printer.complete() == 2


def test_ticket_take_says_sent_not_printed_where_nothing_can_confirm(tmp_path, capsys):
    from screens.main import main

    paper = tmp_path / "paper.bin"
    settings = _config(tmp_path, f"file:{paper}")
    args = ["--config", str(settings.db_path.parent / "config.toml")]
    assert main([*args, "ticket", "take", "B", "--json"]) == 0
    captured = capsys.readouterr()
    out = json.loads(captured.out)
    assert (out["printed"], out["sent"], out["print_state"], out["printer"]) == (False, True, "sent", "kiosk")
    assert "terkirim ke printer kiosk" in captured.err and "tercetak" not in captured.err
    assert paper.read_bytes().count(b"\x1dV\x00") == 1
    assert main([*args, "printer", "jobs"]) == 0
    assert "terkirim" in capsys.readouterr().out


def test_printer_status_lists_every_printer_with_its_state(tmp_path, servers, capsys):
    from screens.main import main

    kiosk, counter = servers(), servers(mode="paper_out")
    path = tmp_path / "config.toml"
    config.save_file(path, {
        "db": str(tmp_path / "pst.db"), "office": {"code": "1373", "counters": 2},
        "printer": {"url": "none", "timeout": 2.0},
        "printers": {"kiosk": {"url": kiosk.url}, "loket1": {"url": counter.url},
                     "loket2": {"url": f"file:{tmp_path / 'l2.bin'}"}},
        "kiosk": {"printer": "kiosk"}, "counter": {"printers": {"1": "loket1", "2": "loket2"}},
    })
    assert main(["--config", str(path), "printer", "status", "--json"]) == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)}
    assert {name: row["state"] for name, row in rows.items()} == {
        "kiosk": "ready", "loket1": "paper_out", "loket2": "unconfirmed"}
    assert rows["loket1"]["used_by"] == ["loket 1"] and rows["kiosk"]["url"] == kiosk.url
    kiosk.vanish()
    assert main(["--config", str(path), "--lang", "en", "printer", "status"]) == 0
    out = capsys.readouterr().out
    assert "not reachable" in out and "paper out" in out and "sent, unconfirmed" in out
    assert kiosk.complete() == counter.complete() == 0  # asking sends no paper


def test_upgrading_a_store_holds_jobs_made_without_a_printer(tmp_path):
    import sqlite3

    from kiosk.store import migrations

    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    for number, _name, sql in migrations():
        if number <= 9:
            conn.executescript(sql)
    conn.execute("PRAGMA user_version = 9")
    old = ("INSERT INTO print_jobs(id, created_at, terminal_id, kind, label, document, status,"
           " last_error, next_attempt_at) VALUES (?, '2026-11-23T02:00:00Z', 't', ?, ?, '{}', ?, ?,"
           " '2026-11-23T02:00:00Z')")
    conn.executemany(old, [("1", "ticket", "B-001", "failed", "none"), ("2", "test", "test", "failed", "offline"),
                           ("3", "ticket", "B-002", "failed", "offline"), ("4", "ticket", "B-003", "printed", None)])
    conn.commit()
    conn.close()
    with Store(db) as store:
        rows = store.conn.execute("SELECT label, status, printer FROM print_jobs ORDER BY id").fetchall()
    assert rows == [("B-001", "held", "default"), ("test", "held", "default"),
                    ("B-002", "failed", "default"), ("B-003", "printed", "default")]


def test_an_officer_reprints_a_job_elsewhere_from_the_command_line(tmp_path, servers, capsys):
    from screens.main import main

    kiosk, counter = servers(), servers()
    settings = _config(tmp_path, kiosk.url, counter.url)
    args = ["--config", str(settings.db_path.parent / "config.toml")]
    assert main([*args, "ticket", "take", "B", "--json"]) == 0
    job = json.loads(capsys.readouterr().out)["print_job"]
    assert main([*args, "printer", "reprint", job, "--printer", "nowhere"]) == 3
    assert "Tidak ada printer bernama nowhere (yang ada: " in capsys.readouterr().err
    assert main([*args, "printer", "reprint", job, "--printer", "loket"]) == 0
    assert capsys.readouterr().out == "Salinan tercetak di loket\n"
    assert kiosk.complete("B-001") == 1 and b"CETAK ULANG" not in kiosk.data
    assert counter.complete("B-001", "CETAK ULANG / REPRINT") == 1
    with Store(settings.db_path) as store:
        audited = store.row("SELECT action, detail FROM audit ORDER BY seq DESC LIMIT 1")
    assert audited["action"] == "print.reprint" and json.loads(audited["detail"])["printer"] == "loket"


def test_a_printer_busy_with_a_job_is_not_asked_for_its_state_meanwhile(tmp_path, servers, clock):
    kiosk = servers()
    settings = _config(tmp_path, kiosk.url)
    with Store(settings.db_path, clock=clock) as store:
        issued = issue_ticket(store, settings, "B")
        assert printing.busy_printers(store) == set()
        assert printing._claim(store, issued.job_id) is not None  # being sent by this process
        assert printing.busy_printers(store) == {"kiosk"}
        clock.advance(seconds=printing.LEASE_SECONDS + 1)  # a lease run out is nobody's job
        assert printing.busy_printers(store) == set()


def test_pst_kiosk_printer_sets_one_process_printer_by_name_or_address(tmp_path, servers, capsys, monkeypatch):
    from screens.main import main

    kiosk, counter, own = servers(), servers(), servers()
    settings = _config(tmp_path, kiosk.url, counter.url)
    args = ["--config", str(settings.db_path.parent / "config.toml")]
    monkeypatch.setenv("PST_KIOSK_PRINTER", "loket")
    assert main([*args, "ticket", "take", "B", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["printer"] == "loket"
    monkeypatch.setenv("PST_KIOSK_PRINTER", own.url)
    assert main([*args, "ticket", "take", "B", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["printer"] == own.url
    monkeypatch.setenv("PST_KIOSK_PRINTER", "lokett")  # a typo: refused, not printed anywhere
    assert main([*args, "ticket", "take", "B"]) == 6
    assert "PST_KIOSK_PRINTER" in capsys.readouterr().err
    assert (kiosk.complete(), counter.complete("B-001"), own.complete("B-002")) == (0, 1, 1)

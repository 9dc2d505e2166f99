"""Tickets printed through python-escpos's Network printer to a real TCP socket, and the
faults: refused, silent, paper out; retry; leases; reprint."""

import time
from datetime import timedelta

from escpos.printer import Dummy

from kiosk import printing
from kiosk.store import Store
from kiosk.tickets import issue_ticket, qr_payload
from tests.conftest import write_config
from tests.printer_server import CapturePrinter, refused_port


def _open(settings, clock):
    return Store(settings.db_path, clock=clock)


def test_ticket_prints_number_qr_and_cut_on_a_network_printer(printer_settings, capture, clock):
    with _open(printer_settings, clock) as store:
        issued = issue_ticket(store, printer_settings, "penjualan")
        result = printing.print_job(store, printer_settings, issued.job_id)
        assert result.printed, result
        job = printing.jobs(store)[0]
        assert job.status == "printed" and job.attempts == 1 and job.printed_at == clock.now()
    data = capture.wait_for_jobs(1)[0]
    assert b"B-001" in data
    assert b"PST BPS Kota Sawahlunto" in data
    assert b"\x1dV\x00" in data  # cut
    payload = qr_payload("1373", issued.ticket)
    assert payload == f"PST:1373:{issued.ticket.id}:B-001"
    qr = Dummy(profile="TM-T20II")
    qr.qr(payload, size=5, native=False, center=True)
    assert qr.output[qr.output.index(b"\x1dv0"):].rstrip(b"\n") in data


def test_native_qr_option_carries_the_payload(tmp_path, capture, clock):
    settings = write_config(tmp_path / "c.toml", tmp_path / "pst.db", printer=capture.url)
    raw = settings.model_dump(mode="json")
    raw["printer"]["qr"] = "native"
    settings = settings.model_validate(raw)
    with _open(settings, clock) as store:
        issued = issue_ticket(store, settings, "A")
        assert printing.print_job(store, settings, issued.job_id).printed
    assert f"PST:1373:{issued.ticket.id}:A-001".encode() in capture.wait_for_jobs(1)[0]


def test_refused_connection_keeps_the_ticket_and_queues_a_retry(tmp_path, clock):
    settings = write_config(tmp_path / "c.toml", tmp_path / "pst.db",
                            printer=f"network:127.0.0.1:{refused_port()}")
    with _open(settings, clock) as store:
        issued = issue_ticket(store, settings, "B")
        result = printing.print_job(store, settings, issued.job_id)
        assert not result.printed and result.reason == "unreachable"
        assert "tidak terhubung" in result.message("id")
        job = printing.jobs(store)[0]
        assert job.status == "failed" and job.next_attempt_at > clock.now()
        assert store.row("SELECT status FROM tickets WHERE id = ?", (issued.ticket.id,))["status"] == "waiting"
        # Not due yet: the spooler leaves it alone.
        assert printing.run_due(store, settings) == []
        # The printer comes back (on another port: reconfigured), the retry time passes.
        server = CapturePrinter()
        try:
            fixed = settings.model_validate({**settings.model_dump(mode="json"),
                                             "printer": {"url": server.url, "timeout": 0.5}})
            clock.advance(seconds=10)
            results = printing.run_due(store, fixed)
            assert [r.printed for r in results] == [True]
            assert b"B-001" in server.wait_for_jobs(1)[0]
            assert printing.run_due(store, fixed) == []  # printed once, never again
        finally:
            server.close()


def test_printer_that_accepts_but_never_reads_times_out(tmp_path, clock):
    silent = CapturePrinter(mode="silent")
    try:
        settings = write_config(tmp_path / "c.toml", tmp_path / "pst.db", printer=silent.url)
        with _open(settings, clock) as store:
            issued = issue_ticket(store, settings, "B")
            started = time.monotonic()
            result = printing.print_job(store, settings, issued.job_id)
            elapsed = time.monotonic() - started
            assert not result.printed and result.reason == "no_answer"
            assert elapsed < 5  # bounded by the configured 0.5 s timeout, not hanging
            assert printing.jobs(store)[0].status == "failed"
    finally:
        silent.close()


def test_paper_out_and_offline_are_reported(tmp_path, clock):
    for mode, reason, words in (("paper_out", "paper_out", "Kertas"), ("offline", "offline", "offline")):
        server = CapturePrinter(mode=mode)
        try:
            settings = write_config(tmp_path / f"{mode}.toml", tmp_path / f"{mode}.db", printer=server.url)
            with _open(settings, clock) as store:
                issued = issue_ticket(store, settings, "B")
                result = printing.print_job(store, settings, issued.job_id)
                assert (result.printed, result.reason) == (False, reason)
                assert words in result.message("id")
            assert not any(b"B-001" in job for job in server.jobs)  # nothing printed blind
        finally:
            server.close()


def test_expired_ticket_jobs_wait_for_the_officer(tmp_path, clock):
    settings = write_config(tmp_path / "c.toml", tmp_path / "pst.db",
                            printer=f"network:127.0.0.1:{refused_port()}")
    with _open(settings, clock) as store:
        issue_ticket(store, settings, "B")
        printing.run_due(store, settings)
        clock.advance(minutes=settings.printer.retry_minutes + 1)
        assert printing.run_due(store, settings) == []  # too old to print by itself
        assert printing.pending_problems(store) == 0  # no longer a warning at the counter
        server = CapturePrinter()
        try:
            fixed = settings.model_validate({**settings.model_dump(mode="json"),
                                             "printer": {"url": server.url, "timeout": 0.5}})
            # "Retry" after a morning paper-out does not flood the desk with stale tickets...
            assert printing.retry(store, fixed) == []
            # ...but the officer can print that one, or all of them.
            (job,) = printing.jobs(store, status="failed")
            results = printing.retry(store, fixed, job_id=job.id)
            assert [r.printed for r in results] == [True]
            issue_ticket(store, settings, "C")
            printing.run_due(store, settings)
            clock.advance(minutes=settings.printer.retry_minutes + 1)
            assert [r.printed for r in printing.retry(store, fixed, include_expired=True)] == [True]
            assert any(b"C-001" in j for j in server.wait_for_jobs(2))
        finally:
            server.close()


def test_printer_retry_and_jobs_on_the_command_line(tmp_path, clock, capsys, monkeypatch):
    from screens.main import main

    monkeypatch.setenv("PST_KIOSK_PRINTER", f"network:127.0.0.1:{refused_port()}")
    settings = write_config(tmp_path / "c.toml", tmp_path / "pst.db")
    args = ["--config", str(tmp_path / "c.toml")]
    assert main([*args, "ticket", "take", "B"]) == 0  # the ticket stands though unprinted
    err = capsys.readouterr().err
    assert "belum tercetak: Printer tidak terhubung" in err
    assert main([*args, "printer", "jobs"]) == 0
    out = capsys.readouterr().out
    assert "Printer tidak terhubung (" in out and "gagal" in out and "unreachable:" not in out
    assert main([*args, "printer", "retry", "--job", ""]) == 3
    assert main([*args, "printer", "retry"]) == 8  # still down
    monkeypatch.setenv("PST_KIOSK_PRINTER", "none")
    capsys.readouterr()
    assert main([*args, "ticket", "take", "B"]) == 0
    err = capsys.readouterr().err
    assert "tidak ada printer terpasang" in err and "dicoba lagi" not in err
    assert settings.printer.url.startswith("network:")


def test_a_job_is_claimed_once_and_a_dead_printers_lease_expires(printer_settings, clock):
    with _open(printer_settings, clock) as store, _open(printer_settings, clock) as other:
        issued = issue_ticket(store, printer_settings, "B")
        job = printing._claim(store, issued.job_id)
        assert job is not None and job.status == "printing"
        assert printing._claim(other, issued.job_id) is None  # held by the first
        assert printing.run_due(other, printer_settings) == []
        # The first process died mid-print: after the lease the job is printed by another.
        clock.advance(seconds=printing.LEASE_SECONDS + 1)
        results = printing.run_due(other, printer_settings)
        assert [r.printed for r in results] == [True]


def test_reprint_marks_the_copy(printer_settings, capture, clock):
    with _open(printer_settings, clock) as store:
        issued = issue_ticket(store, printer_settings, "B")
        printing.print_job(store, printer_settings, issued.job_id)
        copy_id = printing.reprint(store, issued.ticket.id)
        assert printing.print_job(store, printer_settings, copy_id).printed
        jobs = printing.jobs(store)
        assert [j.is_copy for j in jobs] == [True, False]
    first, second = capture.wait_for_jobs(2)
    assert b"CETAK ULANG / REPRINT" in second and b"CETAK ULANG" not in first
    assert b"B-001" in second


def test_no_printer_configured_keeps_the_job_for_later(settings, clock):
    with _open(settings, clock) as store:
        issued = issue_ticket(store, settings, "B")
        result = printing.print_job(store, settings, issued.job_id)
        assert (result.printed, result.reason) == (False, "none")
        (job,) = printing.jobs(store, status="held")  # kept for a reprint, never printed by itself
        assert job.label == "B-001" and job.printer == "default" and job.attempts == 0


def test_issue_is_atomic_ticket_change_and_job(settings, clock):
    with _open(settings, clock) as store:
        issued = issue_ticket(store, settings, "C", priority=True)
        assert issued.ahead == 0 and issued.ticket.priority
        counts = [store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("tickets", "changes", "print_jobs")]
        assert counts == [1, 1, 1]
        clock.advance(minutes=1)
        assert issue_ticket(store, settings, "C").ahead == 1
        assert printing.jobs(store)[0].created_at == clock.now()
        assert printing.jobs(store)[1].created_at == clock.now() - timedelta(minutes=1)

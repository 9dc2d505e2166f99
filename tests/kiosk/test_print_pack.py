"""Print jobs keep their documents packed (issue 14, the store's size): a job made now is
packed and prints the same bytes as the JSON it stands for; a job from before (JSON text)
still prints; reprints and redactions work on packed documents; a damaged document fails
its own job with the catalogue's message and the printer goes on with the others. Real
SQLite files, the capture printer on a real TCP socket."""

import json

import pytest

from kiosk import accounts, lockers, printing, privacy, retention
from kiosk.i18n import t
from kiosk.store import Store, pack_text, unpack_text
from kiosk.tickets import issue_ticket
from tests.conftest import write_config
from tests.printer_server import CapturePrinter


def _stored(store, job_id):
    return store.conn.execute("SELECT document FROM print_jobs WHERE id = ?", (job_id,)).fetchone()[0]


def _as_before(store, job_id, document):
    """A second job like ``job_id``, holding ``document`` as a store from before kept it."""
    twin = job_id[:-4] + "beef"
    store.conn.execute(
        "INSERT INTO print_jobs(id, created_at, terminal_id, kind, ref_id, label, is_copy, document, status,"
        " next_attempt_at, expires_at, printer) SELECT ?, created_at, terminal_id, kind, ref_id, label || ' old',"
        " is_copy, ?, 'queued', next_attempt_at, NULL, printer FROM print_jobs WHERE id = ?", (twin, document, job_id))
    return twin


def test_a_job_made_now_is_packed_and_prints_the_bytes_of_its_json(printer_settings, capture, clock):
    with Store(printer_settings.db_path, clock=clock) as store:
        issued = issue_ticket(store, printer_settings, "penjualan")
        stored = _stored(store, issued.job_id)
        text = unpack_text(stored)
        assert isinstance(stored, bytes) and stored[0] == printing.PRINT_ZDICT
        assert len(stored) * 4 < len(text.encode())  # ~1.4 kB of JSON in a few hundred bytes
        doc = printing.read_document(stored)
        assert text == doc.model_dump_json() and "B-001" in text
        # The same document as a job from before kept it (JSON text): the same bytes on paper.
        old = _as_before(store, issued.job_id, text)
        assert printing.print_job(store, printer_settings, issued.job_id).printed
        assert printing.print_job(store, printer_settings, old).printed
        assert _stored(store, old) == text  # read as it is: no migration
    new_bytes, old_bytes = capture.wait_for_jobs(2)
    assert new_bytes == old_bytes and b"B-001" in new_bytes and b"\x1dV\x00" in new_bytes


def test_a_job_from_before_prints_and_its_copy_is_packed(printer_settings, capture, clock):
    with Store(printer_settings.db_path, clock=clock) as store:
        issued = issue_ticket(store, printer_settings, "A")
        text = unpack_text(_stored(store, issued.job_id))
        with store.write():  # the store from before: the job's document as JSON text, spaces and all
            store.conn.execute("UPDATE print_jobs SET document = ? WHERE id = ?",
                               (json.dumps(json.loads(text)), issued.job_id))
        assert printing.print_job(store, printer_settings, issued.job_id).printed
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        copy = printing.reprint(store, issued.ticket.id, actor=admin, settings=printer_settings)
        assert isinstance(_stored(store, copy), bytes)
        assert printing.print_job(store, printer_settings, copy).printed
    first, second = capture.wait_for_jobs(2)
    assert b"A-001" in first and b"CETAK ULANG" not in first
    assert b"A-001" in second and b"CETAK ULANG / REPRINT" in second


def test_reprint_and_redaction_work_on_packed_documents(printer_settings, capture, clock):
    with Store(printer_settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        held = lockers.assign(store, printer_settings, admin, id_type="ktp", id_number="3273014101900001",
                              holder_name="Siti Aminah", locker_no=3)
        assert printing.print_job(store, printer_settings, held.job_id).printed
        copy = printing.reprint(store, held.locker.id, actor=admin, settings=printer_settings)
        assert printing.print_job(store, printer_settings, copy).printed
        # A job from before for the same locker (JSON text) is redacted too, and stays text.
        old = _as_before(store, held.job_id, unpack_text(_stored(store, held.job_id)))
        lockers.return_card(store, admin, held.locker.id)
        clock.advance(days=400)
        assert privacy.purge(store, admin, older_than_days=365).lockers == 1
        for job_id in (held.job_id, copy):
            stored = _stored(store, job_id)
            assert isinstance(stored, bytes) and stored[0] == printing.PRINT_ZDICT  # packed as it was
            text = unpack_text(stored)
            assert "Siti" not in text and "3273********0001" not in text and "(anonim)" in text
        assert isinstance(_stored(store, old), str) and "Siti" not in _stored(store, old)
        again = printing.reprint(store, held.locker.id, actor=admin, settings=printer_settings)
        assert printing.print_job(store, printer_settings, again).printed
    slip, first_copy, redacted = capture.wait_for_jobs(3)
    assert b"Siti Aminah" in slip and b"CETAK ULANG" in first_copy and b"Siti Aminah" in first_copy
    assert b"Siti" not in redacted and b"(anonim)" in redacted and b"CETAK ULANG" in redacted


def _flipped(stored: bytes) -> bytes:
    middle = len(stored) // 2
    return stored[:middle] + bytes([stored[middle] ^ 0xFF]) + stored[middle + 1:]


DAMAGES = {
    "a flipped byte": _flipped,
    "cut short": lambda stored: stored[: len(stored) // 2],
    "an unknown dictionary": lambda stored: b"\x07" + stored[1:],
    "empty": lambda stored: b"",
    "not a document": lambda stored: pack_text('{"title": 5}', printing.PRINT_ZDICT),
    "JSON text cut short": lambda stored: unpack_text(stored)[:300],
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_document_fails_its_own_job_with_the_message_and_the_others_print(
        printer_settings, capture, clock, damage):
    with Store(printer_settings.db_path, clock=clock) as store:
        issued = [issue_ticket(store, printer_settings, "B") for _ in range(3)]
        bad = issued[1].job_id
        with store.write():
            store.conn.execute("UPDATE print_jobs SET document = ? WHERE id = ?",
                               (DAMAGES[damage](_stored(store, bad)), bad))
        results = printing.run_due(store, printer_settings)
        assert [(r.job_id, r.state, r.reason) for r in results] == [
            (issued[0].job_id, "printed", None), (bad, "failed", "damaged"), (issued[2].job_id, "printed", None)]
        assert results[1].message("id") == t("printpack.damaged", "id")
        assert "damaged and cannot be printed" in results[1].message("en")
        job = {j.id: j for j in printing.jobs(store)}[bad]
        assert job.status == "failed" and job.last_error.startswith("damaged: ")
        assert printing.fault_text(job.last_error, "en") == t("printpack.damaged", "en")
        # Not retried by itself (it would fail the same way), not a warning on the counter.
        clock.advance(minutes=30)
        assert printing.run_due(store, printer_settings) == []
        assert printing.pending_problems(store) == 0
        # The officer's retry of it says the same again; a copy of it is refused, said.
        again = printing.retry(store, printer_settings, job_id=bad)
        assert [(r.state, r.reason) for r in again] == [("failed", "damaged")]
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        with pytest.raises(printing.DamagedDocument) as refused:
            printing.reprint_job(store, bad, actor=admin, settings=printer_settings)
        assert refused.value.message("en") == t("printpack.damaged_copy", "en", label="B-002")
        assert refused.value.exit_code == 7
        # Gone with the other old jobs after print_jobs_days, like an expired one.
        clock.advance(days=printer_settings.retention.print_jobs_days + 1)
        assert retention.prune(store, printer_settings).print_jobs == 3
    printed = capture.wait_for_jobs(2)
    assert b"B-001" in printed[0] and b"B-003" in printed[1]


def test_the_command_line_says_a_damaged_job_without_a_traceback(tmp_path, capsys):
    from screens.main import main

    server = CapturePrinter()
    try:
        settings = write_config(tmp_path / "config.toml", tmp_path / "pst.db", printer=server.url)
        args = ["--config", str(tmp_path / "config.toml"), "--lang", "en"]
        assert main([*args, "ticket", "take", "B", "--no-print", "--json"]) == 0
        job = json.loads(capsys.readouterr().out)["print_job"]
        with Store(settings.db_path) as store, store.write():
            store.conn.execute("UPDATE print_jobs SET document = ? WHERE id = ?",
                               (_flipped(_stored(store, job)), job))
        assert main([*args, "printer", "retry", "--job", job]) == 8
        err = capsys.readouterr().err
        assert err == f"pst-kiosk: {job}: {t('printpack.damaged', 'en')}\n"
        assert main([*args, "printer", "jobs"]) == 0
        assert t("printpack.damaged", "en") in capsys.readouterr().out
        assert main([*args, "printer", "reprint", job]) == 7
        err = capsys.readouterr().err
        assert t("printpack.damaged_copy", "en", label="B-001") in err and "Traceback" not in err
        # The message sends the office's IT person to doctor: it finds the job.
        assert main([*args, "doctor", "--json"]) == 7
        check = {c["name"]: c for c in json.loads(capsys.readouterr().out)["checks"]}["print_jobs"]
        assert not check["ok"] and check["data"] == {"jobs": 1, "unreadable": [job]}
        assert f"the first: {job}" in check["action"]
        assert main([*args, "doctor"]) == 7
        assert "print jobs   ACTION 1 print jobs; unreadable documents: 1" in capsys.readouterr().out
    finally:
        server.close()


def test_an_invoice_whose_paper_is_damaged_is_made_again_from_its_record(printer_settings, capture, clock):
    from kiosk import sales
    from kiosk.sales.papers import print_invoice

    with Store(printer_settings.db_path, clock=clock) as store:
        officer = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        order = sales.create_order(store, printer_settings, officer, customer_name="Andi Wijaya", segment="perorangan")
        sales.add_line(store, officer, order.id, product="publikasi-elektronik", measure=120)
        sales.agree(store, officer, order.id)
        sales.check_documents(store, officer, order.id)
        order = sales.issue_invoice(store, printer_settings, officer, order.id)
        # Not printed yet and damaged: the officer's print is a new original, made from the record.
        first = print_invoice(store, printer_settings, officer, order.id)
        with store.write():
            store.conn.execute("UPDATE print_jobs SET document = ? WHERE id = ?", (b"\x02broken", first))
        assert printing.print_job(store, printer_settings, first).reason == "damaged"
        second = print_invoice(store, printer_settings, officer, order.id)
        assert second != first and printing.print_job(store, printer_settings, second).printed
        # Printed, then damaged: the copy is the paper made again from the record, marked.
        with store.write():
            store.conn.execute("UPDATE print_jobs SET document = ? WHERE id = ?", (b"\x02broken", second))
        copy = print_invoice(store, printer_settings, officer, order.id)
        assert printing.print_job(store, printer_settings, copy).printed
    original, again = capture.wait_for_jobs(2)
    number = order.invoice.number.encode()
    assert number in original and b"CETAK ULANG" not in original
    assert number in again and b"CETAK ULANG / REPRINT" in again and b"Andi Wijaya" in again

"""`pst-kiosk doctor`: one table (or JSON) of what needs action, and an exit status that
names the most serious: the store 7, the configuration 6, the printer 8, the centre 11,
anything else 5; with a real capture printer, a real store, a real closed port."""

from __future__ import annotations

import json
import socket

from kiosk import backup
from kiosk.store import Store
from tests.conftest import write_config
from tests.printer_server import CapturePrinter


def doctor(monkeypatch, capsys, settings, *args):
    from screens.main import main

    monkeypatch.setenv("PST_KIOSK_CONFIG", str(settings.db_path.parent / "config.toml"))
    monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
    capsys.readouterr()
    status = main(["doctor", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_doctor_reports_every_area_and_exits_with_the_most_serious(tmp_path, monkeypatch, capsys):
    printer = CapturePrinter()
    try:
        settings = write_config(tmp_path / "config.toml", tmp_path / "pst.db", printer=printer.url)
        with Store(settings.db_path) as store:
            backup.backup(store, settings)
        status, out, err = doctor(monkeypatch, capsys, settings, "--json")
        found = json.loads(out)
        by_name = {c["name"]: c for c in found["checks"]}
        assert set(by_name) == {"store", "migrations", "outbox", "print_jobs", "archive", "disk", "config", "printer", "central",
                                "sync", "clock", "speech", "backup"}
        assert by_name["print_jobs"]["ok"] and by_name["print_jobs"]["data"]["unreadable"] == []
        assert by_name["store"]["ok"] and by_name["store"]["data"]["quick_check"] == "ok"
        assert by_name["migrations"]["ok"] and by_name["config"]["data"]["office_code"] == "1373"
        assert by_name["printer"]["data"]["state"] == "ready"
        assert by_name["backup"]["ok"] and by_name["central"]["ok"]  # no centre set: not a fault
        # Whatever this machine's clock and speech program say, the status is the rule's.
        expected = 5 if not all(c["ok"] for c in found["checks"]) else 0
        assert status == found["exit_code"] == expected
    finally:
        printer.close()
    # The printer gone: 8, whatever else needs action (5).
    dead = write_config(tmp_path / "config.toml", tmp_path / "pst.db", printer=f"network:127.0.0.1:{_closed_port()}")
    status, out, err = doctor(monkeypatch, capsys, dead, "--lang", "en")
    assert status == 8
    assert "printer" in out and "unreachable" in out and "check the printer" in out
    assert "need action" in err


def test_doctor_says_what_to_do_without_an_office_or_a_backup(tmp_path, monkeypatch, capsys):
    settings = write_config(tmp_path / "config.toml", tmp_path / "pst.db", code="0000")
    status, out, _err = doctor(monkeypatch, capsys, settings)
    assert status == 6  # the configuration comes before the missing backup
    assert "pst-kiosk init --office-code" in out and "pst-kiosk backup" in out and "PERLU" in out


def test_doctor_on_a_damaged_store_exits_7_naming_the_way_back(tmp_path, monkeypatch, capsys):
    settings = write_config(tmp_path / "config.toml", tmp_path / "pst.db")
    settings.db_path.write_bytes(b"\x00garbage" * 1000)
    status, out, _err = doctor(monkeypatch, capsys, settings, "--lang", "en")
    assert status == 7 and "restore --from-backup" in out


def test_doctor_finds_a_store_that_reads_but_cannot_be_written(tmp_path, monkeypatch, capsys):
    """Every ticket is refused (exit 7) while quick_check says ok: doctor says so, exit 7."""
    import os
    import shutil
    import subprocess

    from kiosk.i18n import t

    settings = write_config(tmp_path / "config.toml", tmp_path / "pst.db")
    with Store(settings.db_path) as store:
        backup.backup(store, settings)
    status, out, _ = doctor(monkeypatch, capsys, settings, "--json")
    assert json.loads(out)["checks"][0]["data"]["writable"] is True
    chattr = shutil.which("chattr")
    if os.geteuid() == 0:  # root writes any file by its mode: only an immutable one is refused
        if not chattr or subprocess.run([chattr, "+i", str(settings.db_path)], capture_output=True).returncode:
            return
        undo = [chattr, "-i", str(settings.db_path)]
    else:
        settings.db_path.chmod(0o400)
        undo = ["chmod", "600", str(settings.db_path)]
    try:
        status, out, _ = doctor(monkeypatch, capsys, settings, "--json")
        store = json.loads(out)["checks"][0]
        assert store["name"] == "store" and not store["ok"] and store["data"]["writable"] is False
        assert status == 7 and store["action"] == t("storefile.readonly", "id", path=str(settings.db_path))
        status, out, _ = doctor(monkeypatch, capsys, settings)
        assert status == 7 and "tidak bisa ditulis" in out.splitlines()[0] and "PERLU" in out.splitlines()[0]
    finally:
        subprocess.run(undo, check=True)

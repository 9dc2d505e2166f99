"""The command line as scripts use it: exit statuses, one-line errors, JSON."""

import json
import os
import subprocess
import sys
import tomllib

import pytest

from screens.main import main
from tests.printer_server import refused_port


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").touch()  # an explicit config file must exist (empty: the defaults)
    monkeypatch.setenv("PST_KIOSK_DB", str(tmp_path / "pst.db"))
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_creates_store_and_settings_and_is_idempotent(env, capsys):
    code, out, _ = run(capsys, "init", "--office-code", "1373", "--office-name", "PST BPS Kota Sawahlunto",
                       "--counters", "4", "--complaint", "bps1373@bps.go.id", "--printer", "none")
    assert code == 0 and "1373" in out and "Kode keluar petugas" in out
    raw = tomllib.loads((env / "config.toml").read_text())
    assert raw["office"]["code"] == "1373" and raw["office"]["counters"] == 4
    assert raw["office"].get("timezone", "Asia/Jakarta") == "Asia/Jakarta"
    exit_code = raw["kiosk"]["staff_exit_code"]
    assert (env / "pst.db").exists()
    oct_mode = oct((env / "config.toml").stat().st_mode & 0o777)
    assert oct_mode == "0o600"
    # Again, changing one thing: the rest stays, the exit code is not replaced, the store is kept.
    run(capsys, "ticket", "take", "B", "--no-print")
    code, out, _ = run(capsys, "init", "--phone", "0754-61049")
    raw = tomllib.loads((env / "config.toml").read_text())
    assert code == 0 and raw["office"]["counters"] == 4 and raw["office"]["phone"] == "0754-61049"
    assert raw["kiosk"]["staff_exit_code"] == exit_code and "Kode keluar" not in out
    code, out, _ = run(capsys, "ticket", "list", "--json")
    assert [t["number"] for t in json.loads(out)] == ["B-001"]


def test_init_refuses_a_bad_office_code(env, capsys):
    code, _, err = run(capsys, "init", "--office-code", "13A")
    assert code == 6 and "office.code" in err and (env / "config.toml").read_text() == ""  # not written


def test_ticket_take_json_and_list(env, capsys):
    code, out, err = run(capsys, "ticket", "take", "penjualan", "--json")
    ticket = json.loads(out)
    assert code == 0
    assert {"id", "number", "service", "status", "priority", "issued_at"} <= ticket.keys()
    assert (ticket["number"], ticket["service"], ticket["status"]) == ("B-001", "penjualan", "waiting")
    assert ticket["printed"] is False and "tidak ada printer terpasang" in err and err.startswith("pst-kiosk: ")
    run(capsys, "ticket", "take", "A", "--priority", "--no-print")
    code, out, _ = run(capsys, "ticket", "list", "--status", "waiting", "--json")
    assert [(t["number"], t["priority"]) for t in json.loads(out)] == [("B-001", False), ("A-001", True)]
    code, out, _ = run(capsys, "ticket", "list")
    assert "B-001" in out and "menunggu" in out


def test_ticket_take_prints_through_the_configured_printer(env, capsys, monkeypatch, capture):
    monkeypatch.setenv("PST_KIOSK_PRINTER", capture.url)
    code, out, err = run(capsys, "ticket", "take", "B", "--json")
    assert code == 0 and json.loads(out)["printed"] is True and err == ""
    assert b"B-001" in capture.wait_for_jobs(1)[0]


def test_ticket_call_statuses(env, capsys):
    code, _, err = run(capsys, "ticket", "call", "--counter", "1")
    assert code == 4 and "Tidak ada antrian" in err
    run(capsys, "ticket", "take", "B", "--no-print")
    run(capsys, "ticket", "take", "B", "--no-print")
    code, out, _ = run(capsys, "ticket", "call", "--counter", "1", "--json")
    called = json.loads(out)
    assert code == 0 and called["counter"] == 1 and called["called_at"] and called["status"] == "called"
    code, _, err = run(capsys, "ticket", "call", "--counter", "1")
    assert code == 5 and "Loket 1 masih menangani B-001" in err
    code, _, err = run(capsys, "ticket", "call", "--counter", "9")
    assert code == 3 and "1 sampai 3" in err
    code, _, err = run(capsys, "--lang", "en", "ticket", "call", "--counter", "2", "--service", "Z")
    assert code == 3 and "Unknown service" in err
    code, _, err = run(capsys, "ticket", "call", "--counter", "2", "--number", "")
    assert code == 3 and "bukan nomor antrian" in err  # not "call the next one"
    with pytest.raises(SystemExit) as stop:  # --number and --service contradict each other
        run(capsys, "ticket", "call", "--counter", "2", "--number", "b2", "--service", "C")
    assert stop.value.code == 2
    code, out, _ = run(capsys, "ticket", "call", "--counter", "2", "--number", "b2")
    assert code == 0 and "B-002" in out


def test_unknown_service_is_one_line_without_traceback(env):
    proc = subprocess.run([sys.executable, "-m", "screens.main", "ticket", "take", "Z"],
                          capture_output=True, text=True, env=os.environ.copy(), timeout=60)
    assert proc.returncode == 3
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "tidak dikenal" in proc.stderr


@pytest.mark.parametrize("argv, said", [
    (["ticket", "list", "--status", "foo"], "pst-kiosk ticket list: --status: 'foo' tidak dikenal; pilihan: waiting (menunggu), called (dipanggil)"),
    (["ticket", "call", "--counter", "x"], "pst-kiosk ticket call: --counter: 'x' bukan bilangan dengan angka 0-9"),
    (["ticket", "call"], "pst-kiosk ticket call: Belum diisi: --counter"),
    (["ticket", "call", "--counter"], "pst-kiosk ticket call: --counter perlu diikuti sebuah nilai"),
    (["ticket", "take", "B", "lagi"], "pst-kiosk: Tidak dikenal: lagi"),
    (["--lang", "en", "ticket", "list", "--status", "foo"], "pst-kiosk ticket list: --status: 'foo' is not known"),
    (["ticket", "list", "--lang=en", "--status", "foo"], "is not known; choose from: waiting (waiting), called (called)"),
    (["report", "day", "--json", "--csv"],
     "pst-kiosk report day: --csv tidak bisa dipakai bersama --json: pilih salah satu"),
    (["--lang", "en", "ticket", "call", "--counter", "1", "--number", "B-001", "--service", "B"],
     "pst-kiosk ticket call: --service cannot be used together with --number: choose one"),
])
def test_usage_errors_are_told_in_the_users_language_in_two_lines(env, capsys, argv, said):
    with pytest.raises(SystemExit) as done:
        main(argv)
    out, err = capsys.readouterr()
    assert done.value.code == 2 and out == ""
    first, hint = err.rstrip("\n").split("\n")
    assert said in first and first.startswith("pst-kiosk") and "usage:" not in err
    assert hint.endswith("--help") and hint.startswith(("Bantuan: pst-kiosk", "Help: pst-kiosk"))
    assert not (env / "pst.db").exists()  # nothing was done


def test_broken_config_file_is_reported(env, capsys):
    (env / "config.toml").write_text("[office\ncode = 1")
    code, _, err = run(capsys, "ticket", "list")
    assert code == 6 and "config.toml" in err


def test_printer_commands(env, capsys, monkeypatch, capture):
    monkeypatch.setenv("PST_KIOSK_PRINTER", f"network:127.0.0.1:{refused_port()}")
    code, _, err = run(capsys, "printer", "test")
    assert code == 8 and "tidak terhubung" in err
    run(capsys, "ticket", "take", "B")
    code, out, _ = run(capsys, "printer", "jobs", "--json")
    jobs = json.loads(out)
    # A test page that failed is never retried (held); the ticket is.
    assert [(j["kind"], j["status"]) for j in jobs] == [("ticket", "failed"), ("test", "held")]
    run(capsys, "ticket", "take", "B")
    code, out, _ = run(capsys, "printer", "jobs")
    header, *rows = out.splitlines()  # python-escpos's error has a newline in it: each row stays one line
    assert code == 0 and len(rows) == 3 and all("tidak terhubung" in r and "Errno 111" in r for r in rows)
    assert len({r.index(" 1x ") for r in rows}) == 1  # the columns line up
    assert header.split() == ["TUGAS", "DIBUAT", "JENIS", "LABEL", "PRINTER", "STATUS", "COBA", "KETERANGAN"]
    assert header.index("STATUS") == rows[2].index("tidak dicetak") and header.index("KETERANGAN") == rows[0].index("Printer")
    assert [" gagal " in r for r in rows] == [True, True, False] and " tidak dicetak " in rows[2]
    code, out, err = run(capsys, "printer", "retry")
    assert (code, out) == (8, "") and len(err.splitlines()) == 1
    assert err.startswith("pst-kiosk: Printer tidak terhubung;") and "2 pekerjaan tetap menunggu" in err
    code, _, err = run(capsys, "--lang", "en", "printer", "retry")
    assert code == 8 and "printing stopped there, 2 jobs still waiting" in err
    monkeypatch.setenv("PST_KIOSK_PRINTER", capture.url)
    code, out, _ = run(capsys, "printer", "retry")
    assert (code, out) == (0, "Dicetak ulang: 2\n")
    assert len(capture.wait_for_jobs(2)) == 2 and capture.complete() == 2
    code, out, _ = run(capsys, "printer", "jobs", "--status", "printed", "--json")
    assert len(json.loads(out)) == 2
    # The word the screens show works as the code does; a wrong one is told with both.
    for word in ("tercetak", "Tercetak", "printed"):
        assert run(capsys, "printer", "jobs", "--status", word, "--json")[1] == out
    for lang, said in (("id", "'xyz' tidak dikenal; pilihan: queued (antri), printing (mencetak)"),
                       ("en", "'xyz' is not known; choose from: queued (queued), printing (printing)")):
        with pytest.raises(SystemExit) as done:
            main(["--lang", lang, "printer", "jobs", "--status", "xyz"])
        out, err = capsys.readouterr()
        assert done.value.code == 2 and out == "" and said in err
        assert ("held (tidak dicetak)" if lang == "id" else "held (not printed)") in err
    code, out, _ = run(capsys, "printer", "retry")
    assert (code, out) == (0, "Tidak ada pekerjaan cetak yang menunggu.\n")
    code, _, err = run(capsys, "printer", "retry", "--job", "nope")
    assert code == 3


def test_bad_printer_spec_is_a_config_error(env, capsys, monkeypatch):
    """A mistyped printer stops every command and face at start with exit 6, naming the
    setting; init refuses to write it."""
    code, _, err = run(capsys, "init", "--printer", "bogus")
    assert code == 6 and "printer.url" in err and "bogus" in err and (env / "config.toml").read_text() == ""
    monkeypatch.setenv("PST_KIOSK_PRINTER", "lpt1")
    for argv in (["printer", "test"], ["ticket", "take", "A"], ["kiosk"], ["counter"], ["display"]):
        code, _, err = run(capsys, *argv)
        assert code == 6 and "lpt1" in err and "network:HOST" in err and "Traceback" not in err, argv
        assert len(err.strip().splitlines()) == 1
    monkeypatch.delenv("PST_KIOSK_PRINTER")
    code, out, _ = run(capsys, "ticket", "list", "--json")
    assert code == 0 and json.loads(out) == []  # the refused `ticket take` issued nothing


@pytest.mark.parametrize("argv", [
    ["ticket", "list", "--date", "bad"], ["ticket", "list", "--date", "2026-02-30"],
    ["catalogue", "--date", "2026-13-01"], ["report", "day", "--date", "kemarin"],
    ["report", "month", "--month", "nov"], ["report", "range", "--from", "2026-11-31", "--to", "2026-12-01"],
])
def test_a_bad_date_is_invalid_input_not_an_internal_error(env, capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 9 and out == "" and "Traceback" not in err and "ValueError" not in err
    assert "YYYY-MM-DD" in err and "hubungi petugas" not in err and len(err.strip().splitlines()) == 1


def test_a_report_range_backwards_says_so(env, capsys):
    code, out, err = run(capsys, "report", "range", "--from", "2026-12-31", "--to", "2026-12-01")
    assert (code, out) == (9, "") and len(err.splitlines()) == 1
    assert err == "pst-kiosk: --from 2026-12-31 jatuh sesudah --to 2026-12-01: tukar kedua tanggal\n"
    code, _, err = run(capsys, "--lang", "en", "report", "range", "--from", "2026-12-31", "--to", "2026-12-01")
    assert code == 9 and "--from 2026-12-31 is after --to 2026-12-01" in err
    code, _, err = run(capsys, "report", "range", "--from", "2000-01-01", "--to", "2026-12-01")
    assert code == 9 and "paling lama 10 tahun" in err
    assert run(capsys, "report", "range", "--from", "2026-12-01", "--to", "2026-12-01", "--json")[0] == 0


def test_output_piped_into_a_reader_that_stops_early_ends_quietly(env):
    """`pst-kiosk ticket list | head -1`: no "Terjadi kesalahan… (BrokenPipeError)", no
    "Exception ignored" at exit, status 0."""
    from kiosk import config
    from kiosk.store import Store
    from kiosk.tickets import issue_ticket

    settings = config.load()
    with Store(settings.db_path) as store:
        for i in range(2000):  # ~128 KB of lines: more than a pipe holds
            issue_ticket(store, settings, "ABCD"[i % 4])
    proc = subprocess.Popen([sys.executable, "-m", "screens.main", "ticket", "list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=os.environ.copy())
    first = proc.stdout.readline()
    proc.stdout.close()  # the reader goes away with the rest unread
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0
    assert first.startswith(b"A-001") and err == b""


def test_sync_status_without_a_central_store_says_so(env, capsys):
    run(capsys, "ticket", "take", "B", "--no-print")
    code, out, err = run(capsys, "sync", "--status")
    assert code == 0 and "Pusat belum diatur" in out and "Luring" not in out and err == ""
    code, out, _ = run(capsys, "sync", "--status", "--json")
    state = json.loads(out)
    assert code == 0 and state["configured"] is False and state["pending"] >= 1
    code, out, _ = run(capsys, "--lang", "en", "sync", "--status")
    assert code == 0 and "No central store configured" in out


def test_log_in_first_says_how_on_the_command_line(env, capsys, monkeypatch):
    from kiosk import accounts, config
    from kiosk.store import Store

    with Store(config.load().db_path) as store:
        accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    code, out, err = run(capsys, "report", "day")
    assert code == 10 and out == "" and len(err.strip().splitlines()) == 1
    assert "Silakan masuk dengan akun petugas dulu" in err and "--user" in err and "PST_KIOSK_USER" in err
    code, _, err = run(capsys, "--lang", "en", "ticket", "call", "--counter", "1")
    assert code == 10 and "--user NAME" in err
    monkeypatch.setenv("PST_KIOSK_USER", "admin")
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    code, out, _ = run(capsys, "report", "day", "--json")
    assert code == 0 and json.loads(out)["tickets"]["issued"] == 0


def help_text(capsys, *argv):
    with pytest.raises(SystemExit) as done:
        main(list(argv))
    out, err = capsys.readouterr()
    assert done.value.code == 0 and err == ""
    return out


def test_help_is_indonesian_by_default_and_english_with_lang_en(env, capsys):
    out = help_text(capsys, "ticket", "--help")
    assert "ambil tiket dan cetak" in out and "take a ticket" not in out
    for argv in (("ticket", "--help", "--lang", "en"), ("--lang", "en", "ticket", "--help")):
        out = help_text(capsys, *argv)
        assert "take a ticket and print it" in out and "ambil tiket" not in out
    out = help_text(capsys, "ticket", "take", "--help")
    assert "penyandang disabilitas, lansia, ibu hamil" in out and "bahasa pesan" in out
    out = help_text(capsys, "--lang=en", "ticket", "take", "--help")
    assert "disability, elderly, pregnant" in out and "language of messages" in out
    assert not (env / "pst.db").exists()


def test_help_texts_come_from_the_catalogue():
    import re
    from pathlib import Path

    import kiosk.cli

    source = Path(kiosk.cli.__file__).read_text(encoding="utf-8")
    assert 'help="' not in source
    assert not re.search(r"""\b(?:help|description)\s*=\s*[rfbu]*["']""", source)

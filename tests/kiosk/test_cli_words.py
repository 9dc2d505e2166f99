"""Everything the command line says is in the user's language (issue 17, points 8-9), and
a command loads only what it uses (the start-up budget)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import identity
from kiosk.errors import FieldInvalid
from kiosk.i18n import t
from screens.main import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").touch()  # an explicit config file must exist (empty: the defaults)
    monkeypatch.setenv("PST_KIOSK_DB", str(tmp_path / "pst.db"))
    return tmp_path


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # --help and usage errors end in argparse
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


# -- 8. argparse's own words --------------------------------------------------------------


def test_help_headings_are_indonesian_and_english_with_lang_en(env, capsys):
    code, out, _ = run(capsys, "ticket", "take", "--help")
    assert code == 0
    assert out.startswith("penggunaan: pst-kiosk ticket take")
    assert "\nargumen:\n" in out and "\npilihan:\n" in out
    assert "tampilkan bantuan ini lalu keluar" in out
    for english in ("usage:", "options:", "positional arguments", "show this help message"):
        assert english not in out
    assert out.count("pilihan:") == 1  # the shared options sit with the command's own
    code, out, _ = run(capsys, "--lang", "en", "ticket", "take", "--help")
    assert out.startswith("usage: ") and "show this help message and exit" in out


def test_the_faces_are_described_in_indonesian(env, capsys):
    _, out, _ = run(capsys, "--help")
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("    ")}
    assert "layar petugas loket" in lines["counter"]
    assert "papan antrian" in lines["display"]
    assert "pengunjung" in lines["kiosk"]


def test_a_missing_argument_is_named_in_the_users_language(env, capsys):
    code, _, err = run(capsys, "ticket", "take")
    assert code == 2 and "Belum diisi: layanan" in err and "service" not in err


def test_status_takes_the_words_the_user_reads(env, capsys):
    run(capsys, "ticket", "take", "B", "--no-print")
    code, out, _ = run(capsys, "ticket", "list", "--status", "menunggu", "--json")
    assert code == 0 and [tk["number"] for tk in json.loads(out)] == ["B-001"]
    code, out, _ = run(capsys, "ticket", "list", "--status", "tidak hadir", "--json")
    assert code == 0 and json.loads(out) == []
    code, out, _ = run(capsys, "ticket", "list", "--status", "waiting", "--json")
    assert code == 0 and len(json.loads(out)) == 1
    _, out, _ = run(capsys, "ticket", "list", "--help")
    assert "waiting (menunggu)" in " ".join(out.split())
    _, out, _ = run(capsys, "order", "list", "--help")
    assert "cancelled (dibatalkan)" in " ".join(out.split())


def test_a_config_error_is_in_indonesian_and_names_its_real_source(env, capsys, monkeypatch):
    monkeypatch.setenv("PST_KIOSK_PRINTER", "lpt1")
    code, _, err = run(capsys, "ticket", "list")
    assert code == 6 and "(PST_KIOSK_PRINTER)" in err and "config.toml" not in err
    assert "tidak dikenali" in err and "Value error" not in err and "expected" not in err
    monkeypatch.delenv("PST_KIOSK_PRINTER")
    (env / "config.toml").write_text("[office]\ncounters = 99\n")
    code, _, err = run(capsys, "ticket", "list")
    assert code == 6 and str(env / "config.toml") in err and "office.counters: paling besar 50" in err
    code, _, err = run(capsys, "--lang", "en", "ticket", "list")
    assert "office.counters: at most 50" in err


def test_ctrl_c_hint_is_not_textuals_english():
    assert "Ctrl+Q" in t("firstday.quit_hint", "id") and "keluar" in t("firstday.quit_hint", "id")


# -- 9. a name says which characters are not allowed --------------------------------------


def test_a_name_with_an_emoji_names_the_emoji():
    with pytest.raises(FieldInvalid) as caught:
        identity.name("Siti Aminah 😀")
    said = t(caught.value.key, "id", **caught.value.params)
    assert "😀" in said and "2–100" not in said
    assert identity.name("Siti Aminah-Putri") == "Siti Aminah-Putri"


# -- start-up: a command loads what it uses -----------------------------------------------


def test_ticket_take_loads_neither_the_admin_chain_nor_sqlite_utils(env):
    """What made ``ticket take`` 2x ``import textual``: sqlite-utils, argon2, uuid6 and
    pydantic's plugin scan (importlib.metadata). Checked by module, not by time."""
    probe = ("import sys, runpy; sys.argv = ['pst-kiosk', 'ticket', 'take', 'B'];\n"
             "from screens.main import main\n"
             "code = main()\n"
             "bad = [m for m in ('sqlite_utils', 'argon2', 'uuid6', 'importlib.metadata', 'textual',"
             " 'kiosk.guestbook', 'kiosk.central.sync', 'kiosk.reports') if m in sys.modules]\n"
             "print(code, bad)\n")
    environ = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                          env=environ, timeout=120)
    assert proc.stdout.strip().splitlines()[-1] == "0 []", proc.stdout + proc.stderr


# -- a value typed long is echoed short --------------------------------------------------------


def test_a_long_unknown_value_is_echoed_cut_to_forty_characters(env, capsys, monkeypatch):
    """A trial: `ticket take <5000 characters>` wrote the whole value back in the error.
    Every "unknown X" message echoes what was typed through one helper (errors.excerpt):
    the first 40 characters and an ellipsis; the choices are still listed whole."""
    long = "layanan" + "x" * 4993
    shown = long[:40] + "…"
    cases = [
        (("ticket", "take", long), 3, f'Layanan "{shown}" tidak dikenal. Pilihan: A/perpustakaan'),
        (("ticket", "list", "--status", long), 2, f"--status: '{shown}' tidak dikenal; pilihan: waiting (menunggu)"),
        (("ticket", "call", "--counter", "9" * 5000), 2, f"--counter: nilai '{'9' * 40}…' tidak valid"),
        (("ticket", "call", "--counter", "३" * 5000), 2, f"--counter: '{'३' * 40}…' bukan bilangan"),
        (("ticket", "take", "B", long), 2, f"Tidak dikenal: {shown}\n"),
        (("printer", "reprint", long), 3, f"Pekerjaan cetak {shown} tidak ditemukan"),
        (("printer", "test", "--printer", long), 3, f"Tidak ada printer bernama {shown} (yang ada: default)"),
        (("order", "show", long), 3, f"Pesanan {shown} tidak ditemukan"),
    ]
    for argv, status, words in cases:
        code, out, err = run(capsys, *argv)
        assert code == status and words in err, (argv[:2], err)
        assert len(err) < 400 and long[:41] not in err
    monkeypatch.setenv("PST_KIOSK_PRINTER", long)
    code, _, err = run(capsys, "ticket", "list")
    assert code == 6 and f'tidak ada printer bernama "{shown}"' in err and len(err) < 400

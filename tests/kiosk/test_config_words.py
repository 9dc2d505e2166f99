"""Issue 17, the first day's edges in the configuration: every refusal in the reader's
language, naming where the bad value came from (an option, a variable, the file); an
explicit config or store path that is not there is refused, not run on defaults; the
audit trail says what it keeps."""

from __future__ import annotations

import ast
import inspect
import sqlite3
import tomllib
from pathlib import Path

import pytest

from kiosk import cli
from kiosk import config as config_mod
from kiosk.i18n import t
from screens.main import main

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PIN = "975318"


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("PST_KIOSK_DB", str(tmp_path / "pst.db"))
    return tmp_path


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # --help
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


# -- 1. a validator's refusal is the catalogue's, naming the option ------------------------


@pytest.mark.parametrize(("option", "value", "said"), [
    ("--office-name", "PST\x1b[31m X", "karakter kendali"),
    ("--phone", "0754\x1b[2J61049", "karakter kendali"),
    ("--complaint", "s.bps.go.id\u200b/x", "karakter kendali"),
    ("--office-code", "12", "kode kantor harus 4 angka"),
    ("--email", "notanemail", "alamat email \"notanemail\" tidak valid"),
    ("--phone", "12", "nomor telepon \"12\" tidak valid"),
    ("--timezone", "Asia/Padang", "zona waktu Asia/Padang tidak dikenal"),
])
def test_init_refuses_in_indonesian_naming_the_option(env, capsys, option, value, said):
    code, out, err = run(capsys, "init", option, value)
    assert code == 6 and out == ""
    assert f"({option})" in err and said in err, err
    assert "config.toml" not in err and "Value error" not in err and "contains control" not in err
    assert not (env / "config.toml").exists()  # nothing written
    code, _, err = run(capsys, "--lang", "en", "init", option, value)
    assert code == 6 and f"({option})" in err and "Invalid configuration" in err and "Value error" not in err


def test_init_takes_a_real_email_and_phone_and_keeps_them_as_written(env, capsys):
    code, out, err = run(capsys, "init", "--office-code", "1373", "--email", "bps1373@bps.go.id",
                         "--phone", "(0754) 61049")
    assert code == 0, err
    office = tomllib.loads((env / "config.toml").read_text())["office"]
    assert office["email"] == "bps1373@bps.go.id" and office["phone"] == "(0754) 61049"


# Every validator of the settings, refusing a value in the file: the reader's language,
# never pydantic's "Value error, ..." in English.
BAD_FILES = [
    ('[office]\nname = "PST\\u001b X"\n', "office.name: berisi karakter kendali"),
    ('[office]\ncode = "13A"\n', "office.code: kode kantor harus 4 angka"),
    ('[office]\nemail = "bps@"\n', "office.email: alamat email"),
    ('[office]\nphone = "123"\n', "office.phone: nomor telepon"),
    ('[office]\ntimezone = "Mars/Base"\n', "office.timezone: zona waktu"),
    ('[printer]\nurl = "lpt1"\n', "printer.url: printer lpt1 tidak dikenali"),
    ('[printers.loket]\nurl = "lpt1"\n', "printers.loket.url: printer lpt1 tidak dikenali"),
    ('[display]\nchime = "/nonexistent/ding.wav"\n', "display.chime: tidak ada berkas suara"),
    ('[display]\nvoice_text = "{loket}"\n', "display.voice_text: isian tidak dikenal"),
    ('[display]\nvoice_command = "espeak \'"\n', "display.voice_command: tidak dapat dibaca"),
    ('[phone]\npublic_url = "192.168.1.10"\n', "phone.public_url: \"192.168.1.10\" harus diawali http://"),
    ('[notice]\ngateway_url = "wa.local"\n', "notice.gateway_url: \"wa.local\" harus diawali http://"),
    ('[notice]\ntemplate = "{message}"\n', "notice.template: bukan JSON setelah diisi"),
    ('[serve]\nkeyfile = "/k.pem"\n', "serve.keyfile: keyfile memerlukan sertifikatnya"),
    ('[printers.Loket]\nurl = "none"\n', "printers.Loket: nama printer ditulis huruf kecil"),
    ('[kiosk]\nprinter = "lobi"\n', "kiosk.printer: tidak ada printer bernama \"lobi\""),
    # true is not a number (pydantic alone reads it as 1: "paling kecil 31", or one counter).
    ('[retention]\ndetail_days = true\n', "retention.detail_days: harus bilangan bulat"),
    ('[retention]\ndetail_days = 30\n', "retention.detail_days: paling kecil 31"),
    ('[office]\ncounters = true\n', "office.counters: harus bilangan bulat"),
    ('[desk]\ncomplaint_due_days = false\n', "desk.complaint_due_days: harus bilangan bulat"),
    # A number in quotes is text (pydantic alone reads "45" as 45): said so, not taken.
    ('[retention]\ndetail_days = "45"\n', 'retention.detail_days: harus angka tanpa tanda kutip (tertulis "45")'),
    ('[office]\ncounters = "3"\n', 'office.counters: harus angka tanpa tanda kutip (tertulis "3")'),
    ('[retention]\ndetail_days = 45.0\n', "retention.detail_days: harus bilangan bulat"),
    ('[retention]\ndetail_days = 1e3\n', "retention.detail_days: harus bilangan bulat"),
]


@pytest.mark.parametrize(("content", "said"), BAD_FILES)
def test_every_validator_speaks_the_readers_language(env, capsys, content, said):
    (env / "config.toml").write_text(content)
    code, _, err = run(capsys, "ticket", "list")
    assert code == 6 and said in err and f"({env / 'config.toml'})" in err, err
    assert "Value error" not in err and ": :" not in err
    code, _, err = run(capsys, "--lang", "en", "ticket", "list")
    assert code == 6 and "Invalid configuration" in err and "Value error" not in err


def test_no_validator_raises_english_words():
    """The root of point 1: a validator raising a plain ValueError reaches the reader as
    pydantic's English. Every validator of the settings' models (kiosk/config_models.py)
    raises ``_Invalid`` (a key)."""
    from kiosk import config_models

    tree = ast.parse(inspect.getsource(config_models))
    validators = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
                  and any("validator" in ast.unparse(d) for d in node.decorator_list)]
    assert len(validators) >= 12
    for fn in validators:
        for node in ast.walk(fn):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                assert ast.unparse(node.exc.func) == "_Invalid", f"{fn.name}: {ast.unparse(node)}"


def test_an_unknown_process_printer_is_named_in_the_readers_language(env, capsys, monkeypatch):
    (env / "config.toml").write_text('[printers.loket1]\nurl = "none"\n')
    monkeypatch.setenv("PST_KIOSK_PRINTER", "loket9")
    code, _, err = run(capsys, "ticket", "list")
    assert code == 6 and "(PST_KIOSK_PRINTER)" in err and "tidak ada printer bernama \"loket9\"" in err
    assert "loket1" in err and "no printer named" not in err


@pytest.mark.parametrize("text", ["", '[printer]\nurl = "network:10.0.0.5"\n'])
def test_an_unknown_process_printer_of_an_office_without_named_printers_is_a_name_not_an_address(
        env, capsys, monkeypatch, text):
    """A trial: with no [printers] in the file, PST_KIOSK_PRINTER=loket9 was read as an
    address and refused only with the address formats. A word that is neither a printer's
    name nor an address is told as both: no printer has that name (the ones there are:
    "default"), nor is it an address (the forms); "default" is that printer itself."""
    (env / "config.toml").write_text(text)
    monkeypatch.setenv("PST_KIOSK_PRINTER", "loket9")
    code, out, err = run(capsys, "ticket", "list")
    assert code == 6 and out == "" and err.startswith("pst-kiosk: Printer tidak dikenal (PST_KIOSK_PRINTER): "), err
    assert 'tidak ada printer bernama "loket9" (yang ada: default)' in err and "network:HOST" in err
    assert "printer.url" not in err and len(err.splitlines()) == 1
    code, _, err = run(capsys, "--lang", "en", "ticket", "list")
    assert code == 6 and 'no printer named "loket9" (configured: default)' in err
    monkeypatch.setenv("PST_KIOSK_PRINTER", "default")
    code, _, err = run(capsys, "printer", "status", "--json")
    assert code == 0, err
    monkeypatch.setenv("PST_KIOSK_PRINTER", "network:")  # an address, malformed: the formats
    code, _, err = run(capsys, "ticket", "list")
    assert code == 6 and "network:HOST" in err


# -- 3. a store path whose folder is not there ---------------------------------------------


@pytest.mark.parametrize("argv", [["doctor"], ["backup"], ["ticket", "list"], ["maintenance"],
                                  ["report", "day"]])
def test_a_store_folder_that_is_not_there_is_refused(env, capsys, monkeypatch, argv):
    (env / "config.toml").touch()
    typo = env / "typo" / "pst.db"
    code, out, err = run(capsys, "--db", str(typo), *argv)
    assert code == 6 and out == "", err
    assert str(typo) in err and "folder" in err and "tidak ada" in err and "(--db)" in err
    assert "pst-kiosk init" in err and "mount" in err
    monkeypatch.setenv("PST_KIOSK_DB", str(typo))
    code, _, err = run(capsys, "--lang", "en", *argv)
    assert code == 6 and "does not exist (PST_KIOSK_DB)" in err and "mount the disk" in err
    assert not (env / "typo").exists()  # nothing made there


def test_faces_are_refused_before_the_app_takes_the_screen(env, capsys, monkeypatch):
    (env / "config.toml").touch()
    monkeypatch.setenv("PST_KIOSK_DB", str(env / "unmounted" / "pst.db"))
    started = []
    faces = {name: (lambda settings, args: started.append(args.command) or 0)
             for name in ("kiosk", "counter", "display")}
    for face in faces:
        code = cli.main([face], faces=faces)
        err = capsys.readouterr().err
        assert code == 6 and "folder" in err and "PST_KIOSK_DB" in err, face
    assert started == [] and not (env / "unmounted").exists()


def test_the_files_db_naming_a_missing_folder_is_refused_naming_the_file(env, capsys, monkeypatch):
    monkeypatch.delenv("PST_KIOSK_DB")
    (env / "config.toml").write_text(f'db = "{env / "usb" / "pst.db"}"\n')
    code, _, err = run(capsys, "ticket", "list")
    assert code == 6 and f"({env / 'config.toml'} (db))" in err


def test_a_new_store_in_an_existing_folder_and_init_in_a_new_one_are_made(env, capsys):
    (env / "config.toml").touch()
    code, out, _ = run(capsys, "--db", str(env / "first.db"), "ticket", "list")
    assert code == 0 and "Belum ada tiket." in out and (env / "first.db").exists()
    code, _, err = run(capsys, "--db", str(env / "new" / "pst.db"), "init", "--office-code", "1373")
    assert code == 0 and (env / "new" / "pst.db").exists(), err
    code, out, _ = run(capsys, "--db", str(env / "new" / "pst.db"), "ticket", "list")
    assert code == 0


def test_the_default_store_location_still_makes_itself(tmp_path, capsys, monkeypatch):
    code, out, err = run(capsys, "ticket", "list")
    assert code == 0 and "Belum ada tiket." in out, err
    assert config_mod.default_db_path().exists()


# -- 4. an explicit config file that is not there ------------------------------------------


def test_an_explicit_config_that_is_not_there_is_refused(env, capsys, monkeypatch):
    missing = env / "none" / "x.toml"
    code, out, err = run(capsys, "--config", str(missing), "ticket", "list")
    assert code == 6 and out == "" and str(missing) in err and "(--config)" in err and "tidak ada" in err
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(missing))
    code, _, err = run(capsys, "--lang", "en", "ticket", "list")
    assert code == 6 and "does not exist (PST_KIOSK_CONFIG)" in err
    code, _, err = run(capsys, "init", "--office-code", "1373")  # init makes it
    assert code == 0 and missing.exists(), err
    code, out, _ = run(capsys, "ticket", "list")
    assert code == 0


# -- 5. a config file that is not text, a folder, or broken TOML ---------------------------


def test_a_config_of_random_bytes_is_a_configuration_error(env, capsys):
    (env / "config.toml").write_bytes(bytes(range(256)) * 2)
    code, _, err = run(capsys, "ticket", "list")
    assert code == 6 and "bukan teks UTF-8" in err and str(env / "config.toml") in err
    assert "UnicodeDecodeError" not in err and "Terjadi kesalahan" not in err


def test_a_config_that_is_a_folder_says_so_in_the_readers_language(env, capsys, monkeypatch):
    (env / "folder.toml").mkdir()
    code, _, err = run(capsys, "--config", str(env / "folder.toml"), "ticket", "list")
    assert code == 6 and "folder, bukan berkas" in err and "Errno" not in err and "Is a directory" not in err


def test_broken_toml_gives_the_line_and_column_in_indonesian(env, capsys):
    (env / "config.toml").write_text('[office]\ncode = "1373"\n[printer\nurl = "none"\n')
    code, _, err = run(capsys, "ticket", "list")
    assert code == 6 and "baris 3, kolom 9" in err and "Expected" not in err, err
    code, _, err = run(capsys, "--lang", "en", "ticket", "list")
    assert code == 6 and "line 3, column 9" in err and "Expected ']'" in err


def test_a_config_with_a_byte_order_mark_is_read(env, capsys):
    (env / "config.toml").write_bytes(b'\xef\xbb\xbf[office]\ncode = "1373"\n')
    assert run(capsys, "ticket", "list")[0] == 0


# -- 6. the audit trail says what it keeps -------------------------------------------------


def test_maintenance_and_audit_help_say_what_is_kept(env, capsys):
    from kiosk.config import RetentionSettings

    assert cli.AUDIT_DAYS == RetentionSettings().audit_days
    _, out, _ = run(capsys, "maintenance", "--help")
    assert "jejak audit" in " ".join(out.split()) and "audit_days" in out
    _, out, _ = run(capsys, "audit", "--help")
    words = " ".join(out.split())
    assert "30 hari" in words and "audit_days" in words
    _, out, _ = run(capsys, "--help")
    assert "jejak audit" in " ".join(out.split())
    readme = (ROOT / "README.md").read_text()
    line = next(x for x in readme.splitlines() if x.startswith("pst-kiosk maintenance"))
    assert "audit" in line


def _admin(env, capsys, monkeypatch):
    (env / "config.toml").touch()
    monkeypatch.setenv("PST_KIOSK_NEW_PIN", ADMIN_PIN)
    assert run(capsys, "user", "add", "admin", "--role", "admin")[0] == 0
    monkeypatch.setenv("PST_KIOSK_PIN", ADMIN_PIN)


def test_an_audit_filter_that_finds_nothing_says_so(env, capsys, monkeypatch):
    _admin(env, capsys, monkeypatch)
    code, out, _ = run(capsys, "--user", "admin", "audit", "--action", "zzz")
    assert code == 0 and out.strip() == "Tidak ada entri audit."
    code, out, _ = run(capsys, "--user", "admin", "--lang", "en", "audit", "--action", "zzz")
    assert out.strip() == "No audit entries."
    code, out, _ = run(capsys, "--user", "admin", "audit", "--action", "zzz", "--json")
    assert out.strip() == "[]"


def test_asking_for_a_period_older_than_what_is_kept_points_to_the_centre(env, capsys, monkeypatch):
    from kiosk import retention
    from kiosk.store import Store

    _admin(env, capsys, monkeypatch)
    code, _, err = run(capsys, "--user", "admin", "audit", "--since", "2020-01-01")
    assert code == 0 and "pusat" not in err  # nothing pruned yet: no hint
    # Entries 60 days old that the centre acknowledged, pruned as maintenance does.
    db = sqlite3.connect(env / "pst.db")
    with db:
        db.execute("UPDATE audit SET at = '2020-06-01T00:00:00.000000+00:00'")
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('sync.pushed_seq', '999999')")
    db.close()
    with Store(env / "pst.db") as store:
        assert retention.prune(store, config_mod.load()).audit >= 1
    monkeypatch.setenv("PST_KIOSK_NEW_PIN", "284751")
    assert run(capsys, "--user", "admin", "user", "add", "budi", "--role", "petugas")[0] == 0
    code, out, err = run(capsys, "--user", "admin", "audit", "--since", "2020-01-01")
    assert code == 0 and "user.add" in out
    assert "Entri sebelum" in err and "ada di pusat" in err and "30 hari" in err
    code, out, err = run(capsys, "--user", "admin", "--lang", "en", "audit", "--since", "2020-01-01", "--json")
    assert "Older entries are at the centre" in err and out.lstrip().startswith("[")
    code, _, err = run(capsys, "--user", "admin", "audit", "--since", "2999-01-01")
    assert code == 0 and "pusat" not in err  # the period starts after the oldest entry here


# -- 7. the README and the username rule say what is true -----------------------------------


def test_the_readme_names_the_udev_rule_deploy_ships():
    readme = (ROOT / "README.md").read_text()
    named = {word.strip("`,.:;()").rsplit("/", 1)[-1] for word in readme.split()
             if word.rstrip("`,.:;()").endswith(".rules")}
    shipped = {p.name for p in (ROOT / "deploy" / "udev").glob("*.rules")}
    assert named and named <= shipped, named - shipped


def test_a_refused_username_states_the_real_rule(env, capsys, monkeypatch):
    (env / "config.toml").touch()
    monkeypatch.setenv("PST_KIOSK_NEW_PIN", ADMIN_PIN)
    code, _, err = run(capsys, "user", "add", "Bu di", "--role", "admin")
    assert code == 9 and ". _ -" in err and "3–32" in err
    assert run(capsys, "user", "add", "bu.di_1-x", "--role", "admin")[0] == 0  # what the message allows
    assert ". _ -" in t("invalid.username", "en")


@pytest.mark.parametrize(("lang", "said", "not_said"), [
    ("id", "kiosk.language: harus salah satu dari 'id' atau 'en'", " or "),
    ("en", "kiosk.language: must be one of 'id' or 'en'", " atau "),
])
def test_a_choice_refused_lists_the_choices_in_the_readers_language(env, capsys, lang, said, not_said):
    (env / "config.toml").write_text('[kiosk]\nlanguage = "jv"\n')
    code, out, err = run(capsys, "--lang", lang, "ticket", "list")
    assert code == 6 and out == ""
    assert said in err and not_said not in err, err


# A path setting given as a number (a TOML date too) is refused by pydantic's own check
# ``path_type``, which was told in its English ("Input is not a valid path for <class
# 'pathlib.Path'>") inside the Indonesian message, as a face starts.
@pytest.mark.parametrize(("content", "where"), [
    ("db = 5\n", "db"),
    ("[serve]\ncertfile = 5\n", "serve.certfile"),
    ("[serve]\ncertfile = \"/c.pem\"\nkeyfile = 2026-01-01\n", "serve.keyfile"),
])
def test_a_path_given_as_no_text_is_told_in_the_readers_language(env, capsys, monkeypatch, content, where):
    monkeypatch.delenv("PST_KIOSK_DB")  # the file's db is the one at fault
    (env / "config.toml").write_text(content)
    code, _, err = run(capsys, "display")
    assert code == 6 and f"{where}: harus lokasi berkas" in err, err
    assert "Input is not" not in err and "pathlib" not in err
    code, _, err = run(capsys, "--lang", "en", "display")
    assert code == 6 and f"{where}: must be a file path" in err, err


# A whole number given as inf/nan or past any size: pydantic's finite_number and
# int_parsing_size were told in its English ("Input should be a finite number").
@pytest.mark.parametrize(("content", "where", "said", "said_en"), [
    ("[office]\ncounters = inf\n", "office.counters", "harus bilangan bulat", "must be a whole number"),
    ("[office]\ncounters = nan\n", "office.counters", "harus bilangan bulat", "must be a whole number"),
    ("[printer]\npaper_mm = 100000000000000000000\n", "printer.paper_mm", "angka terlalu besar", "number too large"),
])
def test_a_whole_number_out_of_any_range_is_told_in_the_readers_language(env, capsys, content, where, said,
                                                                         said_en):
    (env / "config.toml").write_text(content)
    code, _, err = run(capsys, "display")
    assert code == 6 and f"{where}: {said}" in err and "Input" not in err and "Unable" not in err, err
    code, _, err = run(capsys, "--lang", "en", "display")
    assert code == 6 and f"{where}: {said_en}" in err, err

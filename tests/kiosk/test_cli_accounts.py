import json

import pytest

from kiosk import identity
from screens.main import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").touch()  # an explicit config file must exist (empty: the defaults)
    monkeypatch.setenv("PST_KIOSK_DB", str(tmp_path / "pst.db"))
    return monkeypatch


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_without_a_terminal_the_message_names_the_variable_that_gives_the_pin(env, capsys):
    env.setenv("PST_KIOSK_PIN", "975318")  # the login PIN: not the new account's
    code, _, err = run(capsys, "user", "add", "admin", "--role", "admin")
    assert code == 10 and "PST_KIOSK_NEW_PIN" in err
    env.setenv("PST_KIOSK_NEW_PIN", "975318")
    assert run(capsys, "user", "add", "admin", "--role", "admin")[0] == 0
    env.delenv("PST_KIOSK_PIN")
    code, _, err = run(capsys, "--user", "admin", "user", "list")
    assert code == 10 and "PST_KIOSK_PIN" in err and "PST_KIOSK_NEW_PIN" not in err


def test_accounts_from_the_command_line(env, capsys):
    env.setenv("PST_KIOSK_NEW_PIN", "975318")
    assert run(capsys, "user", "add", "admin", "--role", "admin")[0] == 0
    env.setenv("PST_KIOSK_NEW_PIN", "284751")
    code, _, err = run(capsys, "user", "add", "budi", "--role", "petugas")
    assert code == 10 and "masuk" in err  # only an admin adds accounts now
    env.setenv("PST_KIOSK_PIN", "975318")
    assert run(capsys, "--user", "admin", "user", "add", "budi", "--role", "petugas")[0] == 0
    code, _, err = run(capsys, "user", "list", "--json")
    assert code == 10 and "masuk" in err  # reading accounts needs the admin too
    code, out, _ = run(capsys, "--user", "admin", "user", "list", "--json")
    assert [(u["username"], u["role"], u["active"]) for u in json.loads(out)] == [
        ("admin", "admin", True), ("budi", "petugas", True)]
    run(capsys, "ticket", "take", "B", "--no-print")
    env.delenv("PST_KIOSK_PIN")
    code, _, err = run(capsys, "ticket", "call", "--counter", "1")
    assert code == 10
    env.setenv("PST_KIOSK_PIN", "0000")
    code, _, err = run(capsys, "--user", "budi", "ticket", "call", "--counter", "1")
    assert code == 10 and "PIN salah" in err
    env.setenv("PST_KIOSK_PIN", "284751")
    code, out, _ = run(capsys, "--user", "budi", "ticket", "call", "--counter", "1", "--json")
    assert code == 0 and json.loads(out)["number"] == "B-001"
    code, _, _ = run(capsys, "--user", "budi", "audit")
    assert code == 10  # the trail is for admins
    env.setenv("PST_KIOSK_PIN", "975318")
    code, out, _ = run(capsys, "--user", "admin", "audit", "--json")
    actions = [(e["username"], e["action"]) for e in json.loads(out)]
    assert ("budi", "ticket.call") in actions and (None, "login.failed") in actions
    assert run(capsys, "--user", "admin", "user", "disable", "budi")[0] == 0
    env.setenv("PST_KIOSK_NEW_PIN", "246813")
    assert run(capsys, "--user", "admin", "user", "reset-pin", "budi")[0] == 0
    code, out, _ = run(capsys, "--user", "admin", "purge", "--older-than", "30")
    assert code == 0 and "0 tamu" in out
    code, out, err = run(capsys, "locker", "list", "--json")
    assert code == 10 and out == ""  # no names without a login
    code, out, _ = run(capsys, "--user", "admin", "locker", "list", "--json")
    assert code == 0 and json.loads(out) == []


def test_pin_is_never_asked_without_a_terminal(env, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: False, raising=False)
    code, _, err = run(capsys, "--user", "admin", "ticket", "call", "--counter", "1")
    assert code == 10 and "PST_KIOSK_PIN" in err


def test_a_data_subject_request_from_the_command_line(env, capsys, tmp_path):
    from kiosk import config
    from kiosk.guestbook import register_visit, validate_guest
    from kiosk.store import Store

    env.setenv("PST_KIOSK_NEW_PIN", "975318")
    assert run(capsys, "user", "add", "admin", "--role", "admin")[0] == 0
    settings = config.load(tmp_path / "config.toml", db=tmp_path / "pst.db")
    with Store(tmp_path / "pst.db") as store:
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(
            {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001",
             "email": "siti@example.com", "segment": "akademisi"}))
    code, out, err = run(capsys, "guest", "show", "siti@example.com")
    assert code == 10 and out == ""
    env.setenv("PST_KIOSK_PIN", "975318")
    code, out, _ = run(capsys, "--user", "admin", "guest", "show", "siti@example.com", "--json")
    assert code == 0 and json.loads(out)[0]["guest"]["name"] == "Siti Aminah"
    code, out, _ = run(capsys, "--user", "admin", "guest", "show", "3273014101900001")
    assert code == 0 and "Nama lengkap" in out and "Siti Aminah" in out and "Kunjungan (1)" in out
    code, out, _ = run(capsys, "--user", "admin", "--lang", "en", "guest", "erase", "3273014101900001")
    assert code == 0 and "Anonymised now: 1 guests" in out
    code, _, err = run(capsys, "--user", "admin", "guest", "show", "siti@example.com")
    assert code == 3 and "tidak ditemukan" in err
    code, out, _ = run(capsys, "--user", "admin", "audit", "--action", "guest.", "--json")
    assert [e["action"] for e in json.loads(out)] == ["guest.erase", "guest.show", "guest.show"]


def test_a_restored_guests_request_by_id_number_needs_the_key(env, capsys, tmp_path):
    """Without the key a restored guest's number says not found (exit 3); with the key back
    (as ``restore --id-key-file`` puts it) show and erase reach the guest."""
    from kiosk import config
    from kiosk.guestbook import ID_KEY, register_visit, validate_guest
    from kiosk.store import Store
    from tests.kiosk.test_guestbook import as_restored

    env.setenv("PST_KIOSK_NEW_PIN", "975318")
    assert run(capsys, "user", "add", "admin", "--role", "admin")[0] == 0
    settings = config.load(tmp_path / "config.toml", db=tmp_path / "pst.db")
    with Store(tmp_path / "pst.db") as store:
        siti = register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(
            {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001",
             "email": "siti@example.com", "segment": "akademisi"}))
        as_restored(store, siti.guest_id)
        key = store.meta(ID_KEY)
        with store.write():
            store.conn.execute("DELETE FROM meta WHERE key = ?", (ID_KEY,))
    env.setenv("PST_KIOSK_PIN", "975318")
    for action in ("show", "erase"):
        code, out, err = run(capsys, "--user", "admin", "guest", action, "3273014101900001")
        assert code == 3 and out == "" and "tidak ditemukan" in err
    with Store(tmp_path / "pst.db") as store:
        store.set_meta(ID_KEY, key)
    code, out, _ = run(capsys, "--user", "admin", "guest", "show", "3273 0141 0190 0001", "--json")
    assert code == 0 and [d["guest"]["id"] for d in json.loads(out)] == [siti.guest_id]
    code, out, _ = run(capsys, "--user", "admin", "--lang", "en", "guest", "erase", "3273014101900001")
    assert code == 0 and "Anonymised now: 1 guests" in out
    code, _, err = run(capsys, "--user", "admin", "guest", "show", "3273014101900001")
    assert code == 3 and "tidak ditemukan" in err


def test_bad_numbers_and_dates_are_invalid_input(env, capsys):
    env.setenv("PST_KIOSK_NEW_PIN", "975318")
    assert run(capsys, "user", "add", "admin", "--role", "admin")[0] == 0
    env.setenv("PST_KIOSK_PIN", "975318")
    for argv, message in ((("purge", "--older-than", "0"), "bilangan bulat 1 atau lebih"),
                          (("audit", "--since", "2026-13-01"), "Tanggal tidak valid"),
                          (("locker", "list", "--date", "xx"), "Tanggal tidak valid")):
        code, out, err = run(capsys, "--user", "admin", *argv)
        assert (code, out) == (9, "") and message in err and "Error" not in err, argv


def test_the_id_key_export_is_the_admins_and_never_overwrites_by_accident(env, capsys, tmp_path):
    import os
    import stat

    from kiosk.store import Store

    env.setenv("PST_KIOSK_NEW_PIN", "975318")
    assert run(capsys, "user", "add", "admin", "--role", "admin")[0] == 0
    env.setenv("PST_KIOSK_NEW_PIN", "284751")
    env.setenv("PST_KIOSK_PIN", "975318")
    assert run(capsys, "--user", "admin", "user", "add", "budi", "--role", "petugas")[0] == 0
    key_file = tmp_path / "kunci.json"
    code, out, err = run(capsys, "key", "export", "--file", str(key_file))
    assert (code, out) == (10, "") and "--user" in err and not key_file.exists()
    env.setenv("PST_KIOSK_PIN", "284751")
    code, out, err = run(capsys, "--user", "budi", "key", "export", "--file", str(key_file))
    assert (code, out) == (10, "") and "admin" in err and len(err.splitlines()) == 1 and not key_file.exists()
    with Store(tmp_path / "pst.db") as store:
        assert store.meta("id_hash_key") is None  # nobody made one for a refused export
    env.setenv("PST_KIOSK_PIN", "975318")
    code, out, err = run(capsys, "--user", "admin", "key", "export", "--file", str(key_file))
    assert code == 0 and str(key_file) in out and "flashdisk" in out, err
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    written = json.loads(key_file.read_text())
    with Store(tmp_path / "pst.db") as store:
        key = store.meta("id_hash_key")  # made by the export: the store had no guest yet
    assert written["key"] == key and written["office_code"] == "0000" and written["format"] == "pst-kiosk-id-key"
    before = key_file.read_text()
    code, out, err = run(capsys, "--user", "admin", "--lang", "en", "key", "export", "--file", str(key_file))
    assert (code, out) == (5, "") and "already exists" in err and "--force" in err and key_file.read_text() == before
    os.chmod(key_file, 0o644)
    code, out, _ = run(capsys, "--user", "admin", "key", "export", "--file", str(key_file), "--force")
    assert code == 0 and stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert json.loads(key_file.read_text())["key"] == key  # the same key, never a new one
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kunci")] == []
    code, out, err = run(capsys, "--user", "admin", "--lang", "en", "key", "export",
                         "--file", str(tmp_path / "no-such-dir" / "k.json"))
    assert (code, out) == (5, "") and "Cannot write the key file" in err and "Traceback" not in err
    assert err.rstrip().endswith("the folder does not exist")
    code, _, err = run(capsys, "--user", "admin", "key", "export", "--file", str(tmp_path / "no-such-dir" / "k.json"))
    assert code == 5 and err.rstrip().endswith("foldernya tidak ada") and "No such file" not in err
    code, out, _ = run(capsys, "--user", "admin", "audit", "--action", "id_key.", "--json")
    trail = json.loads(out)
    assert [(e["username"], e["action"]) for e in trail] == [("admin", "id_key.export")] * 2
    assert key not in out and trail[0]["detail"]["fingerprint"] == written["fingerprint"]


def test_account_refusals_have_their_exit_statuses_and_come_before_the_pin_is_asked(env, capsys):
    env.setenv("PST_KIOSK_NEW_PIN", "975318")
    assert run(capsys, "user", "add", "admin", "--role", "admin")[0] == 0
    env.setenv("PST_KIOSK_PIN", "975318")
    assert run(capsys, "--user", "admin", "user", "add", "budi", "--role", "petugas")[0] == 0
    env.delenv("PST_KIOSK_NEW_PIN")  # a refusal must not wait for a PIN to be typed
    for argv, status, message in (
            (("user", "add", "budi", "--role", "petugas"), 5, "Nama pengguna budi sudah ada"),
            (("user", "add", "B U", "--role", "petugas"), 9, "Nama pengguna 3"),
            (("user", "reset-pin", "nobody"), 3, "Pengguna nobody tidak ditemukan"),
            (("user", "disable", "nobody"), 3, "Pengguna nobody tidak ditemukan"),
            (("user", "enable", "nobody"), 3, "Pengguna nobody tidak ditemukan"),
            (("user", "disable", "admin"), 5, "akun Anda sendiri")):
        code, out, err = run(capsys, "--user", "admin", *argv)
        assert (code, out) == (status, "") and err.startswith("pst-kiosk: ") and message in err, argv
        assert len(err.splitlines()) == 1, argv
    env.setenv("PST_KIOSK_NEW_PIN", "12")
    code, _, err = run(capsys, "--user", "admin", "user", "reset-pin", "budi")
    assert code == 9 and "PIN harus 6 angka" in err


def test_a_pin_reset_never_enables_a_disabled_account(env, capsys):
    env.setenv("PST_KIOSK_NEW_PIN", "975318")
    assert run(capsys, "user", "add", "admin", "--role", "admin")[0] == 0
    env.setenv("PST_KIOSK_PIN", "975318")
    env.setenv("PST_KIOSK_NEW_PIN", "284751")
    assert run(capsys, "--user", "admin", "user", "add", "rina", "--role", "bendahara")[0] == 0
    assert run(capsys, "--user", "admin", "user", "disable", "rina")[0] == 0
    env.setenv("PST_KIOSK_NEW_PIN", "246813")
    code, out, _ = run(capsys, "--user", "admin", "user", "reset-pin", "rina")
    assert code == 0 and "PIN rina diganti" in out and "dibuka" not in out
    assert "tetap nonaktif" in out and "pst-kiosk user enable rina" in out
    code, out, _ = run(capsys, "--user", "admin", "user", "list", "--json")
    assert {u["username"]: u["active"] for u in json.loads(out)}["rina"] is False
    env.setenv("PST_KIOSK_PIN", "246813")
    code, _, err = run(capsys, "--user", "rina", "ticket", "call", "--counter", "1")
    assert code == 10 and "salah" in err  # a disabled account cannot log in
    env.setenv("PST_KIOSK_PIN", "975318")
    code, out, _ = run(capsys, "--user", "admin", "--lang", "en", "user", "enable", "rina")
    assert code == 0 and "Account rina enabled again" in out
    env.setenv("PST_KIOSK_PIN", "246813")
    assert run(capsys, "--user", "rina", "ticket", "call", "--counter", "1")[0] == 4  # logged in: nobody waits
    env.setenv("PST_KIOSK_PIN", "975318")
    code, out, _ = run(capsys, "--user", "admin", "audit", "--action", "user.", "--json")
    assert [e["action"] for e in json.loads(out)][:3] == ["user.enable", "user.reset_pin", "user.disable"]
    code, out, _ = run(capsys, "--user", "admin", "--lang", "en", "user", "reset-pin", "rina")
    assert code == 0 and "lockout" in out and "stays disabled" not in out


def test_a_guests_access_request_reads_as_a_statement_in_the_users_language(env, capsys, tmp_path):
    """Labels instead of column names, the guestbook's names instead of codes, the office's
    local time, Ya/Tidak, and every list under its headings; --json stays complete."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from kiosk import accounts, config, lockers
    from kiosk.guestbook import register_visit, validate_guest
    from kiosk.store import Store

    env.setenv("PST_KIOSK_NEW_PIN", "975318")
    assert run(capsys, "user", "add", "admin", "--role", "admin")[0] == 0
    settings = config.load(tmp_path / "config.toml", db=tmp_path / "pst.db")
    with Store(tmp_path / "pst.db") as store:
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(
            {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001",
             "email": "siti@example.com", "segment": "akademisi", "education": "s1", "gender": "p"}))
        lockers.assign(store, settings, accounts.find(store, "admin"), id_type="ktp",
                       id_number="3273014101900001", holder_name="Siti Aminah")
    env.setenv("PST_KIOSK_PIN", "975318")
    code, out, _ = run(capsys, "--user", "admin", "guest", "show", "--json", "3273014101900001")
    held = json.loads(out)[0]
    assert code == 0 and held["guest"]["id_type"] == "ktp" and held["guest"]["disability"] == 0
    assert set(held["guest"]) >= {"id", "terminal_id", "id_masked", "consent_at", "anonymised_at"}
    assert held["visits"][0]["education"] == "s1" and held["lockers"][0]["returned_at"] is None
    local = datetime.fromisoformat(held["guest"]["consent_at"]).astimezone(ZoneInfo("Asia/Jakarta"))
    code, out, _ = run(capsys, "--user", "admin", "guest", "show", "3273014101900001")
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("Data pribadi yang disimpan") and "UU 27/2022" in lines[0]

    def field(label):
        row = next(r for r in lines if r.startswith(f"  {label}  "))
        return row[len(label) + 2:].strip()

    assert field("Jenis identitas") == "KTP (NIK)" and field("Kelompok pengguna") == "Akademisi / mahasiswa / pelajar"
    assert field("Pendidikan terakhir") == "S1" and field("Jenis kelamin") == "Perempuan"
    assert field("Penyandang disabilitas") == "Tidak" and field("NPWP") == "-"
    assert field("Waktu persetujuan") == f"{local:%d-%m-%Y %H:%M}" and field("Nomor catatan") == held["guest"]["id"]
    assert field("Nomor identitas tersamar") == "3273********0001" and field("Dianonimkan") == "-"
    guest_rows = lines[2:lines.index("Kunjungan (1):")]
    assert len({len(r) - len(r.lstrip()) for r in guest_rows}) == 1  # one indent
    column = next(r for r in guest_rows if "Nama lengkap" in r).index("Siti")
    assert all(r[column - 2:column] == "  " and r[column] != " " for r in guest_rows), guest_rows  # one column
    assert not any(code_ in out.split() for code_ in ("ktp", "akademisi", "s1", "terminal_id", "consent_at"))
    assert "+00:00" not in out and "T" not in field("Pertama dicatat")
    heading, visit = lines[lines.index("Kunjungan (1):") + 1:][:2]
    assert heading.split()[:3] == ["Waktu", "Tiket", "Layanan"] and "Tujuan" in heading
    assert visit.index("B-001") == heading.index("Tiket") and visit.index("Tugas sekolah") == heading.index("Tujuan")
    assert "Penjualan" in visit and visit.rstrip().endswith(identity.notice_version())
    heading, locker = lines[lines.index("Penitipan kartu di loker (1):") + 1:][:2]
    assert "Dikembalikan" in heading and locker.endswith("masih dititipkan") and "KTP (NIK)" in locker
    assert "Pesanan penjualan (0):" in lines
    code, out, _ = run(capsys, "--user", "admin", "--lang", "en", "guest", "show", "siti@example.com")
    assert code == 0 and "Personal data held by" in out and "  ID type " in out and "Identity card (NIK)" in out
    assert "Bachelor" in out and "Female" in out and "  Person with a disability  " in out and "still held" in out
    code, out, _ = run(capsys, "--user", "admin", "locker", "list")
    assert code == 0 and "KTP (NIK)" in out and "ktp" not in out.split()
    code, out, _ = run(capsys, "--user", "admin", "--lang", "en", "locker", "list")
    assert code == 0 and "Identity card (NIK)" in out


def test_an_officers_name_meets_the_rule_of_every_name_and_is_never_cut(env, capsys, tmp_path):
    """A trial: `user add --name <5000 characters>` stored the first 100 without a word,
    where the guestbook refuses a name over 100. The same rule and message now (exit 9),
    nothing stored; a name of 100 is kept whole, and no name is the username."""
    from kiosk.store import Store

    env.setenv("PST_KIOSK_NEW_PIN", "975318")
    code, out, err = run(capsys, "user", "add", "admin", "--role", "admin", "--name", "Budi " * 1000)
    assert code == 9 and out == "" and err == "pst-kiosk: Tulis nama lengkap (2–100 huruf)\n"
    code, _, err = run(capsys, "--lang", "en", "user", "add", "admin", "--role", "admin", "--name", "x" * 101)
    assert code == 9 and "Write your full name (2–100 letters)" in err
    with Store(tmp_path / "pst.db") as store:
        assert store.conn.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0
    whole = "Siti " + "a" * 95
    assert run(capsys, "user", "add", "admin", "--role", "admin", "--name", whole)[0] == 0
    env.setenv("PST_KIOSK_PIN", "975318")
    assert run(capsys, "--user", "admin", "user", "add", "budi", "--role", "petugas")[0] == 0
    code, out, _ = run(capsys, "--user", "admin", "user", "list", "--json")
    assert [(u["username"], u["name"]) for u in json.loads(out)] == [("admin", whole), ("budi", "budi")]

"""The office's IT person's trial: a port out of range and a backup folder on a missing path."""

import pytest

from screens.main import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "config.toml"))
    (tmp_path / "config.toml").touch()
    monkeypatch.setenv("PST_KIOSK_DB", str(tmp_path / "pst.db"))
    return tmp_path


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", [("serve", "counter", "--port", "99999"), ("queue-page", "--port", "70000"),
                                  ("serve", "display", "--port", "0")])
def test_a_port_out_of_range_is_a_usage_error_not_a_crash(env, capsys, argv):
    # It reached bind() and ended as "Terjadi kesalahan ... (OverflowError ...)", exit 1.
    code, _, err = run(capsys, *argv)
    assert code == 2 and "bukan port TCP" in err and "1 sampai 65535" in err and "OverflowError" not in err
    code, _, err = run(capsys, "--lang", "en", *argv)
    assert code == 2 and "is not a TCP port" in err


def test_a_backup_folder_on_a_path_that_does_not_exist_is_refused(env, capsys):
    # '/media/usb/pst' with the stick not mounted made the whole path and said "Cadangan dibuat".
    missing = env / "usb" / "pst"
    code, out, err = run(capsys, "backup", str(missing))
    assert code == 9 and out == "" and str(env / "usb") in err and "tidak ada" in err
    assert not (env / "usb").exists()
    code, _, err = run(capsys, "--lang", "en", "backup", str(missing))
    assert code == 9 and "does not exist" in err and not (env / "usb").exists()
    # The last folder alone is still made, and the default folder beside the store too.
    code, out, _ = run(capsys, "backup", str(env / "usb-stick"))
    assert code == 0 and len(list((env / "usb-stick").glob("pst-kiosk-*.DATA-PRIBADI.db"))) == 1
    code, out, _ = run(capsys, "backup")
    assert code == 0 and len(list((env / "backups").glob("pst-kiosk-*.DATA-PRIBADI.db"))) == 1


def test_doctor_on_a_fresh_office_tells_the_backup_timer_as_deploy_sets_it(env, capsys):
    # deploy/systemd/pst-kiosk-backup.timer runs at 12:30 and 17:00; doctor said "daily".
    timer = open("deploy/systemd/pst-kiosk-backup.timer").read()
    assert "12:30:00" in timer and "17:00:00" in timer
    code, out, _ = run(capsys, "doctor")
    assert code != 0 and "dua kali sehari, 12.30 dan 17.00" in out and "setiap hari" not in out
    code, out, _ = run(capsys, "--lang", "en", "doctor")
    assert "twice a day, 12:30 and 17:00" in out

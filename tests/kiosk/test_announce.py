import pytest

from kiosk.announce import announcement, digits_in_words, speak, speech_command
from kiosk.config import DisplaySettings

TEMPLATE = DisplaySettings().voice_text


@pytest.mark.parametrize("number, counter, text", [
    ("B-007", 1, "Nomor antrian B, nol nol tujuh, silakan ke loket satu"),
    ("A-120", 3, "Nomor antrian A, satu dua nol, silakan ke loket tiga"),
    ("C-099", 12, "Nomor antrian C, nol sembilan sembilan, silakan ke loket dua belas"),
    ("D-1000", 2, "Nomor antrian D, satu nol nol nol, silakan ke loket dua"),
])
def test_announcement_text(number, counter, text):
    assert announcement(number, counter, TEMPLATE) == text


def test_digits_are_read_one_by_one():
    assert digits_in_words("010") == "nol satu nol"


def test_silent_when_nothing_can_speak_or_voice_is_off():
    assert speech_command(DisplaySettings(voice_command="no-such-speaker -v id"), "x") is None
    assert speak(DisplaySettings(voice_command="no-such-speaker"), "x") is False
    assert speech_command(DisplaySettings(voice=False), "x") is None


@pytest.mark.parametrize("template", ["Nomor {nomor} ke loket {counter}", "Nomor {letter", "{0} loket",
                                      "{counter:d} {digits}", "{digits!z}", "{letter:>{counter}}"])
def test_a_voice_text_with_unknown_fields_is_refused_when_the_config_loads(template):
    """Refused at load (exit 6 with the field named), not by a silent display later."""
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="voice_text"):
        DisplaySettings(voice_text=template)


def test_a_bad_voice_text_in_the_config_file_stops_the_cli_with_the_field_named(tmp_path, capsys, monkeypatch):
    from screens.main import main

    monkeypatch.setenv("PST_KIOSK_DB", str(tmp_path / "pst.db"))
    (tmp_path / "config.toml").write_text('[display]\nvoice_text = "Nomor {nomor}"\n')
    code = main(["--config", str(tmp_path / "config.toml"), "ticket", "list"])
    err = capsys.readouterr().err
    assert code == 6 and "voice_text" in err and "{nomor}" in err and "Traceback" not in err


def test_a_voice_command_that_cannot_be_split_is_refused_when_the_config_loads():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="voice_command"):
        DisplaySettings(voice_command="espeak-ng -v 'id")
    assert DisplaySettings(voice_command="espeak-ng -v 'id' -s 135").voice_command


def test_announcements_wait_for_each_other_chime_first(tmp_path):
    """Three calls given at once are read one after another, in order, each after its
    chime: a real speaker and a real chime player (programs logging start and end)."""
    import sys
    import time

    from kiosk.announce import Announcer

    log = tmp_path / "log.txt"
    player = tmp_path / "player.py"
    player.write_text("import sys, time\n"
                      "open(sys.argv[1], 'a').write('start ' + sys.argv[2] + ' ' + sys.argv[-1] + '\\n')\n"
                      "time.sleep(0.3)\n"
                      "open(sys.argv[1], 'a').write('end ' + sys.argv[2] + '\\n')\n")
    sound = tmp_path / "ding.wav"
    sound.write_bytes(b"RIFF")
    settings = DisplaySettings(voice_command=f"{sys.executable} {player} {log} voice",
                               chime=str(sound), chime_command=f"{sys.executable} {player} {log} chime")
    announcer = Announcer(settings)
    started = time.monotonic()
    for n in (1, 2, 3):
        announcer.say(f"call {n}")
    assert time.monotonic() - started < 0.2  # the caller (a face) never waits
    announcer.wait(timeout=60)
    announcer.close()
    assert log.read_text().splitlines() == [
        line for n in (1, 2, 3) for line in (f"start chime {sound}", "end chime", f"start voice call {n}", "end voice")]


def test_a_chime_file_that_is_not_there_is_refused_at_load(tmp_path):
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="no sound file"):
        DisplaySettings(chime=str(tmp_path / "missing.wav"))
    assert DisplaySettings().chime == ""  # off by default

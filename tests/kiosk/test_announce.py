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

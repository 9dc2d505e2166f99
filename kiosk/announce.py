"""Calls read aloud on the display: "Nomor antrian B, nol nol tujuh, silakan ke loket
satu". Numbers are read digit by digit; where no speech program is installed the display
stays silent, never failing."""

from __future__ import annotations

import shlex
import shutil
import subprocess

from kiosk.config import DisplaySettings


def digits_in_words(digits: str) -> str:
    from num2words import num2words  # on the first call, not at the display's start

    return " ".join(num2words(int(d), lang="id") for d in digits if d.isdigit())


def announcement(number: str, counter: int, template: str) -> str:
    """The sentence for a call, e.g. B-007 at counter 1."""
    from num2words import num2words

    letter, _, digits = number.partition("-")
    return template.format(letter=letter, digits=digits_in_words(digits),
                           counter=num2words(counter, lang="id"), number=number)


def speech_command(settings: DisplaySettings, text: str) -> list[str] | None:
    """The command that speaks ``text``, or None when voice is off or nothing can speak."""
    if not settings.voice:
        return None
    try:
        parts = shlex.split(settings.voice_command)
    except ValueError:  # refused when the configuration is read; never a failure here
        return None
    if not parts or shutil.which(parts[0]) is None:
        return None
    return [*parts, text]


def speak(settings: DisplaySettings, text: str, *, timeout: float = 20.0) -> bool:
    """Say it and wait until done (run it in a worker). False when silent or it failed."""
    command = speech_command(settings, text)
    if command is None:
        return False
    try:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return True

"""Calls read aloud on the display: "Nomor antrian B, nol nol tujuh, silakan ke loket
satu". Numbers are read digit by digit; where no speech program is installed the display
stays silent, never failing. A chime (``display.chime``, a sound file) may come first.
``Announcer`` reads them one after another in the order the calls were made: a call made
while another is being read waits for it, never cuts it off or overtakes it."""

from __future__ import annotations

import queue
import shlex
import shutil
import subprocess
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


def speech_program(settings: DisplaySettings) -> tuple[str, str | None]:
    """The speech command's program as configured, and where it is (None: not installed)."""
    try:
        parts = shlex.split(settings.voice_command)
    except ValueError:  # refused when the configuration is read
        parts = []
    program = parts[0] if parts else ""
    return program, shutil.which(program) if program else None


def silent_for_want_of(settings: DisplaySettings) -> str | None:
    """The program that voice is on for but that is not installed (the calls go unspoken),
    else None."""
    program, found = speech_program(settings)
    return program or "-" if settings.voice and found is None else None


def speech_command(settings: DisplaySettings, text: str) -> list[str] | None:
    """The command that speaks ``text``, or None when voice is off or nothing can speak."""
    if not settings.voice or speech_program(settings)[1] is None:
        return None
    return [*shlex.split(settings.voice_command), text]


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


def chime(settings: DisplaySettings, *, timeout: float = 10.0) -> bool:
    """Play the chime and wait until done. False when there is none or it cannot play."""
    if not (settings.voice and settings.chime):
        return False
    try:
        parts = shlex.split(settings.chime_command)
    except ValueError:
        return False
    if not parts or shutil.which(parts[0]) is None:
        return False
    try:
        subprocess.run([*parts, settings.chime], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return True


class Announcer:
    """One thread that reads announcements aloud in the order they were given: chime, then
    the sentence, then the next. ``say`` never blocks the caller (a face's UI thread)."""

    def __init__(self, settings: DisplaySettings) -> None:
        self.settings = settings
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def say(self, text: str) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="announcer", daemon=True)
                self._thread.start()
        self._queue.put(text)

    def _run(self) -> None:
        while (text := self._queue.get()) is not None:
            chime(self.settings)
            speak(self.settings, text)
            self._queue.task_done()
        self._queue.task_done()

    def wait(self, timeout: float | None = None) -> None:
        """Until everything given so far has been read (tests, a clean shutdown)."""
        import time

        end = None if timeout is None else time.monotonic() + timeout
        while self._queue.unfinished_tasks and (end is None or time.monotonic() < end):
            time.sleep(0.02)

    def close(self) -> None:
        """Stop after what is being read now; what waits is dropped (the board is closing)."""
        with self._lock:
            if self._thread is not None:
                while True:
                    try:
                        self._queue.get_nowait()
                        self._queue.task_done()
                    except queue.Empty:
                        break
                self._queue.put(None)

"""The driver of a served tab's app (``serve`` sets ``TEXTUAL_DRIVER`` to it): Textual's
web driver, but the app ends when its server does.

Textual's driver kept running when its pipes went: at the end of standard input (the
server gone) its input thread just stopped, and every write to a closed standard output
raised again; killed with the server, an app stayed behind holding the store. Here the
end of input or a broken output asks the app to exit, and a watchdog ends the process if
the exit does not come within ``EXIT_GRACE`` seconds. On Linux the kernel also kills the
app when the server dies (PR_SET_PDEATHSIG), even by SIGKILL."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from typing import Any

from textual import messages
from textual.drivers.web_driver import WebDriver

PARENT_ENV = "PST_KIOSK_SERVE_PID"  # the server's pid, set by screens.serve_apps
EXIT_GRACE = 3.0
_PR_SET_PDEATHSIG = 1


def die_with_server() -> None:
    """Ask the kernel to SIGKILL this process when the server that started it dies; if it
    died already (between fork and now), leave at once."""
    import signal

    expected = os.environ.get(PARENT_ENV)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # no prctl: the server's own watchdog still ends this process
    if expected and expected.isdigit() and os.getppid() != int(expected):
        os._exit(0)


class ServedDriver(WebDriver):
    """Textual's WebDriver whose app leaves when the server's pipes go."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        die_with_server()
        super().__init__(app, **kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._leaving = threading.Event()
        write = self._write

        def guarded(data: bytes) -> None:
            if self._output_broken:
                return  # nobody reads any more: drop it rather than raise on every frame
            try:
                write(data)
            except OSError:  # EPIPE: the server is gone
                self._output_broken = True
                self._leave()

        self._output_broken = False
        self._write = guarded

    def start_application_mode(self) -> None:
        self._loop = asyncio.get_running_loop()
        super().start_application_mode()

    def run_input_thread(self) -> None:
        super().run_input_thread()
        # Input ends when the app exits (exit_event set) or when the server closed our stdin.
        if not self.exit_event.is_set():
            self._leave()

    def _leave(self) -> None:
        """Ask the app to exit; if it has not within EXIT_GRACE seconds, end the process
        (the store is SQLite in WAL mode: an abrupt end loses nothing committed)."""
        if self._leaving.is_set():
            return
        self._leaving.set()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                asyncio.run_coroutine_threadsafe(self._app._post_message(messages.ExitApp()), loop)
            except RuntimeError:
                pass  # the loop is closing: the app is on its way out
        timer = threading.Timer(EXIT_GRACE, os._exit, args=(0,))
        timer.daemon = True
        timer.start()

"""One browser tab's app process, as ``serve`` runs it: started without a shell in a
process group of its own, with our driver (``screens.served_driver``: it dies with the
server), and ended -- asked to quit, then SIGTERM, then SIGKILL -- as soon as its browser
is gone, however it went.

textual-serve's own AppService stopped reading the app's output at the first write to a
closed websocket, so the app blocked on a full pipe, deaf to the "quit" sent after it and
to SIGTERM (its loop stuck in the write); nothing ever waited for or killed the process."""

from __future__ import annotations

import asyncio
import os
import shlex
import signal
from contextlib import suppress

from textual_serve.app_service import AppService

from screens.served_driver import PARENT_ENV

QUIT_GRACE = 2.0  # the app's own clean exit after "quit"
TERM_GRACE = 2.0  # after SIGTERM, before SIGKILL
SEND_TIMEOUT = 4.0  # a browser that takes no output for this long is gone (a cut network)
HEARTBEAT = 3.0  # websocket ping every 3 s; no pong within 1.5 s: the browser is gone


SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)  # Windows has neither groups nor SIGKILL


def _signal_group(process: asyncio.subprocess.Process, sig: int) -> None:
    """``sig`` to the app's process group (the app and anything it started)."""
    with suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, sig)
        elif process.returncode is None:
            process.kill() if sig == SIGKILL else process.terminate()


class TabApp(AppService):
    """A tab's app process; ``gone`` is set when its browser can no longer be written to."""

    def __init__(self, command: str, **kwargs) -> None:  # noqa: ANN003
        super().__init__(command, **kwargs)
        self.gone = asyncio.Event()
        self._stopping: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        """Starting or running: it holds a slot of the cap until its process has ended."""
        return self._process is None or self._process.returncode is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment["TEXTUAL_DRIVER"] = "screens.served_driver:ServedDriver"
        environment[PARENT_ENV] = str(os.getpid())
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        # No shell between us and the app: the pid we hold is the app's, and the kernel's
        # parent-death signal (set by the app) names this server as the parent.
        self._process = process = await asyncio.create_subprocess_exec(
            *shlex.split(self.command), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self._build_environment(width, height), start_new_session=True)
        self._stdin = process.stdin
        return process

    async def _to_browser(self, send) -> None:  # noqa: ANN001
        """Send to the browser; a closed or stalled websocket marks the tab gone. The app's
        output is still read (and dropped) after that, so the app never blocks on a pipe."""
        if self.gone.is_set():
            return
        try:
            await asyncio.wait_for(send(), SEND_TIMEOUT)
        except (ConnectionError, RuntimeError, asyncio.TimeoutError):
            self.gone.set()

    async def on_data(self, payload: bytes) -> None:
        await self._to_browser(lambda: self.remote_write_bytes(payload))

    async def on_meta(self, data: bytes) -> None:
        if self.gone.is_set():
            return
        try:
            await asyncio.wait_for(super().on_meta(data), SEND_TIMEOUT)
        except (ConnectionError, RuntimeError, asyncio.TimeoutError):
            self.gone.set()

    async def stop(self) -> None:
        """End the app: "quit", then SIGTERM, then SIGKILL to its group; once, however many
        ask (the websocket's end, the server's shutdown)."""
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        with suppress(Exception):
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if process.returncode is None:
            with suppress(Exception):
                await asyncio.wait_for(self.send_meta({"type": "quit"}), 1.0)
        for sig, grace in ((None, QUIT_GRACE), (signal.SIGTERM, TERM_GRACE), (SIGKILL, 5.0)):
            if sig is not None and process.returncode is None:
                _signal_group(process, sig)
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(process.wait(), grace)
                break
        _signal_group(process, SIGKILL)  # whatever it started, in its group
        if self._task is not None:  # its output ends with the process
            with suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 2.0)
            self._task = None
        if self._stdin is not None:
            self._stdin.close()

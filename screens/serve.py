"""``pst-kiosk serve FACE``: a face in the browser through textual-serve, for a second
counter PC in the office. Offline: the page loads nothing from outside (our template
drops textual-serve's web-font link and uses its bundled font). Each browser tab runs its
own app process against this host's store; all state lives in the store."""

from __future__ import annotations

import argparse
import shlex
import sys
from contextlib import suppress
from pathlib import Path

import textual_serve
from textual_serve.server import Server

from kiosk.config import Settings
from kiosk.listen import check_address as _check_address

TEMPLATES = Path(__file__).resolve().parent / "serve_templates"
STATICS = Path(textual_serve.__file__).resolve().parent / "static"


def face_command(face: str, args: argparse.Namespace) -> str:
    """The command each browser tab runs: this program, the same store and config."""
    parts = [sys.executable, "-m", "screens.main"]
    for option in ("db", "config", "lang"):
        value = getattr(args, option, None)
        if value:
            parts += [f"--{option}", str(value)]
    parts.append(face)
    if face == "counter" and getattr(args, "counter", None):
        parts += ["--counter", str(args.counter)]
    if face == "display":  # a tab's app runs here: its voice would come from this host's
        parts.append("--silent")  # speaker, once per open tab, not from the screen watched
    return shlex.join(parts)


class _Server(Server):
    """textual-serve's server, stopping the tabs' apps itself when it is stopped: its own
    shutdown waits for every open websocket (a minute) and, killed then, leaves each tab's
    app running, holding the store. SIGTERM (systemd's stop) now ends them at once."""

    async def on_shutdown(self, app) -> None:  # noqa: ANN001
        await super().on_shutdown(app)
        stop_descendants()


def stop_descendants() -> None:
    """SIGTERM to this process's descendants (each tab's ``sh -c`` and its app; a Textual
    app exits cleanly on it). Linux (/proc); elsewhere nothing to do here."""
    import os
    import signal

    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
            parents[int(entry.parent.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile, or not a process
    family, found = {os.getpid()}, True
    while found:
        found = False
        for pid, parent in parents.items():
            if parent in family and pid not in family:
                family.add(pid)
                found = True
    for pid in family - {os.getpid()}:
        with suppress(OSError):
            os.kill(pid, signal.SIGTERM)


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    _check_address(args.host, args.port)
    server = _Server(face_command(args.face, args), host=args.host, port=args.port,
                    title=f"PST {args.face} • {settings.office.name}",
                    statics_path=STATICS, templates_path=TEMPLATES)
    server.serve()
    return 0

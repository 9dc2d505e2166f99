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
from kiosk.errors import ConfigError

TEMPLATES = Path(__file__).resolve().parent / "serve_templates"
STATICS = Path(textual_serve.__file__).resolve().parent / "static"


def _check_address(host: str, port: int) -> None:
    """Refuse at once, in words, an address this host cannot listen on (a port in use, a
    host address that is not this machine's), before the server says it is serving."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        import errno

        known = {errno.EADDRINUSE: "error.port_in_use", errno.EADDRNOTAVAIL: "error.address_not_here",
                 errno.EACCES: "error.port_forbidden"}
        if exc.errno in known:
            raise ConfigError(known[exc.errno], host=host, port=port) from exc
        raise ConfigError("error.serve_address", host=host, port=port,
                          detail=exc.strerror or str(exc)) from exc


def face_command(face: str, args: argparse.Namespace) -> str:
    """The command each browser tab runs: this program, the same store and config."""
    parts = [sys.executable, "-m", "screens.main"]
    for option in ("db", "config", "lang"):
        value = getattr(args, option, None)
        if value:
            parts += [f"--{option}", str(value)]
    parts += ["central", "dashboard"] if face == "central" else [face]  # the centre's face, with a reader's DSN
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

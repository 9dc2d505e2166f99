"""``pst-kiosk serve FACE``: a face in the browser through textual-serve, for a second
counter PC in the office. Offline: the page loads nothing from outside (our template
drops textual-serve's web-font link and uses its bundled font). Each browser tab runs its
own app process against this host's store; all state lives in the store."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import textual_serve
from textual_serve.server import Server

from kiosk.config import Settings

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
    return shlex.join(parts)


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    server = Server(face_command(args.face, args), host=args.host, port=args.port,
                    title=f"PST {args.face} • {settings.office.name}",
                    statics_path=STATICS, templates_path=TEMPLATES)
    server.serve()
    return 0

"""The program's entry point: the command line with the three faces plugged in."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from kiosk import cli
from kiosk.config import Settings


def run_kiosk(settings: Settings, args: argparse.Namespace) -> int:
    from screens.kiosk_app import KioskApp

    app = KioskApp(settings, lang=args.lang)
    app.run()
    return app.return_code or 0


def run_counter(settings: Settings, args: argparse.Namespace) -> int:
    from screens.counter_app import CounterApp

    app = CounterApp(settings, counter=args.counter, lang=args.lang)
    app.run()
    return app.return_code or 0


def run_display(settings: Settings, args: argparse.Namespace) -> int:
    from screens.display_app import DisplayApp

    if getattr(args, "silent", False):
        settings = settings.model_copy(update={"display": settings.display.model_copy(update={"voice": False})})
    app = DisplayApp(settings, lang=args.lang)
    app.run()
    return app.return_code or 0


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    from screens.serve import run_serve as serve

    return serve(settings, args)


FACES = {"kiosk": run_kiosk, "counter": run_counter, "display": run_display}


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, faces=FACES, serve=run_serve)


if __name__ == "__main__":
    sys.exit(main())

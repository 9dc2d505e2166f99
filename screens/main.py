"""The program's entry point: the command line with the three faces plugged in."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from kiosk import cli

if TYPE_CHECKING:
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


def run_central_dashboard(settings: Settings, args: argparse.Namespace) -> int:
    """The centre's face: no office store, only a reader's DSN (refused in words before any screen)."""
    from kiosk.central.report import check_readable

    dsn = getattr(args, "dsn", None) or settings.central_dsn
    province, office = getattr(args, "province", None), getattr(args, "office", None)
    check_readable(dsn, province, office)
    from screens.central_dashboard import CentralDashboardApp

    app = CentralDashboardApp(dsn=dsn or "", lang=args.lang or settings.kiosk.language, tz=settings.office.tz,
                              interval=getattr(args, "interval", 30.0), province=province, office=office)
    app.run()
    return app.return_code or 0


FACES = {"kiosk": run_kiosk, "counter": run_counter, "display": run_display}


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, faces=FACES, serve=run_serve, dashboard=run_central_dashboard)


if __name__ == "__main__":
    sys.exit(main())

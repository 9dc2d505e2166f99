"""Benchmark: how long the kiosk's F10 dialog takes to refuse, by kind of failure.

Issue 12: the time a refusal takes must not tell a stranger whether a name is an account.
Each try is ``accounts.kiosk_exit`` on a temp store with an admin, an officer and a
disabled admin: an unknown name (checked against a dummy argon2 hash), an admin's wrong
PIN, an officer's right PIN (not an admin), a disabled admin's right PIN. The shut after
five refusals is lifted between tries (the audit rows are removed), so each is timed as
a first try. Also ``authenticate`` (the counter's login) for an unknown and a known name,
which does the same work for an unknown name (issue 12: it answered at once before).

    .venv/bin/python bench/kiosk_exit.py [--runs 20]

Prints median / p90 / max in ms per kind; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=20, help="timed tries per kind")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pst-bench-exit-") as tmpname:
        tmp = Path(tmpname)
        bl.isolate_env(tmp)
        from kiosk import accounts
        from kiosk.store import Store

        _, _, settings = bl.write_settings(tmp, printer="none")
        with Store(settings.db_path) as store:
            admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
            accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
            accounts.add_user(store, admin, username="rina", name="Rina", role="admin", pin="864209")
            accounts.disable_user(store, admin, "rina")
            kinds = {"unknown name": ("nobody", "975318"), "admin, wrong PIN": ("admin", "000000"),
                     "officer, right PIN": ("budi", "284751"), "disabled admin, right PIN": ("rina", "864209")}

            def refuse(name: str, pin: str) -> None:
                store.conn.execute("DELETE FROM audit WHERE action LIKE 'kiosk.exit%'")
                store.conn.commit()
                try:
                    accounts.kiosk_exit(store, username=name, secret=pin, exit_code="")
                except accounts.Forbidden:
                    return
                raise SystemExit(f"{name}: not refused")

            def login(name: str, pin: str) -> None:
                store.conn.execute("UPDATE users SET failed_attempts = 0, locked_until = NULL")
                store.conn.commit()
                try:
                    accounts.authenticate(store, name, pin)
                except accounts.Forbidden:
                    return

            rows = []
            for label, (name, pin) in kinds.items():
                refuse(name, pin)  # warm
                times = [bl.timed(refuse, name, pin) for _ in range(args.runs)]
                st = bl.ms_stats(times)
                rows.append((f"kiosk F10: {label}", st["median"], st["p90"], st["max"]))
            for label, (name, pin) in (("unknown name", ("nobody", "975318")), ("wrong PIN", ("admin", "000000"))):
                times = [bl.timed(login, name, pin) for _ in range(args.runs)]
                st = bl.ms_stats(times)
                rows.append((f"counter login: {label}", st["median"], st["p90"], st["max"]))
    print(bl.table(["refusal", "median ms", "p90 ms", "max ms"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

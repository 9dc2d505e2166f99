"""Benchmark: a command as a whole process (``pst-kiosk ticket take B``) versus Python alone.

Every run is a fresh process started by this script and timed from spawn to exit:

  python          ``python -c pass``: the interpreter and site (the venv's path hooks)
  textual         ``python -c "import textual"``: the yardstick of the budget
  ticket take     ``python -m screens.main ticket take B``: parse the command line, load
                  the configuration, open and migrate-check the store, take the ticket,
                  queue and "print" it (printer ``none``), print the line
  ticket --help   ``python -m screens.main ticket take --help``: the parser alone

Runs are interleaved (one of each, then again) so the load of a shared machine hits each
alike; medians are reported with the ratio to ``import textual``. Bytecode is cached in
the temp dir and warmed by one discarded round, as an installed program would have it.
``--compare DIR`` adds the same commands run from another checkout (e.g. the code before
a change, ``git archive HEAD | tar -x -C DIR``), side by side in the same rounds.

Budget: ``ticket take`` within 1.5x ``python -c "import textual"``.

    .venv/bin/python bench/cli_start.py [--runs 15] [--compare DIR]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402

BUDGET_RATIO = 1.5


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=15, help="measured rounds")
    ap.add_argument("--compare", type=Path, action="append", default=[], metavar="DIR",
                    help="another checkout whose commands run in the same rounds")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="pst-bench-cli-") as tmpname:
        tmp = Path(tmpname)
        env = bl.isolate_env(tmp)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        config_path, db_path, _ = bl.write_settings(tmp, printer="none")
        base = ["--config", str(config_path), "--db", str(db_path)]
        py = sys.executable
        cases: list[tuple[str, list[str], Path]] = [
            ("python", [py, "-c", "pass"], bl.ROOT),
            ("textual", [py, "-c", "import textual"], bl.ROOT),
        ]
        for label, root in [("", bl.ROOT)] + [(f" [{d.name}]", d.resolve()) for d in args.compare]:
            cases.append((f"ticket take{label}", [py, "-m", "screens.main", "ticket", "take", "B", *base], root))
            cases.append((f"ticket --help{label}", [py, "-m", "screens.main", "ticket", "take", "--help"], root))

        def run(cmd: list[str], root: Path) -> tuple[float, float]:
            """Wall time and CPU time (user + system) of the child, in ms."""
            child_env = dict(env, PYTHONPATH=str(root))
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, cwd=root, env=child_env, capture_output=True, text=True, timeout=60)
            elapsed = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if proc.returncode != 0:
                raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            return elapsed * 1000, cpu * 1000

        print(bl.machine_line())
        print(f"{args.runs} rounds of fresh processes (+1 discarded warm-up), printer 'none'")
        for _, cmd, root in cases:  # warm-up: bytecode, page cache; also migrates the store
            run(cmd, root)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name, _, _ in cases}
        for _ in range(args.runs):
            for name, cmd, root in cases:
                times[name].append(run(cmd, root))

    def med(name: str, i: int) -> float:
        return statistics.median(x[i] for x in times[name])

    rows = [(name, med(name, 0), min(x[0] for x in ts), max(x[0] for x in ts),
             med(name, 0) / med("textual", 0), med(name, 1), med(name, 1) / med("textual", 1))
            for name, ts in times.items()]
    print()
    print("medians in ms; wall = process spawn -> exit; cpu = the child's user + system time "
          "(steadier than wall on a loaded machine)")
    print(bl.table(["command", "wall", "min", "max", "wall / textual", "cpu", "cpu / textual"], rows))
    print()
    for name, _, _, _, wall_ratio, _, cpu_ratio in rows:
        if name.startswith("ticket take"):
            print(f"budget {name}: {wall_ratio:.2f}x import textual wall, {cpu_ratio:.2f}x cpu "
                  f"(<= {BUDGET_RATIO}x: {'ok' if wall_ratio <= BUDGET_RATIO else 'OVER'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

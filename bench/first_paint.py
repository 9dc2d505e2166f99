"""Benchmark: time to first paint of each face versus a minimal Textual app.

Every measurement runs in its own fresh Python process (so each pays the same kind of
import cost), headless via ``App.run_test(size=(100, 40))``. In each process:

  import      interpreter up -> textual + the face's modules imported, settings loaded
  paint       app constructed -> first paint of the face's first real screen
              (KioskApp: HomeScreen, CounterApp(counter=1): CounterScreen, DisplayApp and
              the minimal app: their default screen). "Paint" is the first call of
              ``App._display`` for that screen with a compositor update, plus turning that
              update into terminal escape sequences (which headless mode skips; we do it so
              the cost of a real terminal write is counted)
  settled     app constructed -> ``await pilot.pause()`` returned after entering
              ``run_test`` (no messages pending)
  spawn       parent starts the process -> first paint (interpreter start + imports + paint)
  cpu         the process's CPU time (user + system) from its start to first paint: what
              spawn costs without the waiting, steadier than wall time on a loaded machine
  peak RSS    VmHWM of the process at the end (Linux; ``ru_maxrss`` elsewhere). The
              ``ru_maxrss`` column is shown too: on Linux it survives exec and so includes
              the parent's size at spawn, which is why the parent seeds the store in a
              separate process and stays small itself

Bytecode is cached in the temp dir (PYTHONPYCACHEPREFIX) and warmed by one discarded run
per face, as an installed program would have it.

``--instructions`` counts instead, for each face once, the instructions its process runs
from start to first paint under valgrind's cachegrind (the child leaves at its first
paint): steady to a percent or so on a loaded machine, where times are not.

Budgets (issue 17, DESIGN.md): a face's process start to first paint (spawn; its cpu and
instructions alike) within 1.5x the minimal app's; a face under 150 MB peak RSS. The paint
column alone (a real screen against one Static) is shown, not judged.
The store and config live in a temp dir; today's queue and ~100k past tickets are seeded.

    .venv/bin/python bench/first_paint.py [--runs 7] [--history 100000] [--instructions]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

_T_START = time.perf_counter()  # as early as possible in the child
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402

FACES = ("minimal", "kiosk", "counter", "display")
TARGET_SCREEN = {"minimal": "_default", "kiosk": "HomeScreen", "counter": "CounterScreen",
                 "display": "_default"}
SIZE = (100, 40)
PAINT_BUDGET_RATIO = 1.5
RSS_BUDGET_MB = 150.0


# -- child: one measurement ----------------------------------------------------------------


def child(face: str, config_path: str, db_path: str) -> None:
    import asyncio

    if face == "minimal":
        from textual.app import App, ComposeResult
        from textual.widgets import Static

        class MinimalApp(App[None]):
            def compose(self) -> ComposeResult:
                yield Static("Hello from a minimal Textual app")

        def make():  # noqa: ANN202
            return MinimalApp()
    else:
        from kiosk import config

        settings = config.load(config_path, db=db_path)
        if face == "kiosk":
            from screens.kiosk_app import KioskApp

            def make():  # noqa: ANN202
                return KioskApp(settings)
        elif face == "counter":
            from screens.counter_app import CounterApp

            def make():  # noqa: ANN202
                return CounterApp(settings, counter=1)
        else:
            from screens.display_app import DisplayApp

            def make():  # noqa: ANN202
                return DisplayApp(settings)

    t_imported = time.perf_counter()
    target = TARGET_SCREEN[face]
    state: dict[str, float | None] = {"paint": None, "paint_wall": None, "any_paint": None,
                                      "paint_cpu": None}

    t_construct = time.perf_counter()
    app = make()
    original_display = app._display

    def hooked_display(screen, renderable) -> None:  # noqa: ANN001
        original_display(screen, renderable)
        if renderable is None or app._batch_count:
            return
        if state["any_paint"] is None:
            state["any_paint"] = time.perf_counter()
        if state["paint"] is None and target in (screen.id, type(screen).__name__):
            if hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)  # the terminal write headless skips
            state["paint"] = time.perf_counter()
            state["paint_wall"] = time.time()
            state["paint_cpu"] = time.process_time()  # this process's CPU, start to paint
            if os.environ.get("PST_BENCH_EXIT_AT_PAINT"):  # --instructions: counted up to here
                os._exit(0)

    app._display = hooked_display  # type: ignore[method-assign]
    info: dict[str, object] = {}

    async def drive() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            info["settled"] = time.perf_counter()
            deadline = time.perf_counter() + 10
            while state["paint"] is None and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            info["screen"] = type(app.screen).__name__
            info["widgets"] = len(list(app.screen.query("*")))

    asyncio.run(drive())
    if state["paint"] is None:
        raise SystemExit(f"{face}: the {target} screen was never painted")
    print(json.dumps({
        "face": face,
        "import_ms": (t_imported - _T_START) * 1000,
        "paint_ms": (state["paint"] - t_construct) * 1000,
        "any_paint_ms": (state["any_paint"] - t_construct) * 1000,
        "settled_ms": (info["settled"] - t_construct) * 1000,
        "paint_wall": state["paint_wall"],
        "cpu_ms": state["paint_cpu"] * 1000,
        "rss_mb": bl.peak_rss_mb(),
        "ru_maxrss_mb": bl.ru_maxrss_mb(),
        "screen": info["screen"],
        "widgets": info["widgets"],
    }))


# -- parent --------------------------------------------------------------------------------


def seed(settings, history: int) -> dict[str, int]:  # noqa: ANN001
    """History before today, and a live queue today: 3 counters busy, ~27 waiting."""
    from datetime import datetime

    from kiosk.store import Store
    from kiosk.tickets import issue_ticket, queue_for

    with Store(settings.db_path) as store:
        today = datetime.now(settings.office.tz).date()
        seeded = {"tickets": 0}
        if history:
            seeded = bl.seed_history(store, settings, tickets=history, days=365, today=today,
                                     changes=False, print_jobs=False)
        letters = "BCCABDCB"
        for i in range(30):
            issue_ticket(store, settings, letters[i % len(letters)], priority=(i % 9 == 4))
        queue = queue_for(store, settings)
        first = queue.call_next(1)
        queue.start(first.id)
        queue.call_next(2)
        queue.call_next(3)
        waiting = len(queue.waiting())
    return {"history": seeded["tickets"], "today": 30, "waiting": waiting}


def run_one(face: str, config_path: Path, db_path: Path, env: dict[str, str]) -> dict:
    started = time.time()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", face,
         "--config", str(config_path), "--db", str(db_path)],
        capture_output=True, text=True, env=env, timeout=120)
    if proc.returncode != 0:
        raise SystemExit(f"{face} child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["spawn_ms"] = (result["paint_wall"] - started) * 1000
    return result


def count_instructions(config_path: Path, db_path: Path, env: dict[str, str]) -> int:
    """Each face's instructions from process start to first paint (cachegrind), and the
    ratio to the minimal app's."""
    import re
    import shutil

    if not shutil.which("valgrind"):
        print("valgrind is not installed (apt-get install valgrind)")
        return 0
    counted: dict[str, int] = {}
    for face in FACES:
        proc = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
             sys.executable, str(Path(__file__).resolve()), "--child", face, "--config", str(config_path),
             "--db", str(db_path)], capture_output=True, text=True, env=dict(env, PST_BENCH_EXIT_AT_PAINT="1"),
            timeout=600)
        found = re.search(r"I\s+refs:\s+([0-9,]+)", proc.stderr)
        if proc.returncode != 0 or not found:
            raise SystemExit(f"{face} under cachegrind failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        counted[face] = int(found[1].replace(",", ""))
    print()
    print("instructions from process start to first paint (cachegrind; one run each)")
    print(bl.table(["face", "instructions (M)", "/ minimal"],
                   [(face, counted[face] / 1e6, counted[face] / counted["minimal"]) for face in FACES]))
    print()
    for face in FACES[1:]:
        ratio = counted[face] / counted["minimal"]
        print(f"budget {face:<8} {ratio:.2f}x the minimal app's instructions "
              f"(<= {PAINT_BUDGET_RATIO}x: {'ok' if ratio <= PAINT_BUDGET_RATIO else 'OVER'})")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=7, help="measured processes per face")
    ap.add_argument("--history", type=int, default=100_000, help="past tickets in the store")
    ap.add_argument("--instructions", action="store_true",
                    help="count instructions to first paint under cachegrind (one run per face)")
    ap.add_argument("--child", choices=FACES, help=argparse.SUPPRESS)
    ap.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.config, args.db)
        return 0
    if args.seed:  # runs in its own process so the parent stays small (see ru_maxrss)
        _, _, settings = bl.write_settings(Path(args.config).parent, printer="none",
                                           name=Path(args.config).name, db=Path(args.db).name)
        print(json.dumps(seed(settings, args.history)))
        return 0

    with tempfile.TemporaryDirectory(prefix="pst-bench-paint-") as tmpname:
        tmp = Path(tmpname)
        env = bl.isolate_env(tmp)
        config_path, db_path = tmp / "config.toml", tmp / "pst.db"  # written by the seeder
        # Bytecode as an installed program has it: the project's .py files get compiled
        # once (by the warm-up run) into a cache inside the temp dir, even when
        # PYTHONDONTWRITEBYTECODE is set, instead of being recompiled by every process.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        proc = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--seed", "--history", str(args.history),
             "--config", str(config_path), "--db", str(db_path)],
            capture_output=True, text=True, env=env, timeout=600)
        if proc.returncode != 0:
            raise SystemExit(f"seeding the store failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        seeded = json.loads(proc.stdout.strip().splitlines()[-1])
        from importlib.metadata import version

        print(bl.machine_line())
        print(f"textual {version('textual')}, size {SIZE[0]}x{SIZE[1]}, "
              f"{args.runs} runs per face in fresh processes (+1 discarded warm-up each)")
        print(f"store: {seeded['history']} past tickets, {seeded['today']} today "
              f"({seeded['waiting']} waiting, counters 1-3 busy); printer 'none'")
        for face in FACES:  # warm-up: .pyc files, OS page cache
            run_one(face, config_path, db_path, env)
        if args.instructions:
            return count_instructions(config_path, db_path, env)
        results: dict[str, list[dict]] = {face: [] for face in FACES}
        for _ in range(args.runs):
            for face in FACES:  # interleaved, so drift hits every face alike
                results[face].append(run_one(face, config_path, db_path, env))

    def med(face: str, key: str) -> float:
        return statistics.median(r[key] for r in results[face])

    base_paint, base_spawn = med("minimal", "paint_ms"), med("minimal", "spawn_ms")
    base_cpu = med("minimal", "cpu_ms")
    rows = []
    for face in FACES:
        rs = results[face]
        rows.append((
            face, rs[0]["screen"], rs[0]["widgets"], med(face, "import_ms"), med(face, "paint_ms"),
            min(r["paint_ms"] for r in rs), max(r["paint_ms"] for r in rs),
            med(face, "paint_ms") / base_paint, med(face, "settled_ms"), med(face, "spawn_ms"),
            med(face, "spawn_ms") / base_spawn, med(face, "cpu_ms"), med(face, "cpu_ms") / base_cpu,
            max(r["rss_mb"] for r in rs), max(r["ru_maxrss_mb"] for r in rs)))
    print()
    print("medians in ms; paint = construct -> first paint of the first screen; "
          "spawn = process start -> first paint")
    print(bl.table(
        ["face", "first screen", "widgets", "import", "paint", "min", "max", "paint/min.",
         "settled", "spawn", "spawn/min.", "cpu", "cpu/min.", "peak RSS MB", "ru_maxrss MB"], rows))
    print()
    ok = True
    for row in rows[1:]:
        face, ratio, spawn_ratio, cpu_ratio, rss = row[0], row[7], row[10], row[12], row[13]
        # The budget (issue 17, DESIGN.md) is from process start: what an officer waits for.
        # The paint-only ratio compares a real screen (its widgets, its store reads) with one
        # Static; it is shown to follow, not judged.
        spawn_ok = spawn_ratio <= PAINT_BUDGET_RATIO
        rss_ok = rss < RSS_BUDGET_MB
        ok &= spawn_ok and rss_ok
        print(f"budget {face:<8} process start to paint {spawn_ratio:.2f}x minimal (<= {PAINT_BUDGET_RATIO}x: "
              f"{'ok' if spawn_ok else 'OVER'}; cpu {cpu_ratio:.2f}x), peak RSS {rss:.0f} MB "
              f"(< {RSS_BUDGET_MB:.0f} MB: {'ok' if rss_ok else 'OVER'}); paint alone {ratio:.2f}x")
    print("all face budgets met" if ok else "some face budget is OVER (numbers above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

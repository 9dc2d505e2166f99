"""Benchmark: what one browser tab costs ``pst-kiosk serve``, and how soon its app ends
once the browser has gone.

  memory      RSS and PSS (proportional: shared pages split between processes) of each
              tab's app process once its first screen is up, for ``--tabs`` tabs of the
              face, read from /proc (Linux); and the server's own RSS
  gone        seconds from the browser going to its app's process leaving the process
              table, for three ways of going:
                closed  the websocket is closed properly (a tab closed)
                reset   the TCP connection is dropped without a close frame (a crash)
                silent  the socket stays open and answers nothing (a network cut)
              Budget: within 10 s each.

Tabs are websocket clients (aiohttp), as the page's script is; the app runs exactly as for
a browser. Linux only (reads /proc).

    .venv/bin/python bench/serve_apps.py [--face counter] [--tabs 4] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _benchlib as bl  # noqa: E402

GONE_BUDGET_S = 10.0


def _apps(db: str, server: int) -> list[int]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmd = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(entry.name) != server and db.encode() in cmd and b"screens.main" in cmd:
            found.append(int(entry.name))
    return found


def _kb(pid: int, path: str, field: str) -> int:
    with suppress(OSError):  # the process has gone
        for line in Path(f"/proc/{pid}/{path}").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _wait(condition, timeout: float) -> float | None:  # noqa: ANN001
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(0.05)
    return None


async def _open_tab(port: int):  # noqa: ANN202
    import aiohttp

    session = aiohttp.ClientSession()
    ws = await session.ws_connect(f"http://127.0.0.1:{port}/ws?width=120&height=40", heartbeat=None,
                                  autoping=True)
    return session, ws


async def _read_until_quiet(ws, seconds: float) -> None:  # noqa: ANN001
    """Take the app's output until it has painted (no frame for ``seconds``)."""
    while True:
        try:
            await asyncio.wait_for(ws.receive(), seconds)
        except asyncio.TimeoutError:
            return


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--face", default="counter", choices=("kiosk", "counter", "display"))
    ap.add_argument("--tabs", type=int, default=4, help="tabs open at once for the memory figures")
    ap.add_argument("--runs", type=int, default=3, help="runs of each way of going")
    args = ap.parse_args(argv)
    if not Path("/proc/self/stat").exists():
        print("serve_apps: Linux only (reads /proc)")
        return 0

    with tempfile.TemporaryDirectory(prefix="pst-bench-serve-") as tmpname:
        tmp = Path(tmpname)
        env = bl.isolate_env(tmp)
        config_path, db_path, _ = bl.write_settings(tmp)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        db = str(db_path)
        server = subprocess.Popen(
            [sys.executable, "-m", "screens.main", "--config", str(config_path), "--db", db, "serve", args.face,
             "--port", str(port), "--max-apps", str(max(args.tabs, 1))],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=bl.ROOT, start_new_session=True)
        try:
            if _wait(lambda: socket.socket().connect_ex(("127.0.0.1", port)) == 0, 60) is None:
                print("serve did not start")
                return 1
            print(f"load average {os.getloadavg()[0]:.2f}; face {args.face}, {args.tabs} tabs")
            print(_memory(port, db, server.pid, args.tabs))
            print(_gone(port, db, server.pid, args.runs))
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


def _memory(port: int, db: str, server: int, tabs: int) -> str:
    async def run() -> list[tuple[int, int, int]]:
        opened = [await _open_tab(port) for _ in range(tabs)]
        await asyncio.gather(*(_read_until_quiet(ws, 2.0) for _, ws in opened))
        figures = [(pid, _kb(pid, "status", "VmRSS"), _kb(pid, "smaps_rollup", "Pss")) for pid in _apps(db, server)]
        for session, ws in opened:
            await ws.close()
            await session.close()
        return figures

    figures = asyncio.run(run())
    rows = [(pid, rss / 1024, pss / 1024) for pid, rss, pss in figures]
    rss = [r for _, r, _ in rows]
    pss = [p for _, _, p in rows]
    text = bl.table(("app pid", "RSS MB", "PSS MB"), rows)
    text += (f"\nper app: RSS median {statistics.median(rss):.1f} MB, PSS median {statistics.median(pss):.1f} MB;"
             f" {len(rows)} apps RSS total {sum(rss):.0f} MB; server RSS {_kb(server, 'status', 'VmRSS') / 1024:.1f} MB")
    return text


def _gone(port: int, db: str, server: int, runs: int) -> str:
    async def one(way: str) -> float | None:
        await asyncio.to_thread(_wait, lambda: not _apps(db, server), 30)  # every slot free again
        session, ws = await _open_tab(port)
        await _read_until_quiet(ws, 1.5)
        apps = set(_apps(db, server))
        raw = None
        if way == "closed":
            await ws.close()
        elif way == "reset":
            transport = ws._response.connection.transport  # noqa: SLF001 - a crash sends no close frame
            transport.abort()
        else:  # silent: a raw socket that never reads nor answers a ping
            await ws.close()
            await session.close()
            await asyncio.sleep(0)
            _wait(lambda: not (apps & set(_apps(db, server))), 15)
            raw = socket.create_connection(("127.0.0.1", port))
            raw.sendall(b"GET /ws?width=120&height=40 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        b"Sec-WebSocket-Version: 13\r\n\r\n")
            raw.recv(64)
            if _wait(lambda: set(_apps(db, server)), 30) is None:
                return None
            apps = set(_apps(db, server))
            time.sleep(1.5)  # its first screen is up; from now on nobody answers
        took = await asyncio.to_thread(_wait, lambda: not (apps & set(_apps(db, server))), 30)
        if raw is not None:
            raw.close()
        if not session.closed:
            await session.close()
        return took

    rows = []
    for way in ("closed", "reset", "silent"):
        times = [asyncio.run(one(way)) for _ in range(runs)]
        done = [t for t in times if t is not None]
        worst = max(done) if len(done) == len(times) else None
        rows.append((way, statistics.median(done) if done else None, worst,
                     "ok" if worst is not None and worst <= GONE_BUDGET_S else "OVER"))
    return "time from the browser going to its app ending (s):\n" + bl.table(
        ("how it went", "median s", "worst s", f"budget {GONE_BUDGET_S:g} s"), rows)


if __name__ == "__main__":
    sys.exit(main())

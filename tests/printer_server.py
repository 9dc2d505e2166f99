"""A tiny TCP capture server that behaves like a network thermal printer.

It records the bytes it receives and answers the real-time status queries
(DLE EOT 1 and DLE EOT 4) the way an Epson-compatible printer does. Modes:
``ok``, ``paper_out``, ``offline``, ``silent`` (accepts, never reads or answers).
"""

from __future__ import annotations

import bisect
import socket
import threading
import time

DLE_EOT = b"\x10\x04"
ONLINE_OK = b"\x12"       # fixed bits 1 and 4; bit 3 clear = online
ONLINE_OFF = b"\x1a"      # bit 3 set = offline
PAPER_OK = b"\x12"
PAPER_OUT = b"\x72"       # paper end bits 5 and 6


class CapturePrinter:
    def __init__(self, mode: str = "ok") -> None:
        self.mode = mode
        self.jobs: list[bytes] = []
        self._seqs: list[int] = []  # the connection number of each job, in ``jobs``' order
        self._lock = threading.Lock()
        self.connections = 0
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"network:127.0.0.1:{self.port}"

    @property
    def data(self) -> bytes:
        return b"".join(self.jobs)

    def _serve(self) -> None:
        self._sock.settimeout(0.1)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                continue
            self.connections += 1
            if self.mode == "silent":
                self._held.append(conn)  # keep it open, never read: a hung printer
                continue
            threading.Thread(target=self._handle, args=(conn, self.connections), daemon=True).start()

    def _handle(self, conn: socket.socket, seq: int) -> None:
        received = bytearray()
        conn.settimeout(5)
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                received.extend(chunk)
                # Answer status queries as they arrive (only at the start of a job).
                while True:
                    at = received.find(DLE_EOT)
                    if at < 0 or len(received) < at + 3:
                        break
                    which = received[at + 2]
                    del received[at:at + 3]
                    conn.sendall(self._status(which))
        if received:
            # In the order the jobs were sent (connections accepted), not the order their
            # handler threads finished: on a loaded machine a later job can finish first.
            with self._lock:
                at = bisect.bisect(self._seqs, seq)
                self._seqs.insert(at, seq)
                self.jobs.insert(at, bytes(received))

    def _status(self, which: int) -> bytes:
        if which == 1:
            return ONLINE_OFF if self.mode == "offline" else ONLINE_OK
        return PAPER_OUT if self.mode == "paper_out" else PAPER_OK

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[bytes]:
        end = time.monotonic() + timeout
        while len(self.jobs) < count and time.monotonic() < end:
            time.sleep(0.02)
        return self.jobs

    def close(self) -> None:
        self._stop.set()
        for conn in self._held:
            conn.close()
        self._sock.close()
        self._thread.join(timeout=2)


def refused_port() -> int:
    """A local port with nothing listening (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

"""A tiny TCP capture server that behaves like a network thermal printer, faults included.

It records the bytes it receives and answers the real-time status queries (DLE EOT 1,
2 and 4) the way an Epson-compatible printer does: in order, after every byte sent
before the query. Modes (``mode``, changeable at any time; read per connection):

- ``ok``; ``paper_low`` (near its end: still prints); ``paper_out``, ``offline``,
  ``cover_open`` (reported from the first query);
- ``paper_out_after``: fine before the job, paper out when asked after it (only the
  first half of that job came out);
- ``silent``: accepts, never reads or answers (a hung printer);
- ``mute``: reads everything, never answers a status (a printer without DLE EOT).

Faults by size (``None`` = off): ``reset_after=N`` resets the connection after N bytes
of a job (power cut, jam, cable pulled); ``stall_after=N`` prints N bytes and then loses
the rest and answers nothing, holding the connection (a printer frozen mid-job). ``vanish()`` closes the port
and every connection; ``come_back()`` listens on the same port again.

Paper that came out is ``jobs`` (one entry per connection, status queries removed);
a job is whole when it holds the cut, ``complete(label)`` counts those.
"""

from __future__ import annotations

import bisect
import socket
import struct
import threading
import time
from contextlib import suppress

DLE_EOT = b"\x10\x04"
CUT = b"\x1dV\x00"        # python-escpos's full cut, the end of every document
ONLINE_OK = b"\x12"       # fixed bits 1 and 4; bit 3 clear = online
ONLINE_OFF = b"\x1a"      # bit 3 set = offline
CAUSE_OK = b"\x12"
CAUSE_COVER = b"\x16"     # bit 2 = cover open
PAPER_OK = b"\x12"
PAPER_OUT = b"\x72"       # paper end bits 5 and 6
PAPER_LOW = b"\x1e"       # near-end bits 2 and 3


class CapturePrinter:
    def __init__(self, mode: str = "ok", *, reset_after: int | None = None,
                 stall_after: int | None = None) -> None:
        self.mode = mode
        self.reset_after = reset_after
        self.stall_after = stall_after
        self.jobs: list[bytes] = []
        self._seqs: list[int] = []  # the connection number of each job, in ``jobs``' order
        self._lock = threading.Lock()
        self.connections = 0
        self.received = 0  # job bytes taken, all connections (a test waits on it)
        self._active = 0  # connections being handled (a job is recorded when its ends)
        self.port = 0
        self._held: list[socket.socket] = []
        self._listen()

    def _listen(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(8)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(self._sock, self._stop), daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"network:127.0.0.1:{self.port}"

    @property
    def data(self) -> bytes:
        return b"".join(self.jobs)

    def complete(self, *labels: bytes | str, without: bytes | str | None = None) -> int:
        """Whole documents that came out (those holding the cut), with every one of
        ``labels`` on them (and not ``without``) if given."""
        self.wait_idle()
        need = [x.encode() if isinstance(x, str) else x for x in labels]
        avoid = without.encode() if isinstance(without, str) else without
        return sum(job.count(CUT) for job in self.jobs
                   if all(x in job for x in need) and (avoid is None or avoid not in job))

    def _serve(self, sock: socket.socket, stop: threading.Event) -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                if sock.fileno() < 0:
                    return
                continue
            with self._lock:
                self.connections += 1
                seq = self.connections
                self._held.append(conn)
                if self.mode == "silent":
                    continue  # keep it open, never read: a hung printer
                self._active += 1
            threading.Thread(target=self._handle, args=(conn, seq), daemon=True).start()

    def _handle(self, conn: socket.socket, seq: int) -> None:
        job = bytearray()
        pending = bytearray()  # bytes not yet known to be job or query
        conn.settimeout(10)
        mode, reset_after, stall_after = self.mode, self.reset_after, self.stall_after
        try:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                pending.extend(chunk)
                # A status query is the last thing a client sends before it waits.
                query = None
                if len(pending) >= 3 and pending[-3:-1] == DLE_EOT and pending[-1] in (1, 2, 4):
                    query = pending[-1]
                    del pending[-3:]
                limit = reset_after if reset_after is not None else stall_after
                if limit is not None and len(job) + len(pending) > limit:
                    take = max(0, limit - len(job))
                    self._take(job, pending[:take])
                    if reset_after is not None:  # RST, as a printer losing power does
                        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        conn.close()
                    else:
                        self._stalled(conn)
                    return
                self._take(job, pending)
                pending.clear()
                if query is not None and mode != "mute":
                    answer = self._status(mode, query, after_job=bool(job))
                    if mode == "paper_out_after" and job and query == 4:
                        del job[len(job) // 2:]  # the paper ran out halfway: no cut came out
                    conn.sendall(answer)
        finally:
            if job:
                # In the order the jobs were sent (connections accepted), not the order their
                # handler threads finished: on a loaded machine a later job can finish first.
                with self._lock:
                    at = bisect.bisect(self._seqs, seq)
                    self._seqs.insert(at, seq)
                    self.jobs.insert(at, bytes(job))
            with self._lock:
                if conn in self._held:
                    self._held.remove(conn)
                self._active -= 1
            conn.close()

    def _take(self, job: bytearray, data: bytes | bytearray) -> None:
        job.extend(data)
        with self._lock:
            self.received += len(data)

    def _stalled(self, conn: socket.socket) -> None:
        """Frozen mid-job: whatever else comes is lost, no status is answered, until the
        peer goes or the server stops."""
        conn.settimeout(0.1)
        while not self._stop.is_set():
            try:
                if not conn.recv(65536):
                    return
            except (socket.timeout, TimeoutError):
                continue
            except OSError:
                return

    @staticmethod
    def _status(mode: str, which: int, *, after_job: bool) -> bytes:
        paper_out = mode == "paper_out" or (mode == "paper_out_after" and after_job)
        if which == 1:
            return ONLINE_OFF if mode in ("offline", "cover_open") or paper_out else ONLINE_OK
        if which == 2:
            return CAUSE_COVER if mode == "cover_open" else CAUSE_OK
        if paper_out:
            return PAPER_OUT
        return PAPER_LOW if mode == "paper_low" else PAPER_OK

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[bytes]:
        end = time.monotonic() + timeout
        while len(self.jobs) < count and time.monotonic() < end:
            time.sleep(0.02)
        return self.jobs

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Wait until every connection has ended and its job is recorded (a client has
        its answer a moment before the server sees it go)."""
        end = time.monotonic() + timeout
        while self._active and time.monotonic() < end:
            time.sleep(0.02)

    def wait_for_bytes(self, count: int, timeout: float = 10.0) -> bool:
        end = time.monotonic() + timeout
        while self.received < count and time.monotonic() < end:
            time.sleep(0.02)
        return self.received >= count

    def vanish(self) -> None:
        """The printer goes away: the port closes (connections refused) and every
        connection drops."""
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=2)
        with self._lock:
            held, self._held = self._held, []
        for conn in held:
            with suppress(OSError):
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()

    def come_back(self, mode: str | None = None) -> None:
        """The printer is back on the same port."""
        if mode is not None:
            self.mode = mode
        self.reset_after = self.stall_after = None
        self._listen()

    def close(self) -> None:
        self.vanish()


def refused_port() -> int:
    """A local port with nothing listening (connection refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

"""A TCP proxy for fault tests: forwards to PostgreSQL and can cut every connection,
cut after N bytes from the client, refuse new ones, or stall."""

from __future__ import annotations

import socket
import threading


class Proxy:
    def __init__(self, target_port: int = 5432, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.cut_after: int | None = None  # bytes client->server, then drop the connection
        self.refuse = False
        self.stall = False
        self.sent = 0
        self.recorded: bytearray | None = None  # set to bytearray() to keep what clients send
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._server = socket.socket()
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def dsn(self, user: str, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={user} dbname={dbname} sslmode=disable"

    def _accept(self) -> None:
        self._server.settimeout(0.1)
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                continue
            if self.refuse:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, from_client: bool) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                while self.stall:
                    self._stop.wait(0.05)
                    if self._stop.is_set():
                        return
                if from_client and self.recorded is not None:
                    with self._lock:
                        self.recorded += data
                if from_client and self.cut_after is not None:
                    with self._lock:
                        room = self.cut_after - self.sent
                        self.sent += len(data)
                    if room <= len(data):
                        dst.sendall(data[:max(room, 0)])
                        self.cut_all()
                        return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.close()
                except OSError:
                    pass

    def cut_all(self) -> None:
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for a, b in pairs:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self) -> None:
        self._stop.set()
        self.stall = False
        self.cut_all()
        self._server.close()

"""Printer connections from a URL-like spec, and sending bytes with one time budget.

``network:HOST[:PORT]``, ``usb:VID:PID``, ``serial:DEVICE[:BAUD]``, ``file:PATH``,
``cups:NAME``, ``none``. Each maps to python-escpos's own printer class.

A job counts as printed only when the printer answers a real-time status request
(DLE EOT n, python-escpos's ``query_status``) sent after the job's last byte: printers
process their input in order, so that answer proves everything before it was taken.
python-escpos's ``is_online``/``paper_status`` read an empty answer (a reset connection)
as "offline"/"plenty of paper"; ``read_status`` here refuses to guess.
"""

from __future__ import annotations

import socket
import time
from contextlib import suppress
from functools import cache
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # python-escpos is imported when printing, not when a face starts
    from escpos.escpos import Escpos


class PrinterSpecError(ValueError):
    """The printer spec cannot be understood."""


class PrinterFault(Exception):
    """Printing failed; ``reason`` is one of the REASONS, ``detail`` is for the log."""

    REASONS = ("unreachable", "offline", "paper_out", "cover_open", "no_answer", "lost",
               "timeout", "error", "none")

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason if reason in self.REASONS else "error"
        self.detail = detail


@dataclass(frozen=True)
class PrinterSpec:
    kind: str  # network, usb, serial, file, cups, none
    target: str = ""
    port: int | None = None  # TCP port or baud rate
    vendor: int | None = None
    product: int | None = None

    @property
    def url(self) -> str:
        if self.kind == "network":
            return f"network:{self.target}:{self.port}"
        if self.kind == "usb":
            return f"usb:{self.vendor:04x}:{self.product:04x}"
        if self.kind == "serial":
            return f"serial:{self.target}:{self.port}"
        return f"{self.kind}:{self.target}" if self.target else self.kind

    @property
    def can_answer(self) -> bool:
        """Whether the connection can read the printer's status (DLE EOT)."""
        return self.kind in ("network", "usb", "serial")


def parse_spec(spec: str) -> PrinterSpec:
    """Parse ``network:10.0.0.5:9100`` and friends; raise PrinterSpecError if malformed."""
    text = (spec or "").strip()
    kind, _, rest = text.partition(":")
    kind = kind.lower()
    with suppress(ValueError):  # a malformed number falls through to the message below
        if kind == "none" and not rest:
            return PrinterSpec("none")
        if kind == "network" and rest:
            host, _, port = rest.rpartition(":") if rest.rsplit(":", 1)[-1].isdigit() else (rest, "", "")
            port_no = int(port) if port else 9100
            if not host or not 0 < port_no < 65536:
                raise ValueError
            return PrinterSpec("network", host.strip("[]"), port=port_no)
        if kind == "usb" and rest:
            vid, pid = rest.split(":")
            return PrinterSpec("usb", vendor=int(vid, 16), product=int(pid, 16))
        if kind == "serial" and rest:
            dev, _, baud = rest.rpartition(":") if rest.rsplit(":", 1)[-1].isdigit() else (rest, "", "")
            return PrinterSpec("serial", dev, port=int(baud) if baud else 9600)
        if kind in ("file", "cups") and rest:
            return PrinterSpec(kind, rest)
    raise PrinterSpecError(
        f"{spec!r}: expected network:HOST[:PORT], usb:VID:PID, serial:DEVICE[:BAUD],"
        " file:PATH, cups:NAME or none")


def open_printer(spec: PrinterSpec, *, timeout: float, profile: str | None = None) -> Escpos:
    """A python-escpos printer for the spec, not yet connected."""
    from escpos import printer as p  # imported here: usb/serial back-ends load lazily

    if spec.kind == "network":
        return p.Network(spec.target, port=spec.port or 9100, timeout=timeout, profile=profile)
    if spec.kind == "usb":
        return p.Usb(spec.vendor, spec.product, timeout=int(timeout * 1000), profile=profile)
    if spec.kind == "serial":
        return p.Serial(spec.target, baudrate=spec.port or 9600, timeout=timeout, profile=profile)
    if spec.kind == "file":
        return _appending_file(p.File)(spec.target, profile=profile)
    if spec.kind == "cups":
        return p.CupsPrinter(spec.target, profile=profile)
    raise PrinterFault("none", "no printer configured")


@cache
def _appending_file(file_class: type) -> type:
    """python-escpos's ``File`` opens with "wb": a plain file would keep only the last job.
    Opened for appending it keeps every one; a device node (/dev/usb/lp0) is unaffected."""
    from escpos.exceptions import DeviceNotFoundError

    class AppendingFile(file_class):  # type: ignore[misc, valid-type]
        def open(self, raise_not_found: bool = True) -> None:
            if self._device:
                self.close()
            try:
                self.device = open(self.devfile, "ab")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                self.device = None
                if raise_not_found:
                    raise DeviceNotFoundError(f"Could not open the specified file {self.devfile}:\n{exc}") from exc

    return AppendingFile



# What a printer says about itself (DLE EOT 1, 2 and 4; Epson's bits, which the
# "ESC/POS compatible" printers copy).
READY, PAPER_LOW, PAPER_OUT, COVER_OPEN, OFFLINE = "ready", "paper_low", "paper_out", "cover_open", "offline"
UNCONFIRMED, UNREACHABLE, NO_PRINTER = "unconfirmed", "unreachable", "none"
_RT_STATUS_CAUSE = b"\x10\x04\x02"  # offline cause: bit 2 = cover open
_COVER_OPEN_BIT = 0x04


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    paper: int  # 2 plenty, 1 near its end, 0 out (python-escpos's paper_status values)
    cover_open: bool = False

    @property
    def state(self) -> str:
        if self.cover_open:
            return COVER_OPEN
        if self.paper == 0:
            return PAPER_OUT
        if not self.online:
            return OFFLINE
        return PAPER_LOW if self.paper == 1 else READY

    def fault(self) -> PrinterFault | None:
        """The fault that stops a job, None when the printer can print (paper low can)."""
        state = self.state
        return None if state in (READY, PAPER_LOW) else PrinterFault(state)


class _Budget:
    """One time budget for a whole job: every step gets what is left, not a fresh timeout."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0.005:
            raise PrinterFault("timeout", "time budget used up")
        return remaining

    def apply(self, printer: Escpos, spec: PrinterSpec) -> None:
        """Give the open connection what is left of the budget."""
        left = self.left()
        device = getattr(printer, "device", None)
        if spec.kind == "network" and device is not None:
            device.settimeout(left)
        elif spec.kind == "usb":
            printer.timeout = max(1, int(left * 1000))  # type: ignore[attr-defined]
        elif spec.kind == "serial" and device is not None:
            device.timeout = left
            device.write_timeout = left


def _answer(printer: Escpos, query: bytes) -> int:
    """The status byte the printer answers to ``query``; a closed or silent line is a fault."""
    from escpos import exceptions as escpos_errors

    try:
        answer = printer.query_status(query)
    except (socket.timeout, TimeoutError) as exc:
        raise PrinterFault("no_answer", str(exc)) from exc
    except (ConnectionError, BrokenPipeError) as exc:
        raise PrinterFault("lost", str(exc)) from exc
    except (escpos_errors.Error, OSError) as exc:
        raise PrinterFault("no_answer", str(exc)) from exc
    if not answer:  # the printer closed the connection: python-escpos would say "offline"
        raise PrinterFault("lost", "connection closed without an answer")
    return answer[-1]


def read_status(printer: Escpos, budget: _Budget | None = None, spec: PrinterSpec | None = None) -> PrinterStatus:
    """Online, paper and cover of an open printer, through python-escpos's ``query_status``."""
    from escpos.constants import RT_MASK_LOWPAPER, RT_MASK_NOPAPER, RT_MASK_ONLINE, RT_STATUS_ONLINE, RT_STATUS_PAPER

    def ask(query: bytes) -> int:
        if budget is not None and spec is not None:
            budget.apply(printer, spec)
        return _answer(printer, query)

    online = not ask(RT_STATUS_ONLINE) & RT_MASK_ONLINE
    cover = bool(ask(_RT_STATUS_CAUSE) & _COVER_OPEN_BIT) if not online else False
    paper_bits = ask(RT_STATUS_PAPER)
    if paper_bits & RT_MASK_NOPAPER == RT_MASK_NOPAPER:
        paper = 0
    elif paper_bits & RT_MASK_LOWPAPER == RT_MASK_LOWPAPER:
        paper = 1
    else:
        paper = 2
    return PrinterStatus(online=online, paper=paper, cover_open=cover)


def _open(spec: PrinterSpec, timeout: float, profile: str | None) -> tuple[Escpos, _Budget]:
    """The printer connected, and the budget left for the job. python-escpos's import and
    profile (~0.5 s the first time, more on a busy PC) come before the clock starts: the
    budget is the printer's time."""
    from escpos import exceptions as escpos_errors

    printer = open_printer(spec, timeout=timeout, profile=profile)
    budget = _Budget(timeout)
    if spec.kind == "usb":
        printer.timeout = max(1, int(budget.left() * 1000))  # type: ignore[attr-defined]
    elif spec.kind in ("network", "serial"):
        printer.timeout = budget.left()  # type: ignore[attr-defined]
    try:
        printer.open()
    except (escpos_errors.Error, OSError) as exc:
        raise PrinterFault("unreachable", str(exc)) from exc
    return printer, budget


def probe(spec: PrinterSpec, *, timeout: float = 3.0, profile: str | None = None,
          status_check: bool = True) -> str:
    """The printer's state now: ready, paper_low, paper_out, cover_open, offline, or
    unconfirmed (a connection that cannot answer), unreachable, none. Sends no paper."""
    if spec.kind == "none":
        return NO_PRINTER
    if not (status_check and spec.can_answer):
        return UNCONFIRMED
    try:
        printer, budget = _open(spec, timeout, profile)
    except PrinterFault:
        return UNREACHABLE
    try:
        return read_status(printer, budget, spec).state
    except PrinterFault as exc:
        return UNREACHABLE if exc.reason in ("lost", "unreachable") else "no_answer"
    finally:
        with suppress(Exception):
            printer.close()


def send(spec: PrinterSpec, payload: bytes, *, timeout: float = 3.0,
         status_check: bool = True, profile: str | None = None) -> bool:
    """Deliver ``payload`` and return True when the printer confirmed it, False when the
    connection cannot answer (sent, not confirmed).

    Where it can answer, the printer is asked first (nothing is sent blind into a printer
    out of paper) and again after the job's last byte: that answer, with no paper-out or
    open cover, is the proof. A reset, a short write, a time-out or a fault after the job
    raises PrinterFault; the whole job is then to be sent again. The whole call, from
    connecting to the last answer, takes at most about ``timeout`` seconds.
    """
    from escpos import exceptions as escpos_errors

    confirm = status_check and spec.can_answer
    printer, budget = _open(spec, timeout, profile)
    closed = False
    try:
        if confirm:
            fault = read_status(printer, budget, spec).fault()
            if fault is not None:
                raise fault
        try:
            budget.apply(printer, spec)
            printer._raw(payload)  # python-escpos's own connection; the bytes came from it too
        except (socket.timeout, TimeoutError) as exc:
            raise PrinterFault("timeout", str(exc)) from exc
        except (ConnectionError, BrokenPipeError) as exc:
            raise PrinterFault("lost", str(exc)) from exc
        except (escpos_errors.Error, OSError) as exc:
            raise PrinterFault("error", str(exc)) from exc
        if confirm:
            after = read_status(printer, budget, spec)  # answered after the last byte: taken
            fault = after.fault()
            if fault is not None:  # paper ran out or the cover opened during the job
                raise PrinterFault(fault.reason, "reported after the job")
        try:
            printer.close()  # CUPS submits the job on close; files flush
            closed = True
        except (escpos_errors.Error, OSError) as exc:
            raise PrinterFault("error", str(exc)) from exc
        return confirm
    finally:
        if not closed:
            with suppress(Exception):  # closing a broken device must not hide the real fault
                printer.close()

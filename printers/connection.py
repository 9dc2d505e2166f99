"""Printer connections from a URL-like spec, and sending bytes with short timeouts.

``network:HOST[:PORT]``, ``usb:VID:PID``, ``serial:DEVICE[:BAUD]``, ``file:PATH``,
``cups:NAME``, ``none``. Each maps to python-escpos's own printer class.
"""

from __future__ import annotations

import socket
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

    REASONS = ("unreachable", "offline", "paper_out", "no_answer", "timeout", "error", "none")

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


def send(spec: PrinterSpec, payload: bytes, *, timeout: float = 3.0,
         status_check: bool = True, profile: str | None = None) -> None:
    """Deliver ``payload`` to the printer, asking first whether it is online and has paper.

    Raises PrinterFault with a reason; never blocks longer than about ``timeout`` per step.
    """
    from escpos import exceptions as escpos_errors

    printer = open_printer(spec, timeout=timeout, profile=profile)
    closed = False
    try:
        try:
            printer.open()
        except (escpos_errors.Error, OSError) as exc:
            raise PrinterFault("unreachable", str(exc)) from exc
        if status_check and spec.can_answer:
            try:
                if not printer.is_online():
                    raise PrinterFault("offline")
                if printer.paper_status() == 0:
                    raise PrinterFault("paper_out")
            except (socket.timeout, TimeoutError) as exc:
                raise PrinterFault("no_answer", str(exc)) from exc
            except (escpos_errors.Error, OSError) as exc:
                raise PrinterFault("no_answer", str(exc)) from exc
        try:
            printer._raw(payload)  # python-escpos's own connection; the bytes came from it too
            printer.close()  # CUPS submits the job on close; files flush
            closed = True
        except (socket.timeout, TimeoutError) as exc:
            raise PrinterFault("timeout", str(exc)) from exc
        except (escpos_errors.Error, OSError) as exc:
            raise PrinterFault("error", str(exc)) from exc
    finally:
        if not closed:
            with suppress(Exception):  # closing a broken device must not hide the real fault
                printer.close()

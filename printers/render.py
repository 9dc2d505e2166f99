"""Turn a ``Document`` into plain text (preview, tests) or ESC/POS bytes (python-escpos)."""

from __future__ import annotations

import textwrap

from printers.document import Cut, Document, Feed, Pair, Qr, Rule, Text, columns_for
from printers.text import neutralise

# python-escpos profiles: a common Epson 80 mm and the ubiquitous 58 mm "POS-5890".
DEFAULT_PROFILES = {80: "TM-T20II", 58: "POS-5890"}


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=max(4, width)) or [""]


def _place(line: str, width: int, align: str) -> str:
    if align == "center":
        return line.center(width).rstrip()
    if align == "right":
        return line.rjust(width)
    return line


def pair_lines(left: str, right: str, width: int) -> list[str]:
    """The left text wrapped, the right text flush right on the last line."""
    room = max(4, width - len(right) - 1)
    lines = _wrap(left, room)
    last = lines[-1]
    lines[-1] = last + " " * (width - len(last) - len(right)) + right
    return lines


def printable(doc: Document) -> Document:
    """The document with its texts neutralised (``printers.text``): a control character
    in a name, a note or an address (ESC, GS, FS, DLE start ESC/POS commands: cut, open
    the drawer, change code page) prints as ``?`` and commands nothing. Whatever the store
    let through, both renderers go through here; the commands are the renderer's own."""
    elements = []
    for el in doc.elements:
        if isinstance(el, Text):
            el = el.model_copy(update={"text": neutralise(el.text)})
        elif isinstance(el, Pair):
            el = el.model_copy(update={"left": neutralise(el.left), "right": neutralise(el.right)})
        elif isinstance(el, Qr):  # a native QR's data goes to the printer as bytes too
            el = el.model_copy(update={"data": neutralise(el.data)})
        elements.append(el)
    return doc.model_copy(update={"elements": elements})


def render_text(doc: Document, *, paper_mm: int = 80) -> str:
    """A plain-text picture of the paper; large text is spaced out, QR shown as a tag."""
    doc = printable(doc)
    width = columns_for(paper_mm)
    out: list[str] = []
    for el in doc.elements:
        if isinstance(el, Text):
            if el.size > 1:
                spaced = " ".join(el.text)
                for line in _wrap(spaced, width):
                    out.append(_place(line, width, el.align))
            else:
                for line in _wrap(el.text, width):
                    out.append(_place(line, width, el.align))
        elif isinstance(el, Pair):
            out.extend(pair_lines(el.left, el.right, width))
        elif isinstance(el, Qr):
            out.extend(_place(line, width, "center") for line in _wrap(f"[QR {el.data}]", width))
        elif isinstance(el, Rule):
            out.append("-" * width)
        elif isinstance(el, Feed):
            out.extend([""] * el.lines)
        elif isinstance(el, Cut):
            out.append(("- " * width)[: width - 9] + " [potong]")
    return "\n".join(out) + "\n"


def render_escpos(doc: Document, *, paper_mm: int = 80, profile: str | None = None,
                  qr_native: bool = False) -> bytes:
    """ESC/POS bytes for the document, built by python-escpos on its Dummy printer."""
    # Imported here: python-escpos parses its printer capabilities on import (~0.2 s),
    # which a face should not pay before its first paint.
    from escpos.printer import Dummy

    doc = printable(doc)
    printer = Dummy(profile=profile or DEFAULT_PROFILES[paper_mm])
    width = columns_for(paper_mm)
    printer.hw("INIT")
    for el in doc.elements:
        if isinstance(el, Text):
            if el.size > 1:
                printer.set(align=el.align, bold=el.bold, custom_size=True,
                            width=el.size, height=el.size)
            else:
                printer.set(align=el.align, bold=el.bold, normal_textsize=True)
            for line in _wrap(el.text, width // el.size):
                printer.textln(line)
        elif isinstance(el, Pair):
            printer.set(align="left", normal_textsize=True, bold=el.bold)
            for line in pair_lines(el.left, el.right, width):
                printer.textln(line)
        elif isinstance(el, Qr):
            printer.set(align="center", normal_textsize=True, bold=False)
            if qr_native:
                printer.qr(el.data, size=el.size, native=True)
            else:
                printer.qr(el.data, size=el.size, native=False, center=True)
        elif isinstance(el, Rule):
            printer.set(align="left", normal_textsize=True, bold=False)
            printer.textln("-" * width)
        elif isinstance(el, Feed):
            printer.ln(el.lines)
        elif isinstance(el, Cut):
            printer.cut()
    printer.set(align="left", normal_textsize=True, bold=False)
    return printer.output

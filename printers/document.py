"""The device-independent document: lines, emphasis, large text, QR, rule, cut.

A layout builds one from a domain object; ``render_text`` and ``render_escpos`` turn it
into a preview or printer bytes. Documents are JSON so the spooler can keep them.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

Align = Literal["left", "center", "right"]


class _Element(BaseModel):
    # Built when a document is first made, not when a face imports the printing code.
    model_config = ConfigDict(defer_build=True)


class Text(_Element):
    kind: Literal["text"] = "text"
    text: str
    align: Align = "left"
    bold: bool = False
    size: int = Field(1, ge=1, le=4)  # character magnification, width and height


class Pair(_Element):
    """A line with text on the left and, flush right, e.g. an amount."""

    kind: Literal["pair"] = "pair"
    left: str
    right: str
    bold: bool = False


class Qr(_Element):
    kind: Literal["qr"] = "qr"
    data: str = Field(min_length=1)
    size: int = Field(6, ge=1, le=16)  # module size in dots


class Rule(_Element):
    kind: Literal["rule"] = "rule"


class Feed(_Element):
    kind: Literal["feed"] = "feed"
    lines: int = Field(1, ge=1, le=10)


class Cut(_Element):
    kind: Literal["cut"] = "cut"


Element = Annotated[Union[Text, Pair, Qr, Rule, Feed, Cut], Field(discriminator="kind")]


class Document(_Element):
    title: str
    elements: list[Element] = Field(default_factory=list)

    # Small builders keep layouts readable.
    def text(self, text: str, *, align: Align = "left", bold: bool = False, size: int = 1) -> Document:
        self.elements.append(Text(text=text, align=align, bold=bold, size=size))
        return self

    def pair(self, left: str, right: str, *, bold: bool = False) -> Document:
        self.elements.append(Pair(left=left, right=right, bold=bold))
        return self

    def qr(self, data: str, *, size: int = 6) -> Document:
        self.elements.append(Qr(data=data, size=size))
        return self

    def rule(self) -> Document:
        self.elements.append(Rule())
        return self

    def feed(self, lines: int = 1) -> Document:
        self.elements.append(Feed(lines=lines))
        return self

    def cut(self) -> Document:
        self.elements.append(Cut())
        return self


def columns_for(paper_mm: int) -> int:
    """Characters per line in font A: 48 on 80 mm paper, 32 on 58 mm."""
    return 48 if paper_mm >= 80 else 32

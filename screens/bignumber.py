"""A ticket number drawn as large as its box allows, for reading across a waiting room.

Textual's ``Digits`` is always three rows tall: on a TV showing the board in a browser the
number was about 50 px on a 1080 px screen. ``BigNumber`` draws the text with a scalable
font (Pillow's own, no font file needed) into a bitmap one pixel per cell wide and two per
cell tall, and shows it with half-block characters (▀ ▄ █), so the number grows with its
panel. Below ``BIG_ROWS`` rows it is Textual's ``Digits``.
"""

from __future__ import annotations

from functools import lru_cache

from rich.console import RenderResult
from rich.text import Text
from textual.geometry import Size
from textual.widgets import Digits

MIN_ROWS = 3  # fewer rows than this cannot draw a glyph at all
BIG_ROWS = 5  # from this many rows the drawing beats Digits' three rows
_BLOCKS = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


@lru_cache(maxsize=64)
def draw(text: str, width: int, height: int) -> tuple[str, ...]:
    """``text`` as the largest block drawing that fits ``width`` x ``height`` cells, centred;
    empty when it cannot be drawn that large (too few rows or too narrow)."""
    if not text or height < MIN_ROWS or width < len(text) * 3:
        return ()
    from PIL import Image, ImageDraw, ImageFont

    px_w, px_h = width, height * 2

    def measure(size: int):  # noqa: ANN202 - (font, stroke, gap, ink width, top, bottom) or None
        font = ImageFont.load_default(size=size)
        stroke = max(1, size // 16)
        gap = max(1, size // 16)  # letters apart, however bold: "B-001" never runs together
        boxes = [font.getbbox(ch, stroke_width=stroke) for ch in text]
        ink = sum(b[2] - b[0] for b in boxes) + gap * (len(text) - 1)
        top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
        if ink <= px_w and bottom - top <= px_h:
            return font, stroke, gap, ink, top, bottom
        return None

    low, high, best = 4, px_h * 2, None
    while low <= high:  # the largest font size that fits
        mid = (low + high) // 2
        found = measure(mid)
        if found:
            best, low = found, mid + 1
        else:
            high = mid - 1
    if best is None:
        return ()
    font, stroke, gap, ink, top, bottom = best
    image = Image.new("1", (px_w, px_h), 0)
    pen = ImageDraw.Draw(image)
    x = (px_w - ink) // 2
    y = (px_h - (bottom - top)) // 2 - top
    for ch in text:
        box = font.getbbox(ch, stroke_width=stroke)
        pen.text((x - box[0], y), ch, font=font, fill=1, stroke_width=stroke, stroke_fill=1)
        x += box[2] - box[0] + gap
    pixels = image.load()
    return tuple(
        # Every row as wide as the box: centred line by line, rows of different lengths
        # would shift against each other.
        "".join(_BLOCKS[bool(pixels[x, 2 * row]), bool(pixels[x, 2 * row + 1])] for x in range(px_w))
        for row in range(height))


class BigNumber(Digits):
    """A ``Digits`` that fills its box: drawn large once it has ``BIG_ROWS`` rows or more,
    as ``Digits`` (three rows) below that. ``value`` and ``update`` are Digits' own."""

    DEFAULT_CSS = """
    BigNumber { width: 1fr; height: 1fr; text-style: bold; }
    """

    def render(self) -> RenderResult:
        width, height = self.content_size
        # "---" (nothing called yet) stays Digits' small dashes, not a bar across the room.
        drawable = height >= BIG_ROWS and any(ch.isalnum() for ch in self.value)
        lines = draw(self.value, width, height) if drawable else ()
        if not lines:
            return super().render()
        return Text("\n".join(lines), style=self.rich_style, no_wrap=True, overflow="crop")

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

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


GLYPHS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"  # what a ticket number is made of


def _stroke(size: int) -> int:
    return max(1, size // 16)


def _margin(size: int) -> int:
    return _stroke(size) + 2


def _format() -> str:
    """What the kept glyphs were drawn with besides Pillow: the characters, the stroke and
    margin rules (at two sizes); a change to any makes the kept file stale."""
    return f"{GLYPHS}|{[(_stroke(s), _margin(s)) for s in (16, 64)]}"


def _gap(size: int) -> int:
    return max(1, size // 16)  # letters apart, however bold: "B-001" never runs together


class _GlyphStore:
    """Pillow's default font's ticket-number glyphs, measured and drawn once per size and
    kept in the user's cache directory (issue 17): a board started again draws its numbers
    without loading Pillow (~25 ms of its first paint), from the same pixels Pillow drew.
    Keyed by Pillow's version; any trouble with the file just means drawing with Pillow."""

    def __init__(self) -> None:
        self._sizes: dict[int, dict[str, tuple[tuple[int, int, int, int], tuple[int, ...]]]] | None = None
        self._changed = False

    def _path(self):  # noqa: ANN202
        from pathlib import Path

        import platformdirs

        return Path(platformdirs.user_cache_dir("pst-kiosk")) / "bignumber-glyphs.json"

    def _load(self) -> dict[int, dict[str, tuple[tuple[int, int, int, int], tuple[int, ...]]]]:
        if self._sizes is None:
            import json
            from contextlib import suppress

            from kiosk import cachefile

            self._sizes = {}
            with suppress(ValueError, TypeError, LookupError, AttributeError):
                kept = json.loads(cachefile.read(self._path()) or b"null")
                if kept["pillow"] == _pillow_version() and kept.get("format") == _format():
                    sizes = {int(size): {ch: (tuple(g[0]), tuple(g[1])) for ch, g in glyphs.items()}
                             for size, glyphs in kept["sizes"].items()}
                    # Whole and well formed, or drawn again: a file that lost a glyph, or holds
                    # other than whole numbers, must not stop the board.
                    if all(set(GLYPHS) <= set(glyphs) and all(
                            len(box) == 4 and all(type(v) is int for v in (*box, *rows))
                            for box, rows in glyphs.values()) for glyphs in sizes.values()):
                        self._sizes = sizes
        return self._sizes

    def size(self, size: int) -> dict[str, tuple[tuple[int, int, int, int], tuple[int, ...]]]:
        """Each glyph's ink box (as ``font.getbbox``) and its rows of ink as bit masks."""
        sizes = self._load()
        if size not in sizes:
            from PIL import Image, ImageDraw, ImageFont

            font = ImageFont.load_default(size=size)
            stroke = _stroke(size)
            glyphs = {}
            margin = _margin(size)  # the ink may reach past the box Pillow measures
            for ch in GLYPHS:
                box = font.getbbox(ch, stroke_width=stroke)
                width, height = box[2] - box[0] + 2 * margin, box[3] - box[1] + 2 * margin
                image = Image.new("1", (width, height), 0)
                ImageDraw.Draw(image).text((margin - box[0], margin - box[1]), ch, font=font, fill=1,
                                           stroke_width=stroke, stroke_fill=1)
                pixels = image.load()
                rows = tuple(sum(1 << x for x in range(width) if pixels[x, y]) for y in range(height))
                glyphs[ch] = (tuple(box), rows)
            sizes[size] = glyphs
            self._changed = True
        return sizes[size]

    def keep(self) -> None:
        """Write what was drawn anew (atomically: another board never reads half a file)."""
        if not self._changed or self._sizes is None:
            return
        import json
        import os
        from contextlib import suppress

        self._changed = False
        with suppress(OSError):
            path = self._path()
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            partial.write_text(json.dumps({"pillow": _pillow_version(), "format": _format(), "sizes": {
                str(size): {ch: [list(g[0]), list(g[1])] for ch, g in glyphs.items()}
                for size, glyphs in self._sizes.items()}}))
            os.replace(partial, path)


def _pillow_version() -> str:
    """Pillow's version file, read without importing Pillow."""
    import re
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("PIL")
    if spec is None or spec.origin is None:
        return ""
    text = (Path(spec.origin).parent / "_version.py").read_text(encoding="utf-8")
    found = re.search(r"""__version__\s*=\s*["']([^"']+)""", text)
    return found[1] if found else text


_store = _GlyphStore()


@lru_cache(maxsize=64)
def draw(text: str, width: int, height: int) -> tuple[str, ...]:
    """``text`` as the largest block drawing that fits ``width`` x ``height`` cells, centred;
    empty when it cannot be drawn that large (too few rows or too narrow)."""
    if not text or height < MIN_ROWS or width < len(text) * 3:
        return ()
    if set(text) <= set(GLYPHS):
        lines = _draw_glyphs(text, width, height)
        _store.keep()
        return lines
    return _draw_pillow(text, width, height)


def _largest_fitting(measure, px_h: int):  # noqa: ANN001, ANN202 - measure(size) -> fit or None
    """What ``measure`` gives for the largest font size (4 to twice the pixel height) that
    fits, or None: sizes fit up to some size and no further, so a binary search."""
    low, high, best = 4, px_h * 2, None
    while low <= high:
        mid = (low + high) // 2
        found = measure(mid)
        if found:
            best, low = found, mid + 1
        else:
            high = mid - 1
    return best


def _draw_glyphs(text: str, width: int, height: int) -> tuple[str, ...]:
    """As ``_draw_pillow``, from the glyph store: the same search for the largest size, the
    same glyphs at the same places (each glyph is drawn on its own there too)."""
    px_w, px_h = width, height * 2

    def measure(size: int):  # noqa: ANN202 - (size, glyphs, gap, ink width, top, bottom) or None
        glyphs = _store.size(size)
        boxes = [glyphs[ch][0] for ch in text]
        gap = _gap(size)
        ink = sum(b[2] - b[0] for b in boxes) + gap * (len(text) - 1)
        top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
        if ink <= px_w and bottom - top <= px_h:
            return size, glyphs, gap, ink, top, bottom
        return None

    best = _largest_fitting(measure, px_h)
    if best is None:
        return ()
    size, glyphs, gap, ink, top, bottom = best
    canvas = [0] * px_h  # a row of pixels as a bit mask
    x = (px_w - ink) // 2
    y = (px_h - (bottom - top)) // 2 - top
    margin = _margin(size)
    for ch in text:
        box, rows = glyphs[ch]
        left = x - margin
        for row, bits in enumerate(rows):
            at = y + box[1] - margin + row
            if 0 <= at < px_h:
                canvas[at] |= (bits << left) if left >= 0 else (bits >> -left)
        x += box[2] - box[0] + gap
    return tuple(
        "".join(_BLOCKS[bool(canvas[2 * row] >> column & 1), bool(canvas[2 * row + 1] >> column & 1)]
                for column in range(px_w))
        for row in range(height))


def _draw_pillow(text: str, width: int, height: int) -> tuple[str, ...]:
    """The drawing made by Pillow itself (any text; the glyph store's reference)."""
    from PIL import Image, ImageDraw, ImageFont

    px_w, px_h = width, height * 2

    def measure(size: int):  # noqa: ANN202 - (font, stroke, gap, ink width, top, bottom) or None
        font = ImageFont.load_default(size=size)
        stroke = _stroke(size)
        gap = _gap(size)
        boxes = [font.getbbox(ch, stroke_width=stroke) for ch in text]
        ink = sum(b[2] - b[0] for b in boxes) + gap * (len(text) - 1)
        top, bottom = min(b[1] for b in boxes), max(b[3] for b in boxes)
        if ink <= px_w and bottom - top <= px_h:
            return font, stroke, gap, ink, top, bottom
        return None

    best = _largest_fitting(measure, px_h)
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

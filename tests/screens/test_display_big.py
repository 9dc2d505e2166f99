"""The board read from across the room: `pst-kiosk serve display` on a 1920x1080 page (a
waiting-room TV) in headless chromium draws every counter's number at least a sixth of the
screen's height. Measured on the screenshot's pixels, not on the text: big solid shapes
(4x4 pixel blocks wholly bright, which a border line or a text stroke never fills) joined
into components, the components side by side on the same rows taken as one number."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from PIL import Image

from kiosk.store import Store
from kiosk.tickets import queue_for
from tests.screens.test_serve import CHROMIUM, _free_port, _wait_port, needs_browser

WIDTH, HEIGHT = 1920, 1080


def drawn_numbers(path, block: int = 4) -> list[list[int]]:
    """Pixel boxes (x0, y0, x1, y1) of the large solid shapes on the screenshot."""
    img = Image.open(path).convert("L")
    w, h = img.size
    px = img.load()
    gw, gh = w // block, h // block
    filled = [[all(px[gx * block + i, gy * block + j] > 100 for i in range(block) for j in range(block))
               for gx in range(gw)] for gy in range(gh)]
    seen = [[False] * gw for _ in range(gh)]
    boxes = []
    for gy in range(gh):
        for gx in range(gw):
            if not filled[gy][gx] or seen[gy][gx]:
                continue
            stack, box = [(gx, gy)], [gx, gy, gx, gy]
            seen[gy][gx] = True
            while stack:
                x, y = stack.pop()
                box = [min(box[0], x), min(box[1], y), max(box[2], x + 1), max(box[3], y + 1)]
                for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                    if 0 <= nx < gw and 0 <= ny < gh and filled[ny][nx] and not seen[ny][nx]:
                        seen[ny][nx] = True
                        stack.append((nx, ny))
            boxes.append([v * block for v in box])
    numbers: list[list[int]] = []
    for b in sorted(boxes):
        for n in numbers:
            if b[0] - n[2] < 80 and min(b[3], n[3]) - max(b[1], n[1]) > 0:
                n[:] = [min(n[0], b[0]), min(n[1], b[1]), max(n[2], b[2]), max(n[3], b[3])]
                break
        else:
            numbers.append(list(b))
    return [n for n in numbers if n[3] - n[1] >= 40]  # a stray block of a glyph is no number


@needs_browser
def test_a_tv_shows_every_number_a_sixth_of_the_screen_tall(settings, clock, tmp_path):
    from playwright.sync_api import sync_playwright

    with Store(settings.db_path) as store:
        queue = queue_for(store, settings)
        for service in "BCA":
            queue.take(service)
        for counter in (1, 2, 3):
            queue.call_next(counter)
    port = _free_port()
    env = {**os.environ, "PST_KIOSK_CONFIG": str(settings.db_path.parent / "config.toml"),
           "PST_KIOSK_DB": str(settings.db_path)}
    server = subprocess.Popen([sys.executable, "-m", "screens.main", "serve", "display", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    shot = tmp_path / "board.png"
    numbers: list[list[int]] = []
    try:
        _wait_port(port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.goto(f"http://127.0.0.1:{port}/", wait_until="load")
            page.wait_for_selector("#terminal", timeout=30_000)
            deadline = time.time() + 60
            while time.time() < deadline:  # until the board is drawn at the page's size
                page.screenshot(path=str(shot))
                numbers = drawn_numbers(shot)
                if len(numbers) >= 3 and all(n[3] - n[1] >= HEIGHT / 6 for n in numbers):
                    break
                time.sleep(1.0)
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    heights = sorted(n[3] - n[1] for n in numbers)
    assert len(numbers) == 3, (numbers, str(shot))
    assert all(h >= HEIGHT / 6 for h in heights), (heights, str(shot))


def test_a_big_number_draws_rows_of_one_width():
    """Centred line by line, rows of different lengths would shift against each other."""
    from screens.bignumber import draw

    for width, height in ((90, 20), (61, 13), (140, 30)):
        rows = draw("B-002", width, height)
        assert rows and {len(row) for row in rows} == {width}

"""The counter's panel of the called visitor: at 80x24 a trial found the purpose of the visit
cut off below the panel's edge (it came last, after the queue's times and a wrapped
segment and institution). Who came and why now come right after the service and state."""

from __future__ import annotations

import re

import pytest

from screens.counter_app import CounterApp, CounterScreen
from tests.screens.helpers import keys, registered_guest

PURPOSE = "Tujuan: Perencanaan / evaluasi pemerintahan"  # the longest purpose: two lines at 80x24


def panel_words(app) -> str:
    """The words the visitor panel shows on screen, as one line (a wrapped line reads whole)."""
    region = app.screen.query_one("#current").region
    strips = app.screen._compositor.render_strips()
    text = " ".join(strips[y].crop(region.x, region.right).text for y in range(region.y, region.bottom))
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_purpose_of_the_called_visitor_is_on_screen(settings, clock, size):
    registered_guest(settings, clock, "B", purpose="pemerintahan", name="Siti Aminah Nurhaliza",
                     institution="Universitas Andalas Padang")
    clock.advance(minutes=3)
    app = CounterApp(settings, counter=1, clock=clock, spool=False)
    async with app.run_test(size=size) as pilot:
        assert isinstance(app.screen, CounterScreen)
        await keys(pilot, "n", "s")  # called, then served: the panel at its longest
        assert app.screen.current is not None and app.screen.current.status == "serving"
        words = panel_words(app)
        assert "Siti Aminah Nurhaliza" in words and PURPOSE in words, words
        assert "Penjualan Produk Statistik sedang dilayani Dilayani 00:00" in words, words
        if size == (120, 40):  # room for the rest: the ID, the institution and the queue's times
            assert "3273********0001" in words and "Universitas Andalas Padang" in words, words
            assert "Diambil pukul 09:00 Menunggu 03:00" in words, words

"""A face used all day keeps the same widgets alive: screens opened and closed over and
over leave nothing behind (issue 14, flat memory over a working day). Counted, not timed:
the widgets still in memory after a few rounds and after many more are the same."""

from __future__ import annotations

import gc
from collections import Counter

from textual._styles_cache import StylesCache
from textual.widget import Widget

from screens.counter_app import CounterApp, CounterScreen
from screens.dashboard import DashboardScreen
from screens.lockers import LockerScreen


def widgets_alive() -> Counter[str]:
    """Every widget object still in memory, by class (on screen or not), and the
    StylesCache objects that hold the lines drawn for widgets."""
    gc.collect()
    return Counter(type(o).__name__ for o in gc.get_objects() if isinstance(o, (Widget, StylesCache)))


async def test_the_counter_keeps_no_widgets_from_the_screens_it_closed(settings, clock):
    """The summary (three charts, a header, a footer) and the lockers opened and closed
    again and again: every Header kept a watch on the app's title, every chart a
    subscription to the theme signal, every footer key of the counter's footer a watch on
    that footer, so each round kept its widgets for the rest of the day; and Textual's
    lru_cache on ``StylesCache.get_inner_outer`` kept the lines drawn for 1024 of them."""
    app = CounterApp(settings, counter=1, clock=clock, spool=False)

    async def rounds(count: int) -> None:
        for _ in range(count):
            await pilot.press("d")
            await pilot.pause()
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("k")
            await pilot.pause()
            assert isinstance(app.screen, LockerScreen)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, CounterScreen)

    async def settled() -> Counter[str]:
        """The count once the last closed screen has finished closing (Textual removes a
        popped screen's widgets in the background): the same twice in a row."""
        last = widgets_alive()
        for _ in range(20):
            await pilot.pause()
            now = widgets_alive()
            if now == last:
                break
            last = now
        return last

    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        await rounds(2)  # what the first rounds leave for good (the last round's, if any)
        before = await settled()
        await rounds(5)
        after = await settled()
        assert after == before, {k: (before[k], after[k]) for k in before | after if before[k] != after[k]}
        assert after["Chart"] == 0  # the summary's charts went with it

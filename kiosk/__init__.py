"""PST Kiosk core: domain models, use cases, store, configuration and command line.

Nothing here imports Textual; the faces in ``screens`` call these use cases.
"""

import gc as _gc
import os as _os
import sys as _sys
import types as _types


def _skip_pydantic_plugin_scan() -> None:
    """pydantic looks for plugins when it builds its first model: it imports
    ``importlib.metadata`` and reads the entry points of every installed distribution,
    ~15-20 ms of every command's and face's start. PST Kiosk uses no pydantic plugin, so
    the loader is replaced by one that finds none (as ``PYDANTIC_DISABLE_PLUGINS=__all__``
    would, without the import). Someone who sets that variable themselves keeps pydantic's."""
    if "pydantic.plugin._loader" in _sys.modules or _os.environ.get("PYDANTIC_DISABLE_PLUGINS"):
        return
    loader = _types.ModuleType("pydantic.plugin._loader", "no pydantic plugins (kiosk/__init__.py)")
    loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
    _sys.modules["pydantic.plugin._loader"] = loader


_skip_pydantic_plugin_scan()


# Start-up makes ~100k objects that live as long as the process (modules, classes, models,
# CSS rules, widgets). With CPython's thresholds the collector runs some 150 times while
# they are made, scanning the survivors again and again: ~40 ms of a face's start. Until
# start-up is over it waits for many more new objects between passes; it still runs, so a
# process that never settles (a command) keeps collecting, only less often.
STARTUP_GC_THRESHOLD = (50_000, 20, 100)
_USUAL_GC_THRESHOLD = _gc.get_threshold()
_held = False  # hold_startup_objects has frozen the start-up's objects


def hold_startup_objects() -> None:
    """A face has imported what it runs on (modules, classes, settings): those objects live
    as long as the process, so the collector's passes until the first paint skip them
    (``gc.freeze``) instead of scanning them again at each pass (~17 M instructions of a
    face's start). ``settle_gc`` gives them back to the collector. Once per process: a
    second app in the same process (tests) holds nothing more."""
    global _held
    if not _held and _gc.get_threshold() == STARTUP_GC_THRESHOLD:  # start-up, no one else's tuning
        _held = True
        _gc.freeze()


def settle_gc() -> None:
    """Start-up is over (a face has painted its first screen): the collector's usual
    thresholds are back, and the objects held since start-up are collected as any others."""
    if _gc.get_threshold() == STARTUP_GC_THRESHOLD:  # not someone else's tuning since
        _gc.set_threshold(*_USUAL_GC_THRESHOLD)
        _gc.unfreeze()


if _USUAL_GC_THRESHOLD == (700, 10, 10):  # CPython's own: not a threshold someone chose
    _gc.set_threshold(*STARTUP_GC_THRESHOLD)

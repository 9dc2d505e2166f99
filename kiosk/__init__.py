"""PST Kiosk core: domain models, use cases, store, configuration and command line.

Nothing here imports Textual; the faces in ``screens`` call these use cases.
"""

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

"""Reference data shipped with PST Kiosk: services, UI strings (id, en) and later tariffs.

Files here are data, never code; `path(name)` gives the shipped file's location.
"""

from pathlib import Path

_HERE = Path(__file__).resolve().parent


def path(name: str) -> Path:
    """Location of a shipped data file, e.g. ``path("services.toml")``."""
    return _HERE / name

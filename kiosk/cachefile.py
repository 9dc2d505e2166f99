"""What the faces keep in the user's cache directory (the string catalogue, validated
settings, Textual's parsed CSS, the display's glyphs) is read through ``read``: only a
regular file of this user's that nobody else may write, opened without blocking. A FIFO
or a device at a cache path would otherwise hang a face's start for ever; another user's
file must never be unpickled. Anything else is a miss: the face does the work itself."""

from __future__ import annotations

import os
import stat
from pathlib import Path

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def read(path: str | os.PathLike[str]) -> bytes | None:
    """The file's bytes, or None (missing, not a regular file, not this user's, writable by
    others, unreadable)."""
    try:
        fd = os.open(Path(path), _FLAGS)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    except OSError:
        return None
    finally:
        os.close(fd)

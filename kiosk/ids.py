"""Time-ordered unique ids (UUIDv7, RFC 9562) for every record, as strings.

Made here rather than by the ``uuid6`` package, whose import reads its own version through
``importlib.metadata`` (~20 ms of every command's start). The same scheme as uuid6's
``uuid7()``: a 48-bit Unix time in milliseconds, 74 random bits; within one process each id
takes a later millisecond than the one before, so ids sort in the order they were made.
"""

from __future__ import annotations

import secrets
import time
import uuid

_last_ms: int | None = None


def uuid7() -> uuid.UUID:
    global _last_ms
    ms = time.time_ns() // 1_000_000
    if _last_ms is not None and ms <= _last_ms:
        ms = _last_ms + 1
    _last_ms = ms
    value = ((ms & 0xFFFF_FFFF_FFFF) << 80) | secrets.randbits(76)
    # version 7 in bits 48-51, variant 0b10 in bits 62-63 (uuid.UUID's ``version=`` takes 1-5)
    value = (value & ~(0xF << 76)) | (0x7 << 76)
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return uuid.UUID(int=value)


def new_id() -> str:
    return str(uuid7())

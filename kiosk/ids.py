"""Time-ordered unique ids (UUIDv7) for every record, as strings."""

from uuid6 import uuid7


def new_id() -> str:
    return str(uuid7())

"""Records as plain dataclasses that pydantic validates and dumps on demand (issue 17).

A face reads tickets, services and the outbox's state before its first paint; as pydantic
models they made every face import pydantic (~300 M instructions, a third of a minimal
Textual app's start). These records are stdlib dataclasses with the few model methods
the code uses; ``model_validate``, ``model_dump`` and ``model_dump_json`` go through a
pydantic ``TypeAdapter`` of the same class (the same checks, coercion, errors and JSON as
the model had), loaded the first time one is called. ``model_copy`` is
``dataclasses.replace`` (pydantic's did not validate either).
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any


@cache
def adapter(cls: type) -> Any:
    """pydantic's validator and serializer of a dataclass (built once per class)."""
    from pydantic import TypeAdapter

    return TypeAdapter(cls)


class Record:
    """Mixin for a ``@dataclass``: the pydantic model methods the code uses."""

    @classmethod
    def model_validate(cls, data: Any) -> Any:
        return adapter(cls).validate_python(data)

    def model_dump(self, *, mode: str = "python", exclude: set[str] | None = None,
                   exclude_none: bool = False) -> dict[str, Any]:
        return adapter(type(self)).dump_python(self, mode=mode, exclude=exclude, exclude_none=exclude_none)

    def model_dump_json(self, **kwargs: Any) -> str:
        return adapter(type(self)).dump_json(self, **kwargs).decode()

    def model_copy(self, *, update: dict[str, Any] | None = None) -> Any:
        return dataclasses.replace(self, **(update or {}))

"""Domain errors: each carries a message key from the catalogue and an exit status.

Faces show ``error.message(lang)``; the CLI prints it and exits with ``error.exit_code``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from kiosk.i18n import t


class DomainError(Exception):
    """A refusal the user can understand and act on."""

    exit_code: ClassVar[int] = 1

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def message(self, lang: str = "id") -> str:
        """The text in ``lang``; a parameter named ``x_key`` is itself translated as ``x``."""
        return t(self.key, lang, **translated(self.params, lang))

    def __str__(self) -> str:  # logs and tracebacks in development show the Indonesian text
        return self.message("id")


def translated(params: dict[str, Any], lang: str) -> dict[str, Any]:
    """Message parameters in ``lang``: one named ``x_key`` is a catalogue key, given as ``x``."""
    return {(name[:-4] if name.endswith("_key") else name): (t(value, lang) if name.endswith("_key") else value)
            for name, value in params.items()}


class NotFound(DomainError):
    """Unknown service, ticket, counter or job."""

    exit_code = 3


class EmptyQueue(DomainError):
    """Nobody is waiting for the requested services."""

    exit_code = 4


class Refused(DomainError):
    """The action is not allowed in the ticket's current state."""

    exit_code = 5


class ConfigError(DomainError):
    """The configuration file or an override is invalid."""

    exit_code = 6


class StoreError(DomainError):
    """The store cannot be opened (newer schema, unreadable file)."""

    exit_code = 7


class PrinterError(DomainError):
    """The printer could not be reached or refused the job."""

    exit_code = 8


class FieldInvalid(ValueError):
    """One field's value is invalid: a catalogue key (and parameters) saying why."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class Invalid(DomainError):
    """One or more fields are invalid: ``errors`` maps field name to its FieldInvalid."""

    exit_code = 9

    def __init__(self, errors: dict[str, FieldInvalid]) -> None:
        first = next(iter(errors.values()))
        super().__init__(first.key, **first.params)
        self.errors = errors

    def field_messages(self, lang: str) -> dict[str, str]:
        return {name: t(err.key, lang, **translated(err.params, lang)) for name, err in self.errors.items()}


ECHO_LIMIT = 40


def excerpt(value: object, limit: int = ECHO_LIMIT) -> str:
    """What the user typed, as a message repeats it: the first ``limit`` characters and an
    ellipsis for the rest (``ticket take`` with a 5000-character service wrote it all back).
    Every "unknown X" message echoes through this one."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def os_reason(exc: OSError) -> dict[str, str]:
    """A file-system failure as a ``detail`` parameter: a catalogue key (``detail_key``) for
    the common ones, so the reader sees it in their language; the system's text otherwise."""
    import errno

    keys = {errno.ENOENT: "os.no_folder", errno.ENOTDIR: "os.no_folder", errno.EACCES: "os.no_permission",
            errno.EPERM: "os.no_permission", errno.EROFS: "os.read_only", errno.ENOSPC: "os.disk_full",
            errno.EISDIR: "os.is_folder"}
    if exc.errno in keys:
        return {"detail_key": keys[exc.errno]}
    return {"detail": exc.strerror or str(exc)}

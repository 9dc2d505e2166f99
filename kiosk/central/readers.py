"""Readers of the central store: a province's (the offices whose code starts with its two
digits) or the nation's (every office). A reader logs in with a role of its own that may
SELECT the reading views and, below them, the typed columns only (never a record's
``data``); row-level security keeps it to its offices (migration 0005).

``pst-kiosk central add-reader NAME --province 13 | --national``."""

from __future__ import annotations

import re

from psycopg import sql

from kiosk.central import admin
from kiosk.errors import FieldInvalid, Invalid, Refused

_NAME = re.compile(r"[a-z_][a-z0-9_]{2,62}")


def check_name(name: str | None) -> str:
    """A role name a reader logs in with: lower-case letters, digits, '_' (3-63)."""
    if not _NAME.fullmatch(name or ""):
        raise Invalid({"name": FieldInvalid("centre.bad_reader_name", name=name or "''")})
    return name or ""


def check_province(province: str | None) -> str | None:
    """Two digits (the office code's first two), or None for a national reader."""
    if province is not None and not re.fullmatch(r"[1-9]\d", province):
        raise Invalid({"province": FieldInvalid("centre.bad_province", province=province)})
    return province


def existing_reader(dsn: str, name: str) -> bool:
    """Whether ``name`` is a reader already; a role of that name that is not one (an office's,
    the owner's) is refused (exit 5), as is a DSN that may not add readers (exit 11)."""
    check_name(name)
    with admin.session(dsn, "add_reader") as conn:
        _check_allowed(conn)
        return _state(conn, name)


def _check_allowed(conn) -> None:  # noqa: ANN001 - psycopg.Connection
    allowed = conn.execute(
        "SELECT (rolsuper OR rolcreaterole) AND has_table_privilege('pst.readers', 'INSERT')"
        " FROM pg_roles WHERE rolname = current_user").fetchone()
    if not (allowed and allowed[0]):
        raise admin.CentralError("central.not_allowed", role=conn.info.user, action_key="central.action.add_reader",
                                 detail="CREATEROLE, INSERT ON pst.readers")


def _state(conn, name: str) -> bool:  # noqa: ANN001
    role = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone()
    reader = conn.execute("SELECT 1 FROM pst.readers WHERE role = %s", (name,)).fetchone()
    prefix = conn.execute("SELECT value FROM pst.settings WHERE key = 'role_prefix'").fetchone()[0]
    if (role and not reader) or name.startswith(prefix):
        raise Refused("centre.role_taken", name=name)
    return bool(reader)


def add_reader(dsn: str, name: str, *, province: str | None, password: str,
               reset_password: bool = False) -> str:
    """The reader's login role, its row in ``pst.readers`` and its grants. An existing reader
    is refused unless ``reset_password`` (new password, scope and grants refreshed)."""
    check_name(name)
    check_province(province)
    admin.check_password(password)
    with admin.session(dsn, "add_reader") as conn:
        with conn.transaction():
            _check_allowed(conn)
            exists = _state(conn, name)
            if exists and not reset_password:
                raise Refused("centre.reader_exists", name=name)
            ident = sql.Identifier(name)
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
            # Hashed here: the plain password never reaches the server (nor its log).
            hashed = conn.pgconn.encrypt_password(password.encode(), name.encode(), b"scram-sha-256")
            conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(hashed.decode())))
            conn.execute("INSERT INTO pst.readers(role, province) VALUES (%s, %s)"
                         " ON CONFLICT (role) DO UPDATE SET province = EXCLUDED.province", (name, province))
            conn.execute("SELECT pst.grant_reader(%s)", (name,))
    return name

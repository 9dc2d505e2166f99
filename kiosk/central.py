"""The central PostgreSQL store: schema migrations, offices and their roles.

``pst-kiosk central init --dsn DSN`` creates or migrates the schema (idempotent);
``central add-office CODE`` makes the office's row and its login role, which
row-level security keeps to that office's rows. The DSN's password is never printed.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from urllib.parse import quote, quote_plus

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from kiosk.errors import ConfigError, DomainError


class CentralError(DomainError):
    """The central store cannot be reached or refused the request."""

    exit_code = 11


# libpq's keys are lower case, but a mistyped PASSWORD= is still a password: any case.
_KEY = r"(?<![\w?&])(?:ssl)?password"
_URL_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@?#\s]*:)[^/?#]*@", re.I)
_URL_PARAM = re.compile(r"([?&](?:ssl)?password=)[^&#\s]*", re.I)
# A quoted value ends at its closing quote (unterminated: the rest); an unquoted one, which
# may hold backslash-escaped spaces, is hidden up to the next unescaped " key=" or the end:
# where a DSN ends it there, nothing more is hidden, and in a message it errs on hiding.
_KEY_VALUE = re.compile(_KEY + r"(\s*=\s*)(?:'(?:[^'\\]|\\.)*(?:'|\\?$)|(?:\\.|[^\\])*?(?=\s+\w+\s*=|\s*$))",
                        re.I | re.S)


def redact(text: str) -> str:
    """A DSN (key=value or URI) or a message holding one, with any password hidden.

    libpq ends a URI's password at its first '@', so a password with an unencoded '@'
    spills into the host; no host name holds an '@', so everything up to the last one
    before the path is hidden. Whatever libpq reads as the password is hidden anywhere;
    text libpq cannot read (a message, an upper-case key) is masked by the patterns alone."""
    text = text or ""
    try:
        parsed = conninfo_to_dict(text)
        secrets = [str(parsed.get(k) or "") for k in ("password", "sslpassword")]
    except psycopg.Error:  # not a DSN: a message
        secrets = []
    text = _URL_USERINFO.sub(r"\1***@", text)
    text = _URL_PARAM.sub(r"\1***", text)
    text = _KEY_VALUE.sub(lambda m: m.group(0)[:m.start(1) - m.start(0)] + m.group(1) + "***", text)
    for secret in secrets:
        for value in {secret, quote(secret, safe=""), quote_plus(secret, safe="")}:
            if len(value) >= 4:  # a shorter one would blot out ports and names; the patterns above hide it
                text = text.replace(value, "***")
    return text


def connect(dsn: str | None, *, timeout: float = 5.0, statement_timeout_ms: int = 30_000,
            autocommit: bool = False) -> psycopg.Connection:
    """A connection with short timeouts; TLS options in the DSN pass through untouched, and
    a ``connect_timeout`` or ``options`` given in the DSN (or PGCONNECT_TIMEOUT) is kept."""
    if not dsn:
        raise ConfigError("central.no_dsn")
    try:
        given = conninfo_to_dict(dsn)
    except psycopg.Error as exc:
        raise ConfigError("central.bad_dsn", dsn=redact(dsn), detail=short_error(exc)) from exc
    defaults: dict[str, str | int] = {}
    if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
        defaults["connect_timeout"] = max(1, int(timeout))
    options = str(given.get("options") or os.environ.get("PGOPTIONS") or "")
    if "statement_timeout" not in options:
        defaults["options"] = f"{options} -c statement_timeout={statement_timeout_ms}".strip()
    try:
        return psycopg.connect(dsn, autocommit=autocommit, **defaults)
    except psycopg.Error as exc:
        raise CentralError("central.unreachable", dsn=redact(dsn), detail=short_error(exc)) from exc


def short_error(exc: BaseException) -> str:
    """The first line of a database error, password redacted, for a message or a log."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact(text)[:200]


def migrations() -> list[tuple[int, str]]:
    found = []
    for entry in resources.files("kiosk.central_sql").iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append((int(entry.name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def init(dsn: str, *, role_prefix: str | None = None) -> list[int]:
    """Create or migrate the central schema; returns the migrations applied now."""
    applied: list[int] = []
    with connect(dsn, autocommit=False) as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('pst-kiosk central migrations'))")
            conn.execute("CREATE SCHEMA IF NOT EXISTS pst")
            conn.execute("CREATE TABLE IF NOT EXISTS pst.migrations"
                         " (number int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            done = {r[0] for r in conn.execute("SELECT number FROM pst.migrations")}
            for number, text in migrations():
                if number in done:
                    continue
                conn.execute(text)
                conn.execute("INSERT INTO pst.migrations(number) VALUES (%s)", (number,))
                applied.append(number)
            if role_prefix:
                conn.execute("UPDATE pst.settings SET value = %s WHERE key = 'role_prefix'", (role_prefix,))
    return applied


def role_name(conn: psycopg.Connection, office_code: str) -> str:
    prefix = conn.execute("SELECT value FROM pst.settings WHERE key = 'role_prefix'").fetchone()[0]
    return f"{prefix}{office_code}"


def add_office(dsn: str, code: str, *, name: str = "", password: str | None = None) -> str:
    """The office's row and login role (created once; grants refreshed every time)."""
    if not re.fullmatch(r"\d{4}", code or ""):
        raise ConfigError("central.bad_office", code=code)
    password = password if password is not None else os.environ.get("PST_KIOSK_NEW_PASSWORD")
    with connect(dsn) as conn:
        with conn.transaction():
            role = role_name(conn, code)
            conn.execute("INSERT INTO pst.offices(code, name) VALUES (%s, %s)"
                         " ON CONFLICT (code) DO UPDATE SET name = CASE WHEN EXCLUDED.name = ''"
                         " THEN pst.offices.name ELSE EXCLUDED.name END", (code, name))
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            ident = sql.Identifier(role)
            if not exists:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(ident))
            if password:
                # Hashed here: the plain password never reaches the server (nor its log).
                hashed = conn.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256")
                conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(hashed.decode())))
            conn.execute(sql.SQL("GRANT USAGE ON SCHEMA pst TO {}").format(ident))
            # The outbox copy is append-only; the latest-state tables move forward by upsert.
            conn.execute(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON pst.changes FROM {}").format(ident))
            conn.execute(sql.SQL("GRANT SELECT, INSERT ON pst.changes TO {}").format(ident))
            conn.execute(sql.SQL(
                "GRANT SELECT, INSERT, UPDATE ON pst.tickets, pst.visits, pst.guests,"
                " pst.lockers, pst.orders, pst.invoices, pst.payments, pst.receipts, pst.ratings, pst.audit,"
                " pst.users TO {}").format(ident))
            conn.execute(sql.SQL("GRANT SELECT ON pst.reference, pst.offices, pst.settings TO {}").format(ident))
            conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION pst.current_office() TO {}").format(ident))
    return role


def publish(dsn: str, kind: str, payload: object, *, office_code: str | None = None) -> int:
    """Publish reference data (catalogue, holidays, officers) for one office or all."""
    from psycopg.types.json import Jsonb

    with connect(dsn) as conn:
        with conn.transaction():
            row = conn.execute("INSERT INTO pst.reference(kind, office_code, payload) VALUES (%s, %s, %s)"
                               " RETURNING id", (kind, office_code, Jsonb(payload))).fetchone()
    return row[0]

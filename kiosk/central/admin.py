"""The central PostgreSQL store: schema migrations, offices and their roles.

``pst-kiosk central init --dsn DSN`` creates or migrates the schema (idempotent);
``central add-office CODE`` makes the office's row and its login role, which
row-level security keeps to that office's rows. A message shows of a DSN only its host,
port, database and user (``kiosk.dsn.describe``); a database error's text is ``redact``ed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from urllib.parse import quote, quote_plus

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from kiosk.dsn import describe
from kiosk.errors import ConfigError, DomainError, FieldInvalid, Invalid, Refused

MIN_PASSWORD = 12  # an office role's password: it guards every record of the office


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
        # libpq's text quotes pieces of the DSN ('missing "=" after "s3cret"'): only an
        # unknown key's name is told, never a value.
        unknown = re.search(r'invalid connection option "([\w-]{1,40})"', str(exc))
        if unknown:
            raise ConfigError("dsn.unknown_key", option=unknown.group(1)) from None
        raise ConfigError("dsn.unreadable") from None
    defaults: dict[str, str | int] = {}
    if "connect_timeout" not in given and not os.environ.get("PGCONNECT_TIMEOUT"):
        defaults["connect_timeout"] = max(1, int(timeout))
    options = str(given.get("options") or os.environ.get("PGOPTIONS") or "")
    if "statement_timeout" not in options:
        defaults["options"] = f"{options} -c statement_timeout={statement_timeout_ms}".strip()
    try:
        return psycopg.connect(dsn, autocommit=autocommit, **defaults)
    except psycopg.Error as exc:
        raise CentralError("central.unreachable", dsn=describe(dsn), detail=short_error(exc)) from exc


def short_error(exc: BaseException) -> str:
    """The first line of a database error, password redacted, for a message or a log."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact(text)[:200]


def migrations() -> list[tuple[int, str]]:
    found = []
    for entry in resources.files("kiosk.central.sql").iterdir():
        if entry.name.endswith(".sql") and entry.name[:4].isdigit():
            found.append((int(entry.name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


@contextmanager
def session(dsn: str | None, action: str) -> Iterator[psycopg.Connection]:
    """A connection for an administrator's ``action`` (init, add_office, publish): the
    centre's refusals come out as one clear CentralError (exit 11), never a raw one."""
    with connect(dsn) as conn:
        try:
            yield conn
        except psycopg.errors.InsufficientPrivilege as exc:
            raise CentralError("central.not_allowed", role=conn.info.user, action_key=f"central.action.{action}",
                               detail=short_error(exc)) from exc
        except (psycopg.errors.UndefinedTable, psycopg.errors.InvalidSchemaName,
                psycopg.errors.UndefinedFunction) as exc:
            raise CentralError("central.not_initialised", dsn=describe(dsn), detail=short_error(exc)) from exc
        except psycopg.Error as exc:
            raise CentralError("central.failed", dsn=describe(dsn), detail=short_error(exc)) from exc


def init(dsn: str, *, role_prefix: str | None = None) -> list[int]:
    """Create or migrate the central schema; returns the migrations applied now.
    ``role_prefix`` names the offices' roles (PREFIX + code); set it before adding offices."""
    applied: list[int] = []
    with session(dsn, "init") as conn:
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


def role_office(conn: psycopg.Connection) -> str | None:
    """The office this connection's role belongs to (None: a role of no office, the owner's)."""
    return conn.execute("SELECT pst.current_office()").fetchone()[0]


def check_office_code(code: str | None) -> str:
    """Four digits, or invalid input (exit 9)."""
    if not re.fullmatch(r"[0-9]{4}", code or ""):
        raise Invalid({"code": FieldInvalid("central.bad_office", code=code or "''")})
    return code or ""


def check_password(password: str) -> str:
    """An office role's new password: at least MIN_PASSWORD characters, or invalid input."""
    if len(password) < MIN_PASSWORD or not password.strip():
        raise Invalid({"password": FieldInvalid("central.password_short", min=MIN_PASSWORD)})
    return password


def existing_role(dsn: str, code: str) -> str | None:
    """The office's role if it exists already (None: not yet), asked before its password is:
    a role that may not add offices (an office's own) is refused here (CentralError, exit 11)."""
    check_office_code(code)
    with session(dsn, "add_office") as conn:
        role = role_name(conn, code)
        allowed = conn.execute(
            "SELECT (rolsuper OR rolcreaterole) AND has_table_privilege('pst.offices', 'INSERT')"
            " FROM pg_roles WHERE rolname = current_user").fetchone()
        if not (allowed and allowed[0]):
            raise CentralError("central.not_allowed", role=conn.info.user, action_key="central.action.add_office",
                               detail="CREATEROLE, INSERT ON pst.offices")
        return role if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() else None


def add_office(dsn: str, code: str, *, name: str = "", password: str | None = None,
               reset_password: bool = False) -> str:
    """The office's row and login role. An existing role is refused unless ``reset_password``
    (which sets the new ``password`` and refreshes the grants). ``password`` at least
    MIN_PASSWORD characters; None only for a new role that logs in without one (certificate
    or peer authentication): the command line always asks for one."""
    check_office_code(code)
    if password is not None:
        check_password(password)
    elif reset_password:
        raise Invalid({"password": FieldInvalid("central.password_needed", env="PST_KIOSK_NEW_PASSWORD")})
    with session(dsn, "add_office") as conn:
        with conn.transaction():
            role = role_name(conn, code)
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if exists and not reset_password:
                raise Refused("central.office_exists", code=code, role=role)
            conn.execute("INSERT INTO pst.offices(code, name) VALUES (%s, %s)"
                         " ON CONFLICT (code) DO UPDATE SET name = CASE WHEN EXCLUDED.name = ''"
                         " THEN pst.offices.name ELSE EXCLUDED.name END", (code, name))
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
                " pst.users, pst.service_records, pst.complaints TO {}").format(ident))
            conn.execute(sql.SQL("GRANT SELECT ON pst.reference, pst.offices, pst.settings TO {}").format(ident))
            conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION pst.current_office() TO {}").format(ident))
    return role


def _first_problem(exc: ValueError) -> str:
    from pydantic import ValidationError

    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "-"
        return f"{where}: {first['msg']}"[:200]
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def publish(dsn: str, kind: str, payload: object, *, office_code: str | None = None) -> int:
    """Publish reference data (catalogue, holidays, officers) for one office or all, checked
    first with the models the offices apply it with; an unknown office is refused (exit 9)."""
    from psycopg.types.json import Jsonb

    from kiosk import reference

    try:
        reference.validate(kind, payload)
    except ValueError as exc:  # pydantic's ValidationError is one
        raise Invalid({"payload": FieldInvalid("central.bad_payload", kind=kind, detail=_first_problem(exc))}) \
            from None
    if office_code is not None:
        check_office_code(office_code)
    with session(dsn, "publish") as conn:
        with conn.transaction():
            if office_code is not None and not conn.execute(
                    "SELECT 1 FROM pst.offices WHERE code = %s", (office_code,)).fetchone():
                raise Invalid({"office": FieldInvalid("central.unknown_office", code=office_code)})
            row = conn.execute("INSERT INTO pst.reference(kind, office_code, payload) VALUES (%s, %s, %s)"
                               " RETURNING id", (kind, office_code, Jsonb(payload))).fetchone()
    return row[0]


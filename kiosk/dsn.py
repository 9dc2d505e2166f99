"""What may be said about a PostgreSQL DSN, and what may not come from the command line.

A password typed as ``--dsn`` sits in ``ps`` and the shell's history for every local user:
``carries_password`` finds one in any spelling libpq or a hurried admin would use. An error
that names the centre shows ``describe(dsn)``: host, port, database and user, nothing else
(a misspelt ``passwd=secret`` is a secret too, and so is every key we do not know).
psycopg is imported only when a DSN is described: checking argv stays cheap.
"""

from __future__ import annotations

import re

SHOWN = ("host", "port", "dbname", "user")

# A password key in any case (libpq's password, sslpassword; the misspellings passwd, pwd),
# as key=value or as a URI's ?password= / &password= parameter; "passfile" (a path) is fine.
_SECRET_KEY = re.compile(r"(?<![\w.-])(?:ssl)?(?:password|passwd|pwd)\s*=", re.I)
# A URI's user info with a password: scheme://user:secret@host
_URL_PASSWORD = re.compile(r"\b[a-z][a-z0-9+.-]*://[^:/@?#\s]*:[^/?#]*@", re.I)


def carries_password(dsn: str | None) -> bool:
    """True when ``dsn`` holds a password in any form: ``password=``/``sslpassword=`` (any
    case, any spacing), ``postgresql://user:pw@host``, ``?password=``, ``passwd=``."""
    text = dsn or ""
    return bool(_SECRET_KEY.search(text) or _URL_PASSWORD.search(text))


def describe(dsn: str | None) -> str:
    """``dsn`` as an error may show it: only host, port, dbname and user, as a DSN
    (``host=db port=5432 dbname=pst user=pst_office_1373``); ``-`` when it cannot be read
    (then nothing of it is shown: whatever it holds may be a secret)."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        parsed = conninfo_to_dict(dsn or "")
    except psycopg.Error:
        return "-"
    shown = {key: _printable(str(parsed[key])) for key in SHOWN if parsed.get(key) not in (None, "")}
    return make_conninfo(**shown) if shown else "-"


def _printable(value: str) -> str:
    """No control byte of a DSN's host or user reaches a terminal."""
    return "".join(c if c.isprintable() else "?" for c in value)

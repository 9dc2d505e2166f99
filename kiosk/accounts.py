"""Officer accounts (petugas, bendahara, admin), PINs hashed with argon2id, lockout after
five wrong attempts for five minutes, and role checks the use cases call.

Until the first account exists the desk runs open (a fresh install must work with no
set-up); from then on every officer action needs a logged-in user.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from functools import cache

from kiosk import audit, identity
from kiosk.clock import iso
from kiosk.errors import DomainError, FieldInvalid, Invalid, NotFound, Refused, excerpt
from kiosk.ids import new_id
from kiosk.plain import Record
from kiosk.store import Store
from kiosk.text import field_text

Role = Literal["petugas", "bendahara", "admin"]
ROLES: tuple[str, ...] = ("petugas", "bendahara", "admin")
MAX_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=5)



@cache
def _hasher():  # noqa: ANN202 - argon2.PasswordHasher
    """argon2id with the library's recommended parameters; argon2 loads when a PIN is
    hashed or checked, not for every command that imports the role checks."""
    from argon2 import PasswordHasher

    return PasswordHasher()


class Forbidden(DomainError):
    """Not logged in, wrong PIN, locked, or the role may not do this."""

    exit_code = 10


@dataclass(kw_only=True)
class User(Record):
    """An officer's account (a plain record validated by pydantic when read: kiosk/plain.py)."""

    id: str
    username: str
    name: str
    role: Role
    active: bool
    failed_attempts: int = 0
    locked_until: datetime | None = None
    pin_rule: bool | None = None  # the PIN met the rule when set; None: not known (older, published)

    def public(self) -> dict[str, object]:
        """The account as the outbox and the centre see it (not its PIN's strength)."""
        return self.model_dump(mode="json", exclude={"pin_rule"})


_COLUMNS = "id, username, name, role, active, failed_attempts, locked_until, pin_rule"


def role_exists(store: Store, role: str) -> bool:
    """Whether an active account with ``role`` exists (the screens say who may act next)."""
    return store.row("SELECT 1 FROM users WHERE role = ? AND active = 1 LIMIT 1", (role,)) is not None


def _get(store: Store, username: str) -> tuple[User, str] | None:
    row = store.row(f"SELECT {_COLUMNS}, pin_hash FROM users WHERE username = ?", (username,))
    if row is None:
        return None
    pin_hash = row.pop("pin_hash")
    return User.model_validate(row), pin_hash


def enforced(store: Store) -> bool:
    """Whether accounts are in use (any active user exists)."""
    return store.conn.execute("SELECT 1 FROM users WHERE active = 1 LIMIT 1").fetchone() is not None


def require(store: Store, actor: User | None, *roles: str) -> None:
    """Refuse unless ``actor`` has one of ``roles`` (open desk: anyone, until accounts exist).

    The account is read again (one row by primary key): a face keeps its User for hours,
    and an admin's disable or a role change must take effect at the next action."""
    if actor is None:
        if enforced(store):
            raise Forbidden("auth.login_required")
        return
    row = store.row("SELECT active, role FROM users WHERE id = ?", (actor.id,))
    if row is None:
        raise Forbidden("auth.login_required")
    if not row["active"]:
        raise Forbidden("auth.disabled", username=actor.username)
    if roles and row["role"] not in roles:
        raise Forbidden("auth.role", username=actor.username, role=row["role"],
                        needed=" / ".join(roles))


def pin_problem(pin: str | None, username: str = "") -> FieldInvalid | None:
    """Why a new PIN is refused (``kiosk.codes``: six digits or more, not one digit or
    block repeated, not a run, no year at either end, not the username's digits), or None.
    PINs set before the rule keep working: only a PIN being set is checked."""
    from kiosk import codes

    reason = codes.weakness(pin, avoid=(username,) if username else ())
    return FieldInvalid(reason) if reason else None


def hash_pin(pin: str, username: str = "") -> str:
    """A new PIN as stored (argon2id, argon2-cffi's recommended parameters), once it meets
    the rule: accounts made here and the ``pin_hash`` the centre publishes for officers
    (``central hash-pin``)."""
    if problem := pin_problem(pin, username):
        raise Invalid({"pin": problem})
    return _hasher().hash(pin)


def _check_new(username: str, role: str, pin: str | None) -> None:
    """The new account's fields; ``pin`` None: not given yet (checked later)."""
    errors: dict[str, FieldInvalid] = {}
    if not re.fullmatch(r"[a-z0-9._-]{3,32}", username or ""):
        errors["username"] = FieldInvalid("invalid.username")
    if role not in ROLES:
        errors["role"] = FieldInvalid("invalid.role")
    if pin is not None and (problem := pin_problem(pin, username)):
        errors["pin"] = problem
    if errors:
        raise Invalid(errors)


def display_name(name: str | None, username: str) -> str:
    """An account's name as stored (the username when none): no control, bidi or
    zero-width characters, which ``user list`` would send to a terminal, and the rule every
    person's name meets (``identity.name``: 2-100 letters...), else exit 9. A longer name
    was cut to 100 characters without a word."""
    text = field_text("name", name, "text.field.name")
    if not text or text == username:  # none given: the username stands for it
        return username
    try:
        return identity.name(text)
    except FieldInvalid as exc:
        raise Invalid({"name": exc}) from None


def check_add(store: Store, actor: User | None, *, username: str, role: str) -> None:
    """Refuse now what ``add_user`` would refuse for this name and role (bad name or role,
    exit 9; not the admin, 10; the name taken, 5), so the command line does not ask for a
    PIN twice to no end. ``add_user`` checks it all again in its transaction."""
    username = (username or "").strip().lower()
    _check_new(username, role, None)
    if enforced(store):
        require(store, actor, "admin")
    elif role != "admin":
        raise Forbidden("auth.first_admin")
    if _get(store, username):
        raise Refused("auth.exists", username=username)


def add_user(store: Store, actor: User | None, *, username: str, name: str, role: str,
             pin: str) -> User:
    """Create an account. Only an admin may, except for the very first account (an admin)."""
    username = (username or "").strip().lower()
    _check_new(username, role, pin)
    with store.write():
        check_add(store, actor, username=username, role=role)  # who may, before what they typed
        name = display_name(name, username)
        stamp = iso(store.clock.now())
        row = {"id": new_id(), "created_at": stamp, "updated_at": stamp,
               "terminal_id": store.terminal_id, "username": username,
               "name": name, "role": role, "pin_hash": _hasher().hash(pin),
               "active": 1, "failed_attempts": 0, "pin_rule": 1}
        store.db["users"].insert(row)
        user = _get(store, username)[0]
        store.record_change("user", user.id, "add", user.public())
        audit.record(store, actor, "user.add", "user", user.id, {"username": username, "role": role})
    return user


def list_users(store: Store, actor: User | None) -> list[User]:
    """Every account (admin)."""
    require(store, actor, "admin")
    return [User.model_validate(r) for r in store.rows(
        f"SELECT {_COLUMNS} FROM users ORDER BY username")]


def find(store: Store, username: str) -> User:
    found = _get(store, (username or "").strip().lower())
    if found is None:
        raise NotFound("auth.unknown_user", username=excerpt(username))
    return found[0]


def authenticate(store: Store, username: str, pin: str, *, action: str = "login") -> User:
    """The user if the PIN is right; five wrong attempts lock the account for five minutes.
    Wrong name and wrong PIN give the same message. ``action`` names the success in the
    trail (``login``, ``session.unlock``)."""
    now = store.clock.now()
    username = (username or "").strip().lower()
    refusal: Forbidden | None = None
    # The failed attempt must be committed before refusing, so the refusal is raised
    # after the transaction, never inside it (that would roll the count back).
    with store.write():
        found = _get(store, username)
        if found is None or not found[0].active:
            _verify(_dummy_hash(), pin)  # as long as a wrong PIN: the time tells no names apart
            # A name that is no account may be a PIN typed in the wrong field: never keep it.
            audit.record(store, None, "login.failed", "user", found[0].id if found else None,
                         {"username": username if found else "?"})
            refusal = Forbidden("auth.wrong")
        else:
            user, pin_hash = found
            if user.locked_until and user.locked_until > now:
                minutes = max(1, math.ceil((user.locked_until - now).total_seconds() / 60))
                refusal = Forbidden("auth.locked", minutes=minutes)
            elif not _verify(pin_hash, pin):
                attempts = user.failed_attempts + 1
                locked = iso(now + LOCKOUT) if attempts >= MAX_ATTEMPTS else None
                store.conn.execute(
                    "UPDATE users SET failed_attempts = ?, locked_until = ? WHERE id = ?",
                    (0 if locked else attempts, locked, user.id))
                audit.record(store, None, "login.failed", "user", user.id,
                             {"username": username, "locked": bool(locked)})
                refusal = (Forbidden("auth.locked", minutes=int(LOCKOUT.total_seconds() // 60))
                           if locked else Forbidden("auth.wrong"))
            else:
                store.conn.execute(
                    "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE id = ?", (user.id,))
                if _hasher().check_needs_rehash(pin_hash):
                    store.conn.execute("UPDATE users SET pin_hash = ? WHERE id = ?",
                                       (_hasher().hash(pin), user.id))
                user = user.model_copy(update={"failed_attempts": 0, "locked_until": None})
                audit.record(store, user, action, "user", user.id, {})
    if refusal is not None:
        raise refusal
    return user


def logout(store: Store, user: User | None) -> None:
    """The officer leaves their account (recorded in the trail)."""
    if user is not None:
        with store.write():
            audit.record(store, user, "logout", "user", user.id, {})


def lock(store: Store, user: User | None, *, reason: str = "idle") -> None:
    """The counter locked itself over ``user``'s session (recorded; the PIN unlocks it)."""
    if user is not None:
        with store.write():
            audit.record(store, user, "session.lock", "user", user.id, {"reason": reason})


def unlock(store: Store, username: str, pin: str) -> User:
    """The idle-locked officer back at the desk, by PIN alone (audited ``session.unlock``).
    The name is not asked here, so a wrong PIN is said as one, not "wrong name or PIN"."""
    try:
        return authenticate(store, username, pin, action="session.unlock")
    except Forbidden as exc:
        if exc.key == "auth.wrong":
            raise Forbidden("login.wrong_pin") from None
        raise


def exit_code_usable(code: str | None, office_code: str = "") -> bool:
    """Whether ``code`` may open the kiosk's exit: six digits or more, not guessable, not
    holding the office code (printed on every ticket). An empty or weak code opens nothing:
    a face that starts without a good one makes one first (``commands.common``)."""
    from kiosk import codes

    return codes.weakness(code, avoid=(office_code,) if office_code else ()) is None


_dummy: list[str] = []


def _dummy_hash() -> str:
    """An argon2 hash of a random secret, made once: an unknown name is verified against
    it, so it takes as long to refuse as a known name with a wrong PIN."""
    if not _dummy:
        import secrets

        _dummy.append(_hasher().hash(secrets.token_hex(16)))
    return _dummy[0]


def warm_up() -> None:
    """Make the dummy hash now (when the exit dialog opens), so even the first unknown name
    typed takes one verification, not a hashing and a verification."""
    _dummy_hash()


def kiosk_exit(store: Store, *, username: str | None, secret: str, exit_code: str) -> User | None:
    """Staff leave the kiosk: an admin's name and PIN once accounts exist, before that the
    configured exit code (``exit_code_usable``; an empty or weak one is always refused).

    The kiosk is public, so every failure (unknown name, wrong PIN, not an admin, account
    disabled or locked, wrong code) gets the same refusal, ``kiosk.staff_refused``, after
    the same work (one argon2 verification, against a dummy hash for an unknown name, and
    one entry in the trail). Failures count against the kiosk's exit, never against the
    account: five in a row shut the exit for five minutes (``exit_code_lock_minutes``),
    and a visitor guessing at the kiosk cannot lock an officer out of the counter."""
    import hmac

    if minutes := exit_code_lock_minutes(store):  # tries while shut are not counted
        raise Forbidden("kiosk.staff_locked", minutes=minutes)
    user: User | None = None
    if enforced(store):
        found = _get(store, (username or "").strip().lower())
        right = _verify(found[1] if found else _dummy_hash(), secret)
        now = store.clock.now()
        if found and right:
            candidate = found[0]
            if (candidate.active and candidate.role == "admin"
                    and not (candidate.locked_until and candidate.locked_until > now)):
                user = candidate
        ok = user is not None
        target = found[0].id if found else None
    else:
        ok = bool(exit_code) and exit_code_usable(exit_code) and hmac.compare_digest(
            (secret or "").encode(), (exit_code or "").encode())
        target = None
    with store.write():  # the account's own counters are left alone
        audit.record(store, user, "kiosk.exit" if ok else "kiosk.exit_refused",
                     "user" if target else None, target, {})
    if not ok:
        if minutes := exit_code_lock_minutes(store):
            raise Forbidden("kiosk.staff_locked", minutes=minutes)
        raise Forbidden("kiosk.staff_refused")
    return user


def exit_code_lock_minutes(store: Store) -> int:
    """Minutes the kiosk's exit is still refused for (0: it may be tried). As a PIN: every
    fifth refused try in a row (since the last exit) shuts it for five minutes. Read from
    the audit trail, where every try is, so a restarted kiosk, or another browser tab of a
    served one, does not start counting again."""
    run, last = 0, None
    for entry in audit.entries(store, action="kiosk.exit", limit=100):  # and kiosk.exit_refused
        if entry.action == "kiosk.exit":
            break
        if entry.action == "kiosk.exit_refused":
            run += 1
            last = last or entry.at
    if last is None or run % MAX_ATTEMPTS:
        return 0
    left = (last + LOCKOUT - store.clock.now()).total_seconds()
    return max(1, math.ceil(left / 60)) if left > 0 else 0


def _verify(pin_hash: str, pin: str | None) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(pin_hash, pin or "")
    except (VerificationError, InvalidHashError):
        return False


def _admin_update(store: Store, actor: User | None, username: str, action: str,
                  sets: dict[str, object]) -> User:
    with store.write():
        require(store, actor, "admin")
        user = find(store, username)
        assignments = ", ".join(f"{k} = ?" for k in sets)
        store.conn.execute(f"UPDATE users SET {assignments}, updated_at = ? WHERE id = ?",
                           (*sets.values(), iso(store.clock.now()), user.id))
        user = find(store, username)
        store.record_change("user", user.id, action, user.public())
        audit.record(store, actor, f"user.{action}", "user", user.id, {"username": user.username})
    return user


def target(store: Store, actor: User | None, username: str) -> User:
    """The account an admin is about to change (admin only; unknown: exit 3), read before
    the command line asks for a new PIN."""
    require(store, actor, "admin")
    return find(store, username)


def disable_user(store: Store, actor: User | None, username: str) -> User:
    """Shut an account (admin; not one's own): its officer is refused at the next action."""
    if actor is not None and actor.username == (username or "").strip().lower():
        raise Refused("auth.self_disable")
    return _admin_update(store, actor, username, "disable", {"active": 0})


def enable_user(store: Store, actor: User | None, username: str) -> User:
    """Open a disabled account again (admin, audited): the only way back from ``disable_user``."""
    return _admin_update(store, actor, username, "enable", {"active": 1})


def reset_pin(store: Store, actor: User | None, username: str, pin: str) -> User:
    """A new PIN (admin, audited); it lifts a lockout for wrong PINs but leaves a disabled
    account disabled (``enable_user`` opens it)."""
    name = (username or "").strip().lower()
    return _admin_update(store, actor, username, "reset_pin", {
        "pin_hash": hash_pin(pin, name), "failed_attempts": 0, "locked_until": None, "pin_rule": 1})

"""The audit trail: who did what, when. Written in the same transaction as the action
(and to the outbox, so the centre receives it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from kiosk.clock import iso
from kiosk.ids import new_id
from kiosk.plain import Record
from kiosk.store import Store

if TYPE_CHECKING:
    from kiosk.accounts import User


@dataclass(kw_only=True)
class Entry(Record):
    """One entry of the trail (a plain record validated by pydantic when read: kiosk/plain.py)."""

    id: str
    at: datetime
    username: str | None
    action: str
    entity: str | None
    entity_id: str | None
    detail: dict[str, Any]
    terminal_id: str


def record(store: Store, actor: User | None, action: str, entity: str | None,
           entity_id: str | None, detail: dict[str, Any] | None = None) -> None:
    """Append an entry; call inside ``store.write()``."""
    entry = {
        "id": new_id(), "at": iso(store.clock.now()), "terminal_id": store.terminal_id,
        "user_id": actor.id if actor else None, "username": actor.username if actor else None,
        "action": action, "entity": entity, "entity_id": entity_id,
        "detail": json.dumps(detail or {}, ensure_ascii=False, separators=(",", ":")),
    }
    store.conn.execute(
        "INSERT INTO audit(id, at, terminal_id, user_id, username, action, entity, entity_id, detail)"
        " VALUES (:id, :at, :terminal_id, :user_id, :username, :action, :entity, :entity_id, :detail)",
        entry)
    store.record_change("audit", entry["id"], "add", {**entry, "detail": detail or {}})


def trail(store: Store, actor: User | None, *, since: datetime | None = None,
          username: str | None = None, action: str | None = None, limit: int = 200) -> list[Entry]:
    """The trail as an admin reads it, newest first (the CLI and faces call this)."""
    from kiosk.accounts import require

    require(store, actor, "admin")
    return entries(store, since=since, username=username, action=action, limit=limit)


def entries(store: Store, *, since: datetime | None = None, username: str | None = None,
            action: str | None = None, limit: int = 200) -> list[Entry]:
    """The raw reader under ``trail``, with no role check: for use cases and tests only."""
    sql = "SELECT id, at, username, action, entity, entity_id, detail, terminal_id FROM audit WHERE 1 = 1"
    params: list[Any] = []
    if since:
        sql += " AND at >= ?"
        params.append(iso(since))
    if username:
        sql += " AND username = ?"
        params.append(username)
    if action:
        sql += " AND action LIKE ?"
        params.append(action.rstrip("*") + "%")
    sql += " ORDER BY seq DESC LIMIT ?"
    params.append(limit)
    return [Entry.model_validate({**r, "detail": json.loads(r["detail"])})
            for r in store.rows(sql, tuple(params))]

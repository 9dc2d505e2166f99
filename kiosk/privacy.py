"""Personal data past its retention period is anonymised (UU 27/2022): names, ID numbers,
contacts go; what reports count (visits by segment, gender, education, disability) stays."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel

from kiosk import audit
from kiosk.accounts import User, require
from kiosk.clock import iso
from kiosk.guestbook import guest_sync_payload
from kiosk.store import Store

ANONYMOUS = "(anonim)"


class PurgeResult(BaseModel):
    guests: int
    lockers: int
    cutoff: str


def purge(store: Store, actor: User | None, *, older_than_days: int) -> PurgeResult:
    """Anonymise guests not seen for ``older_than_days`` and their returned lockers."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be positive")
    now = store.clock.now()
    cutoff = iso(now - timedelta(days=older_than_days))
    stamp = iso(now)
    with store.write():
        require(store, actor, "admin")
        ids = [r[0] for r in store.conn.execute(
            "SELECT g.id FROM guests g WHERE g.anonymised_at IS NULL AND g.updated_at < :cut"
            " AND NOT EXISTS (SELECT 1 FROM visits v WHERE v.guest_id = g.id AND v.created_at >= :cut)"
            " AND NOT EXISTS (SELECT 1 FROM lockers l WHERE l.guest_id = g.id AND l.returned_at IS NULL)",
            {"cut": cutoff})]
        for guest_id in ids:
            store.conn.execute(
                "UPDATE guests SET name = ?, id_number = 'ANON-' || id, id_masked = '****',"
                " id_country = NULL, email = 'anon-' || id, phone = NULL, institution = NULL,"
                " npwp = NULL, anonymised_at = ?, updated_at = ? WHERE id = ?",
                (ANONYMOUS, stamp, stamp, guest_id))
            store.record_change("guest", guest_id, "anonymise", guest_sync_payload(store, guest_id))
        lockers = store.conn.execute(
            "UPDATE lockers SET holder_name = ?, id_number = 'ANON-' || id, id_masked = '****',"
            " updated_at = ? WHERE returned_at IS NOT NULL AND returned_at < ?"
            " AND holder_name != ? RETURNING id", (ANONYMOUS, stamp, cutoff, ANONYMOUS)).fetchall()
        for (locker_id,) in lockers:
            store.record_change("locker", locker_id, "anonymise", {"id": locker_id})
        audit.record(store, actor, "privacy.purge", None, None,
                     {"older_than_days": older_than_days, "guests": len(ids), "lockers": len(lockers)})
    return PurgeResult(guests=len(ids), lockers=len(lockers), cutoff=cutoff)

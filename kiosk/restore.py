"""Rebuild an empty store from the central store (an office whose PC died).

Tickets, guests, visits, lockers, orders with their lines, invoices, payments, receipts
and corrections come back as the centre last saw them; numbering (tickets, orders,
invoices, receipts) continues from them, so no number is reused. Full ID numbers never
left the office, so restored guests and lockers keep only the masked form; officer
accounts come with the next pull of the centre's reference data.
"""

from __future__ import annotations

import json
from typing import Any

from kiosk import central
from kiosk.config import Settings
from kiosk.errors import Refused
from kiosk.store import Store


def _columns(store: Store, table: str) -> set[str]:
    return {r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")}


def _insert(store: Store, table: str, row: dict[str, Any]) -> None:
    cols = _columns(store, table)
    row = {k: (json.dumps(v) if isinstance(v, (dict, list)) else (int(v) if isinstance(v, bool) else v))
           for k, v in row.items() if k in cols}
    names = ", ".join(row)
    marks = ", ".join(f":{k}" for k in row)
    store.conn.execute(f"INSERT OR REPLACE INTO {table} ({names}) VALUES ({marks})", row)


def _tail_numbers(number: str) -> tuple[int, int]:
    """(year, seq) from 'ORD/1373/2026/0007' or '0007/KW/1373/2026'."""
    parts = number.split("/")
    if parts[0].isdigit() and len(parts[0]) <= 5 and parts[-1].isdigit():
        return int(parts[-1]), int(parts[0])
    return int(parts[-2]), int(parts[-1])


def restore(store: Store, settings: Settings, *, dsn: str | None, office_code: str) -> dict[str, int]:
    used = sum(store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
               for t in ("tickets", "guests", "orders", "changes"))
    if used:
        raise Refused("sync.not_empty")
    fetched: dict[str, list[tuple[str, dict[str, Any], str]]] = {}
    with central.connect(dsn or settings.central_dsn) as conn:
        for table in ("tickets", "guests", "visits", "lockers", "orders", "users"):
            fetched[table] = [
                (r[0], r[1], r[2].isoformat()) for r in conn.execute(
                    f"SELECT id, data, changed_at FROM pst.{table} WHERE office_code = %s ORDER BY change_id",
                    (office_code,))]
    terminal = store.terminal_id
    with store.write():
        for _id, data, changed in fetched["tickets"]:
            # Transfers point at each other: insert without the links, then add them.
            _insert(store, "tickets", {**data, "transferred_from": None, "transferred_to": None,
                                       "created_at": data["issued_at"], "updated_at": changed,
                                       "terminal_id": terminal})
        for _id, data, _changed in fetched["tickets"]:
            store.conn.execute("UPDATE tickets SET transferred_from = ?, transferred_to = ? WHERE id = ?",
                               (data.get("transferred_from"), data.get("transferred_to"), data["id"]))
        for _id, data, _changed in fetched["guests"]:
            _insert(store, "guests", {**data, "id_number": f"HASH:{data.get('id_hash') or data['id']}",
                                      "terminal_id": terminal})
        for _id, data, _changed in fetched["visits"]:
            _insert(store, "visits", {**data, "terminal_id": terminal})
        for _id, data, changed in fetched["lockers"]:
            _insert(store, "lockers", {**data, "id_number": f"RESTORED:{data['id']}", "created_at": data["assigned_at"],
                                       "updated_at": changed, "terminal_id": terminal,
                                       "assigned_by": None, "returned_by": None})
        for _id, data, changed in fetched["orders"]:
            year, seq = _tail_numbers(data["number"])
            _insert(store, "orders", {**data, "year": year, "seq": seq, "terminal_id": terminal,
                                      "visit_id": None, "created_by": None, "updated_at": changed})
            for line in data.get("lines", []):
                _insert(store, "order_lines", {**line, "order_id": data["id"], "created_at": data["created_at"],
                                               "terminal_id": terminal})
            for inv in data.get("invoices", []):
                _insert(store, "invoices", {**inv, "order_id": data["id"], "created_at": inv["issued_at"],
                                            "terminal_id": terminal, "lines": data.get("lines", [])})
            for pay in data.get("payments", []):
                _insert(store, "payments", {**pay, "order_id": data["id"], "terminal_id": terminal})
            receipt = data.get("receipt")
            if receipt:
                r_year, r_seq = _tail_numbers(receipt["number"])
                paid = next((p["id"] for p in data.get("payments", []) if p["status"] == "verified"), None)
                _insert(store, "receipts", {**receipt, "order_id": data["id"], "payment_id": paid,
                                            "year": r_year, "seq": r_seq, "created_at": receipt["issued_at"],
                                            "terminal_id": terminal, "issued_by": None})
            for corr in data.get("corrections", []):
                _insert(store, "corrections", {**corr, "order_id": data["id"], "terminal_id": terminal})
        store.conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('office_code', ?)", (office_code,))
    return {"tickets": len(fetched["tickets"]), "guests": len(fetched["guests"]),
            "visits": len(fetched["visits"]), "lockers": len(fetched["lockers"]),
            "orders": len(fetched["orders"]), "users": 0}

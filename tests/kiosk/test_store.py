import json
import os
import sqlite3
import stat

import pytest

from kiosk.errors import StoreError
from kiosk.store import Store, payload_text, schema_version


def test_new_store_is_private_wal_and_migrated(tmp_path):
    path = tmp_path / "sub" / "pst.db"
    with Store(path) as store:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == schema_version()
        assert {"tickets", "changes", "print_jobs", "meta"} <= set(store.db.table_names())
        terminal = store.terminal_id
    with Store(path) as again:  # reopening keeps the terminal id and migrates nothing
        assert again.terminal_id == terminal


def test_newer_store_is_refused_with_a_clear_message(tmp_path):
    path = tmp_path / "pst.db"
    Store(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema_version() + 5}")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as err:
        Store(path)
    assert "lebih baru" in err.value.message("id")
    assert "newer" in err.value.message("en")


def test_change_and_mutation_commit_or_roll_back_together(store):
    before = store.conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0]
    with pytest.raises(RuntimeError):
        with store.write():
            store.set_meta  # noqa: B018 - just to be inside the block
            store.conn.execute("INSERT INTO meta(key, value) VALUES ('x', '1')")
            store.record_change("meta", "x", "set", {"value": 1})
            raise RuntimeError("crash mid-use-case")
    assert store.meta("x") is None
    assert store.conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0] == before
    with store.write():
        store.conn.execute("INSERT INTO meta(key, value) VALUES ('x', '1')")
        change_id = store.record_change("meta", "x", "set", {"value": 1})
    row = store.row("SELECT * FROM changes WHERE id = ?", (change_id,))
    assert isinstance(row["payload"], bytes)  # kept packed (kiosk.store.pack_payload)
    assert json.loads(payload_text(row["payload"])) == {"value": 1}
    assert row["terminal_id"] == store.terminal_id


def test_record_change_outside_a_transaction_is_a_programming_error(store):
    with pytest.raises(RuntimeError):
        store.record_change("meta", "x", "set", {})


def test_ids_are_time_ordered(store):
    from kiosk.ids import new_id

    ids = [new_id() for _ in range(200)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 200

"""Make the outbox's compression dictionary (``data/outbox-N.zdict``) from a year's store.

    .venv/bin/python bench/store_year.py --keep /tmp/year.db
    .venv/bin/python bench/outbox_zdict.py /tmp/year.db data/outbox-3.zdict

Acknowledged outbox payloads are kept deflated with a preset dictionary
(``kiosk.store.pack_payload``): JSON of the same few shapes, whose keys and common values
the dictionary holds, so a 400-byte ticket payload packs to ~150 bytes. The dictionary is
two recent payloads of every (entity, op), the most frequent last (deflate reaches the end
of a dictionary most cheaply), cut to deflate's 32 KiB window. The store year's data is
synthetic: no real person is in the dictionary.

A shipped dictionary never changes: packed payloads name the one they were packed with
(their first byte). A new one gets the next free number (2 is the print spool's,
``bench/print_zdict.py``), ``kiosk.store.DICTIONARIES`` names its file and
``kiosk.store.ZDICT`` points to it.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

WINDOW = 32 * 1024


def build(store_path: Path) -> bytes:
    conn = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    kinds = conn.execute("SELECT entity, op, COUNT(*) FROM changes WHERE typeof(payload) = 'text'"
                         " GROUP BY entity, op ORDER BY 3, 1, 2").fetchall()
    parts: list[str] = []
    for entity, op, _ in kinds:
        parts += [r[0] for r in conn.execute(
            "SELECT payload FROM changes WHERE entity = ? AND op = ? AND typeof(payload) = 'text'"
            " ORDER BY seq DESC LIMIT 2", (entity, op))]
    return "".join(parts).encode()[-WINDOW:]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    data = build(Path(argv[0]))
    Path(argv[1]).write_bytes(data)
    print(f"{argv[1]}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

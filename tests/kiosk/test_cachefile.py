"""What the faces keep in the user's cache is read only from a regular file of this user's;
a damaged or stale kept file means doing the work again, never a face that stops or hangs."""

import json
import os
import threading

from kiosk import cachefile


def test_a_fifo_or_a_file_others_may_write_is_a_miss_and_never_blocks(tmp_path):
    fifo = tmp_path / "css.pickle"
    os.mkfifo(fifo)
    result = []
    reader = threading.Thread(target=lambda: result.append(cachefile.read(fifo)), daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive() and result == [None]  # a FIFO with no writer: no wait
    shared = tmp_path / "settings.pickle"
    shared.write_bytes(b"x")
    shared.chmod(0o666)
    assert cachefile.read(shared) is None
    shared.chmod(0o600)
    assert cachefile.read(shared) == b"x"
    link = tmp_path / "link"
    link.symlink_to(shared)
    assert cachefile.read(link) is None and cachefile.read(tmp_path / "none") is None


def test_kept_glyphs_that_lost_one_or_hold_text_are_drawn_again(tmp_path, monkeypatch):
    from screens import bignumber

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    first = bignumber._GlyphStore()
    drawn = first.size(24)
    first.keep()
    path = first._path()
    kept = json.loads(path.read_text())
    assert set(kept["sizes"]["24"]) == set(bignumber.GLYPHS)
    del kept["sizes"]["24"]["A"]  # a glyph lost
    path.write_text(json.dumps(kept))
    assert bignumber._GlyphStore().size(24) == drawn
    kept = json.loads(path.read_text()) if "A" in json.loads(path.read_text())["sizes"]["24"] else kept
    kept["sizes"]["24"]["B"][1] = [str(r) for r in kept["sizes"]["24"]["B"][1]]  # rows as text
    path.write_text(json.dumps(kept))
    assert bignumber._GlyphStore().size(24) == drawn
    kept["format"] = "older drawing rules"
    path.write_text(json.dumps(kept))
    assert bignumber._GlyphStore()._load() == {}

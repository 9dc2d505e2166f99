"""The string catalogue and its start-up cache."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import platformdirs
import pytest

import data
from kiosk import i18n


@pytest.fixture
def fresh_catalogue():
    i18n.catalogue.cache_clear()
    yield
    i18n.catalogue.cache_clear()


def cache_file() -> Path:
    return Path(platformdirs.user_cache_dir("pst-kiosk")) / "strings.json"


def parsed() -> dict[str, dict[str, str]]:
    return i18n._flatten(tomllib.loads(data.path("strings.toml").read_text()))


def test_the_cache_holds_what_the_toml_says(fresh_catalogue):
    assert not cache_file().exists()
    first = i18n.catalogue()
    assert first == parsed() and cache_file().exists()
    i18n.catalogue.cache_clear()
    assert i18n.catalogue() == first  # now read from the cache
    assert i18n.t("sync.online", "en") == "Online"


def test_a_cache_of_another_catalogue_is_never_served(fresh_catalogue):
    """An upgrade that edits strings.toml changes its digest: the old cache is ignored."""
    i18n.catalogue()
    stale = json.loads(cache_file().read_text())
    stale["sha256"] = "0" * 64
    stale["strings"]["sync.online"] = {"id": "BASI", "en": "STALE"}
    cache_file().write_text(json.dumps(stale))
    i18n.catalogue.cache_clear()
    assert i18n.t("sync.online", "en") == "Online"
    assert json.loads(cache_file().read_text())["sha256"] != "0" * 64  # rewritten


@pytest.mark.parametrize("content", [b"", b"{not json", b"[]", b'{"sha256": 1}', b"\xff\xfe"])
def test_a_broken_cache_means_parsing_not_failing(fresh_catalogue, content):
    cache_file().parent.mkdir(parents=True, exist_ok=True)
    cache_file().write_bytes(content)
    assert i18n.catalogue() == parsed()


def test_an_unwritable_cache_dir_means_parsing_not_failing(fresh_catalogue, monkeypatch, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert i18n.catalogue() == parsed()

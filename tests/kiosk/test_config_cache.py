"""The settings validated once are kept (issue 17's start-up): a face or command started again
with the same file, environment and options skips pydantic's model building, and any change,
a broken value above all, is validated and told exactly as before."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk import config
from kiosk.errors import ConfigError
from tests.conftest import write_config


def _entries() -> list[Path]:
    return sorted(config._cache_dir().glob("*.pickle"))


def _fresh_error(path: Path, **kwargs: object) -> str:
    """The message a load with no cache at all gives."""
    for entry in _entries():
        entry.unlink()
    with pytest.raises(ConfigError) as caught:
        config._validate(path, config._parse(path, config._read_bytes(path)), db=kwargs.get("db"),
                         printer=kwargs.get("printer"))  # type: ignore[arg-type]
    return caught.value.message("id")


def test_the_same_inputs_give_the_same_settings_from_the_cache(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    first = write_config(path, tmp_path / "pst.db", counters=4)
    assert len(_entries()) == 1 and (_entries()[0].stat().st_mode & 0o777) == 0o600
    again = config.load(path)
    assert again == first and again.model_fields_set == first.model_fields_set
    assert again.office.tz.key == "Asia/Jakarta" and again.office.counters == 4
    assert again.db_path == tmp_path / "pst.db"
    assert again.at_counter(2).destination("counter") == "default"


def test_an_option_or_the_environment_is_part_of_what_is_kept(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "config.toml"
    write_config(path, tmp_path / "pst.db")
    monkeypatch.setenv("PST_KIOSK_PRINTER", "file:/dev/null")
    from_env = config.load(path)
    assert from_env.printer.url == "file:/dev/null" and config.load(path).printer.url == "file:/dev/null"
    assert config.load(path, db=tmp_path / "other.db").db_path == tmp_path / "other.db"
    monkeypatch.delenv("PST_KIOSK_PRINTER")
    assert config.load(path).printer.url == "none" and config.load(path).db_path == tmp_path / "pst.db"
    assert len(_entries()) == 3  # each combination its own entry, none overwriting another's


def test_a_file_broken_after_it_was_kept_is_refused_as_before(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    write_config(path, tmp_path / "pst.db")
    config.load(path)
    path.write_text(path.read_text().replace("counters = 3", "counters = 0"))
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    told = caught.value.message("id")
    assert "office.counters" in told and told == _fresh_error(path)
    path.write_text("[office\ncode = 1")
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert "config.toml" in caught.value.message("id")


def test_an_option_refused_after_a_good_start_is_refused_as_before(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "config.toml"
    write_config(path, tmp_path / "pst.db")
    config.load(path)
    monkeypatch.setenv("PST_KIOSK_PRINTER", "lpt1")
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    told = caught.value.message("en")
    assert "PST_KIOSK_PRINTER" in told and "lpt1" in told
    with pytest.raises(ConfigError) as again:  # an error is never kept: told again, the same
        config.load(path)
    assert again.value.message("en") == told


def test_the_chime_file_is_looked_for_at_every_start(tmp_path: Path) -> None:
    """The one validator that reads something besides the file: a chime deleted since is
    refused at the next start, not played as silence."""
    chime = tmp_path / "chime.wav"
    chime.write_bytes(b"RIFF")
    path = tmp_path / "config.toml"
    write_config(path, tmp_path / "pst.db")
    path.write_text(path.read_text() + f'\n[display]\nchime = "{chime}"\n')
    assert config.load(path).display.chime == str(chime) and config.load(path).display.chime == str(chime)
    chime.unlink()
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    assert "display.chime" in caught.value.message("en")


def test_a_damaged_or_foreign_cache_entry_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    settings = write_config(path, tmp_path / "pst.db")
    (entry,) = _entries()
    entry.write_bytes(b"not a pickle")
    assert config.load(path) == settings  # validated again, and kept again
    assert entry.read_bytes() != b"not a pickle"
    os.chmod(entry, 0o666)  # writable by others: unpickling it could run their code
    other = config.load(path)
    assert other == settings and (entry.stat().st_mode & 0o777) == 0o600  # replaced

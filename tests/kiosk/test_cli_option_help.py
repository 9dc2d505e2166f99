"""Every option of every command explains itself in --help, in the reader's language."""

from __future__ import annotations

import argparse

import pytest

from kiosk import cli


def _options(parser, path=()):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, (*path, name))
        elif action.option_strings:
            yield " ".join(path), action


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_option_stands_unexplained(lang):
    parser = cli.build_parser({"kiosk": None, "counter": None, "display": None},
                              serve=lambda: None, lang=lang, dashboard=lambda: None)
    bare = [f"{where} {action.option_strings[-1]}" for where, action in _options(parser)
            if action.help is None]
    assert bare == []
    helps = {(where, action.option_strings[-1]): action.help for where, action in _options(parser)}
    assert helps[("report month", "--json")] == ("keluaran JSON, untuk skrip" if lang == "id" else "JSON output, for scripts")
    assert helps[("init", "--paper")].startswith("lebar kertas" if lang == "id" else "the printer's paper width")


def test_init_help_tells_the_office_name(capsys):
    with pytest.raises(SystemExit):
        cli.main(["init", "--help"])
    out = capsys.readouterr().out
    assert "nama kantor, mis. \"BPS Kota Sawahlunto\"" in out

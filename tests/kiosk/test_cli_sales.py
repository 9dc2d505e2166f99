"""The sales commands as scripts use them: the catalogue in force and orders."""

import json

import pytest

from kiosk import config, reference
from kiosk.catalogue import shipped
from kiosk.store import Store
from screens.main import main


@pytest.fixture
def env(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PST_KIOSK_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("PST_KIOSK_DB", str(tmp_path / "pst.db"))
    assert main(["init", "--office-code", "1373", "--office-name", "PST BPS Kota Sawahlunto",
                 "--printer", "none"]) == 0
    capsys.readouterr()
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _store(env):
    return Store(config.load(env / "config.toml").db_path)


def test_catalogue_shows_the_one_the_centre_published(env, capsys):
    payload = shipped().model_dump(mode="json")
    product = next(p for p in payload["regulation"][0]["product"] if p["code"] == "peta-kabkota-desa")
    product["price"] = 75_000
    with _store(env) as store:
        reference.apply(store, "catalogue", payload)
    code, out, _ = run(capsys, "catalogue", "--json")
    prices = {p["code"]: p["price"] for p in json.loads(out)["products"]}
    assert code == 0 and prices["peta-kabkota-desa"] == 75_000
    code, out, _ = run(capsys, "catalogue")
    assert code == 0 and "Rp75.000" in out and "Rp70.000" not in out

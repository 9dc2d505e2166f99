"""Imports flow one way (screens -> kiosk -> printers); every catalogue key has both languages
and every key the code uses exists."""

import re
import subprocess
import sys
from pathlib import Path

from kiosk.i18n import LANGUAGES, catalogue

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "BROKEN" not in proc.stdout


def test_every_string_has_indonesian_and_english():
    for key, texts in catalogue().items():
        for lang in LANGUAGES:
            assert texts.get(lang), f"{key} lacks {lang}"
        assert set(re.findall(r"{(\w+)}", texts["id"])) == set(re.findall(r"{(\w+)}", texts["en"])), key


def test_every_key_used_in_code_exists():
    used = set()
    pattern = re.compile(r"""\bt\(\s*["']([a-z_]+(?:\.[a-z_]+)+)["']""")
    for folder in ("kiosk", "screens", "printers"):
        for path in (ROOT / folder).rglob("*.py"):
            used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    missing = sorted(k for k in used if k not in catalogue())
    assert not missing

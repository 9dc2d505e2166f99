"""The deploy kit (deploy/): every systemd unit runs commands and options the program has
(parsed by the real command-line parser, and `--help` of each run for real), the faces
restart when they die, and `systemd-analyze verify` passes where it is installed."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
UNITS = sorted((ROOT / "deploy" / "systemd").glob("*.service")) + sorted((ROOT / "deploy" / "systemd").glob("*.timer"))
INSTALLED = "/opt/pst-kiosk/venv/bin/pst-kiosk"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path)
    return parser


def _commands(path: Path) -> list[list[str]]:
    unit = _unit(path)
    if not unit.has_section("Service"):
        return []
    return [shlex.split(value) for key, value in unit.items("Service")
            if key.startswith("Exec") and value.strip()]


def test_the_kit_has_a_unit_for_each_face_serve_and_both_timers():
    names = {p.name for p in UNITS}
    assert {"pst-kiosk-kiosk.service", "pst-kiosk-display.service", "pst-kiosk-serve.service",
            "pst-kiosk-backup.service", "pst-kiosk-backup.timer", "pst-kiosk-maintenance.service",
            "pst-kiosk-maintenance.timer"} <= names
    for timer in (p for p in UNITS if p.suffix == ".timer"):
        service = timer.with_suffix(".service")
        assert service.exists() and _unit(timer).get("Timer", "Persistent") == "true"
    rules = (ROOT / "deploy" / "udev" / "60-pst-kiosk-printer.rules").read_text()
    assert 'GROUP="lp"' in rules and 'SUBSYSTEM=="usb"' in rules


@pytest.mark.parametrize("path", [p for p in UNITS if p.suffix == ".service"], ids=lambda p: p.name)
def test_every_unit_names_commands_and_options_that_exist(path):
    from kiosk.cli import build_parser
    from screens.main import FACES, run_serve

    parser = build_parser(FACES, run_serve, "en")
    commands = _commands(path)
    assert commands, f"{path.name} runs nothing"
    for argv in commands:
        assert argv[0] == INSTALLED, argv
        args = parser.parse_args(argv[1:])  # exits (SystemExit) on an unknown command or option
        assert args.command == argv[1]
        # And the installed program's own --help for that command runs.
        words = [w for w in argv[1:] if not w.startswith("-")][:1]
        if argv[1] == "serve":
            words = ["serve"]
        done = subprocess.run([sys.executable, "-m", "screens.main", *words, "--help"], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("face", ["kiosk", "display"])
def test_the_faces_boot_onto_a_console_and_come_back_when_they_die(face):
    service = _unit(ROOT / "deploy" / "systemd" / f"pst-kiosk-{face}.service")
    tty = service.get("Service", "TTYPath")
    assert tty.startswith("/dev/tty") and service.get("Service", "StandardInput") == "tty"
    assert f"getty@{tty.removeprefix('/dev/')}.service" in service.get("Unit", "Conflicts")
    assert service.get("Service", "Restart") == "on-failure"
    assert service.get("Install", "WantedBy") == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_passes(tmp_path):
    # The units name the installed path; here the program is this checkout's venv.
    program = Path(sys.executable).with_name("pst-kiosk")
    for path in UNITS:
        (tmp_path / path.name).write_text(path.read_text().replace(INSTALLED, str(program)))
    done = subprocess.run(["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr

"""Issue 17: the records every face reads before its first paint are plain dataclasses
(kiosk/plain.py); read from the store they are what pydantic made of the same rows before,
and anything in another form is still validated (and refused) by pydantic."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError, create_model

from kiosk import config, services
from kiosk.plain import adapter
from kiosk.queue import Ticket, _plain_ticket
from tests.conftest import write_config

ROOT = Path(__file__).resolve().parents[2]


def _as_model(cls: type) -> type[BaseModel]:
    """The pydantic model the record was before (the same fields and types)."""
    from dataclasses import MISSING, fields
    from typing import get_type_hints

    hints = get_type_hints(cls)
    return create_model(cls.__name__, **{  # type: ignore[call-overload]
        f.name: (hints[f.name], ... if f.default is MISSING else f.default) for f in fields(cls)})


def test_tickets_read_from_the_store_are_what_pydantic_made_of_their_rows(store, queue, clock):
    first = queue.take("B")
    queue.take("C", priority=True)
    called = queue.call_next(1)
    queue.start(called.id)
    clock.advance(minutes=3)
    queue.finish(called.id)
    queue.take("A")
    moved = queue.transfer(queue.call_next(2).id, "konsultasi")
    rows = store.rows("SELECT * FROM tickets")
    model = _as_model(Ticket)
    for row in rows:
        plain = _plain_ticket(row)
        assert plain is not None, row  # the store's own forms: read directly
        assert plain.model_dump() == model.model_validate(row).model_dump()
        assert plain.public() == model.model_validate(row).model_dump(mode="json")
    assert {t.id for t in queue.list()} >= {first.id, moved.id}


def test_a_row_in_another_form_is_validated_by_pydantic(store, queue):
    row = store.row("SELECT * FROM tickets WHERE id = ?", (queue.take("B").id,))
    other = {**row, "issued_at": "2026-11-23T02:00:00Z", "day": date(2026, 11, 23), "priority": True}
    assert _plain_ticket(other) is None
    ticket = Ticket.from_row(other)
    assert ticket.issued_at == datetime(2026, 11, 23, 2, tzinfo=timezone.utc) and ticket.priority is True
    for bad in ({"seq": "x"}, {"status": "lost"}, {"issued_at": "yesterday"}, {"priority": 2}):
        assert _plain_ticket({**row, **bad}) is None
        with pytest.raises(ValidationError):
            Ticket.from_row({**row, **bad})


def test_records_dump_and_validate_as_their_models_did():
    now = datetime(2026, 11, 23, 2, 0, 0, 123456, tzinfo=timezone.utc)
    ticket = Ticket(id="t1", number="B-001", service="penjualan", letter="B", seq=1, day=date(2026, 11, 23),
                    status="waiting", priority=False, issued_at=now, queued_at=now)
    assert ticket.model_dump_json() == _as_model(Ticket).model_validate(ticket.model_dump()).model_dump_json()
    assert ticket.model_copy(update={"status": "called"}).status == "called" and ticket.status == "waiting"
    assert adapter(Ticket) is adapter(Ticket)
    for when in (now, now.replace(microsecond=0), now.astimezone(timezone(timedelta(hours=7)))):
        other = ticket.model_copy(update={"issued_at": when, "called_at": when, "counter": 2, "wait_seconds": 4})
        assert other.public() == adapter(Ticket).dump_python(other, mode="json")  # made directly, the same


def test_the_services_file_read_plainly_is_what_pydantic_reads():
    import tomllib

    raw = tomllib.loads(services.data.path("services.toml").read_text())
    assert services._plainly_valid(raw)
    assert [services.Service(**{k: e.get(k) for k in services._FIELDS}) for e in raw["service"]] == [
        services.Service(**e) for e in services._check(raw)]
    broken = [{**raw, "service": []}, {"service": [{**raw["service"][0], "letter": "G"}]},
              {"service": [{**raw["service"][0], "code": "Bad Code"}]},
              {"service": [{**raw["service"][0], "short_id": ""}]},
              {"service": [raw["service"][0], raw["service"][0]]},
              {"service": [{**raw["service"][0], "colour": "red"}]}]
    for bad in broken:
        assert not services._plainly_valid(bad)
        with pytest.raises(ValidationError):
            services._check(bad)
    # Not read plainly, yet pydantic takes it (a key beside the list): the same services.
    noted = {**raw, "note": 1}
    assert not services._plainly_valid(noted) and services._check(noted) == services._check(raw)


PROBE = textwrap.dedent("""
    import json, sys
    from kiosk import config
    settings = config.load(sys.argv[1])
    print(json.dumps({"pydantic": "pydantic" in sys.modules, "view": isinstance(settings, config.SettingsView),
                      "tz": settings.office.tz.key, "counters": settings.office.counters,
                      "destination": settings.at_counter(2).destination("counter"),
                      "names": settings.printer_names(), "db": str(settings.db_path)}))
""")


def _probe(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, cwd=ROOT,
                          env=os.environ, timeout=120)


def test_settings_kept_are_read_back_without_pydantic_and_a_changed_file_is_validated(tmp_path: Path):
    path = tmp_path / "config.toml"
    write_config(path, tmp_path / "pst.db", counters=4)  # validated and kept
    said = json.loads(_probe(path).stdout)
    assert said == {"pydantic": False, "view": True, "tz": "Asia/Jakarta", "counters": 4,
                    "destination": "default", "names": ["default"], "db": str(tmp_path / "pst.db")}
    path.write_text(path.read_text().replace("counters = 4", "counters = 5"))
    said = json.loads(_probe(path).stdout)
    assert said["pydantic"] and not said["view"] and said["counters"] == 5  # validated again
    path.write_text(path.read_text().replace("counters = 5", "counters = 0"))
    proc = _probe(path)
    assert proc.returncode != 0 and "office.counters" in proc.stderr  # and refused as before


def test_the_view_of_kept_settings_is_the_validated_settings(tmp_path: Path):
    path = tmp_path / "config.toml"
    path.write_text('db = "%s"\n[office]\ncode = "1373"\ncounters = 4\n[printers.loket1]\nurl = "none"\n'
                    'paper_mm = 58\n[counter]\nprinters = {2 = "loket1"}\n' % (tmp_path / "pst.db"))
    first = config.load(path, printer="file:/dev/null")
    again = config.load(path, printer="file:/dev/null")
    assert isinstance(again, config.SettingsView) and not isinstance(first, config.SettingsView)
    assert again == first and again.real().model_dump() == first.model_dump()
    assert again.model_fields_set == first.model_fields_set and again._db_source == first._db_source
    for counter in (None, 1, 2):
        assert again.at_counter(counter).destination("counter") == first.at_counter(counter).destination("counter")
    assert again.printer_names() == first.printer_names()
    assert again.printer_named("loket1") == first.printer_named("loket1")
    assert again.counter.printers == {2: "loket1"} and again.printers["loket1"].paper_mm == 58
    changed = again.model_copy(update={"kiosk": again.kiosk.model_copy(update={"staff_exit_code": "135790"})})
    assert changed.kiosk.staff_exit_code == "135790" and again.kiosk.staff_exit_code != "135790"
    assert changed.real().kiosk.staff_exit_code == "135790" and "kiosk" in changed.model_fields_set

"""The central view against the real PostgreSQL: two provinces, three offices, a province
reader and a national reader. Each sees exactly its offices, never a person; every figure
of the central report equals a hand count of the fixture (and the office's own report);
an office's role still reads nothing of another office."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime

import psycopg
import pytest
from psycopg.types.json import Jsonb

from kiosk import accounts, reports, sales, survey
from kiosk.sales import payments
from kiosk.central import admin as central
from kiosk.central import readers, sync
from kiosk.central.report import central_report
from kiosk.clock import FixedClock
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store
from kiosk.tickets import issue_ticket, queue_for
from tests.conftest import write_config
from tests.kiosk.test_sync import ADMIN_DSN, SITI, central_cli

DAY = date(2026, 3, 2)
OPEN = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Jakarta
PASSWORD = "Reader-Password-1"
SECRETS = ("Siti", "Aminah", "3273014101900001", "siti@example.com", "0812", "lambat sekali", "Budi")


@pytest.fixture(scope="module")
def centre(tmp_path_factory):
    """The centre with three offices' day pushed by the real sync, and two readers."""
    name = f"pst_t_{uuid.uuid4().hex[:10]}"
    prefix = f"{name}_o_"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    dsn = f"host=127.0.0.1 user=postgres dbname={name}"
    central.init(dsn, role_prefix=prefix)
    tmp = tmp_path_factory.mktemp("centre")
    pg = {"dsn": dsn, "db": name, "prefix": prefix, "tmp": tmp}
    try:
        for code in ("1371", "1373", "1471"):
            central.add_office(dsn, code, name=f"BPS {code}")
        pg["stores"] = {"1373": _office_1373(pg), "1371": _office_1371(pg), "1471": _office_1471(pg)}
        _desk_records(dsn)
        readers.add_reader(dsn, f"{name}_r13", province="13", password=PASSWORD)
        readers.add_reader(dsn, f"{name}_rnat", province=None, password=PASSWORD)
        pg["province"] = f"host=127.0.0.1 user={name}_r13 password={PASSWORD} dbname={name} sslmode=disable"
        pg["national"] = f"host=127.0.0.1 user={name}_rnat password={PASSWORD} dbname={name} sslmode=disable"
        yield pg
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for (role,) in conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s",
                                        (name + "%",)).fetchall():
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def _settings(pg, code):
    settings = write_config(pg["tmp"] / f"{code}.toml", pg["tmp"] / f"{code}.db", code=code)
    return settings.model_validate({**settings.model_dump(mode="json"), "central_dsn": _office_dsn(pg, code)})


def _office_dsn(pg, code):
    return f"host=127.0.0.1 user={pg['prefix']}{code} dbname={pg['db']} sslmode=disable"


def _serve(store, settings, service, wait_minutes, *, finish=True):
    """One ticket taken now, called after ``wait_minutes``, served for 5 minutes."""
    issued = issue_ticket(store, settings, service).ticket
    queue = queue_for(store, settings)
    store.clock.advance(minutes=wait_minutes)
    called = queue.call_next(1, [issued.service])
    assert called.id == issued.id
    if finish:
        queue.start(called.id)
        store.clock.advance(minutes=5)
        queue.finish(called.id)
    return called


def _rate(store, settings, ticket, score):
    queue = queue_for(store, settings)
    survey.submit(store, queue, survey.find_rateable(store, queue, ticket.number), dict.fromkeys(survey.ELEMENTS, score))


def _office_1373(pg):
    """Sawahlunto: a guest's visit (sales), three consultations waited 2, 4 and 12 minutes,
    one no-show, one still waiting at closing; two ratings; one order paid cash, receipted."""
    settings = _settings(pg, "1373")
    with Store(settings.db_path, clock=FixedClock(OPEN)) as store:
        reg = register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        queue = queue_for(store, settings)
        store.clock.advance(minutes=3)
        queue.call_next(1, ["penjualan"])
        queue.start(reg.issued.ticket.id)
        queue.finish(reg.issued.ticket.id)
        first = _serve(store, settings, "C", 2)
        second = _serve(store, settings, "C", 4)
        _serve(store, settings, "C", 12)
        gone = issue_ticket(store, settings, "C").ticket
        queue.call_next(1, ["konsultasi"])
        queue.no_show(gone.id)
        store.clock.advance(minutes=30)
        issue_ticket(store, settings, "C")  # never called: past the standard at closing
        _rate(store, settings, first, 4)
        _rate(store, settings, second, 3)
        boss = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        treasurer = accounts.add_user(store, boss, username="rina", name="Rina", role="bendahara", pin="435162")
        order = sales.create_order(store, settings, boss, guest_id=reg.guest_id)
        sales.add_line(store, boss, order.id, product="publikasi-elektronik", measure=10)
        sales.agree(store, boss, order.id)
        sales.check_documents(store, boss, order.id)
        sales.issue_invoice(store, settings, boss, order.id)
        total = sales.get(store, order.id).total
        payments.submit_payment(store, treasurer, order.id, method="cash", amount=total)
        payments.verify_payment(store, treasurer, order.id)
        payments.issue_receipt(store, settings, treasurer, order.id)
        assert sync.run(store, settings).ok
    return settings


def _office_1371(pg):
    """Padang: two library tickets waited 1 and 6 minutes; one rating of 2."""
    settings = _settings(pg, "1371")
    with Store(settings.db_path, clock=FixedClock(OPEN)) as store:
        first = _serve(store, settings, "A", 1)
        _serve(store, settings, "A", 6)
        _rate(store, settings, first, 2)
        assert sync.run(store, settings).ok
    return settings


def _office_1471(pg):
    """Pekanbaru (another province): one consultation waited 20 minutes; a guest named Budi."""
    settings = _settings(pg, "1471")
    with Store(settings.db_path, clock=FixedClock(OPEN)) as store:
        budi = {**SITI, "name": "Budi Santoso", "email": "budi@example.com", "id_number": "1471011203850002"}
        reg = register_visit(store, settings, service="C", purpose="tugas", consent=True, guest=validate_guest(budi))
        store.clock.advance(minutes=20)
        queue_for(store, settings).call_next(1)
        assert reg.issued.ticket.number
        assert sync.run(store, settings).ok
    return settings


def _record(conn, table, office, data):
    conn.execute(f"INSERT INTO pst.{table} (office_code, id, data, change_id, changed_at)"
                 " VALUES (%s, %s, %s, %s, now())", (office, data["id"], Jsonb(data), data["id"]))


def _desk_records(dsn):
    """Service records and complaints as 15a's push leaves them (the contract's payloads)."""
    with psycopg.connect(dsn) as conn:
        for i, (service, outcome, subject) in enumerate([
                ("konsultasi", "answered", "inflasi"), ("konsultasi", "not_available", "kependudukan"),
                ("konsultasi", "not_available", "kependudukan"), ("perpustakaan", None, None)]):
            _record(conn, "service_records", "1373", {
                "id": f"sr{i}", "ticket_id": f"t{i}", "day": DAY.isoformat(), "service": service,
                "subject": subject, "indicator": "jumlah penduduk per desa" if outcome == "not_available" else "ihk",
                "region_level": "desa", "period": "2025", "outcome": outcome, "source": None,
                "note": "Siti minta dikirim ke siti@example.com", "publications": []})
        _record(conn, "service_records", "1471", {
            "id": "sr9", "day": DAY.isoformat(), "service": "konsultasi", "outcome": "not_available",
            "subject": "pertanian", "indicator": "luas panen", "region_level": "kecamatan", "period": "2024"})
        for i, (status, answered, due) in enumerate([("answered", "2026-03-03T02:00:00Z", "2026-03-09"),
                                                     ("closed", "2026-03-20T02:00:00Z", "2026-03-09"),
                                                     ("in_follow_up", None, "2026-03-09")]):
            _record(conn, "complaints", "1373", {
                "id": f"c{i}", "number": f"ADU/1373/2026/000{i + 1}", "channel": "kiosk", "kind": "complaint",
                "status": status, "received_at": "2026-03-02T03:00:00Z", "due_date": due,
                "answered_at": answered, "closed_at": None, "text": "Pelayanan lambat sekali, Siti 0812",
                "contact_masked": "0812****99", "responses": [{"at": answered, "by": "admin", "text": "Maaf, Siti"}]})


def _report(dsn, **kw):
    with psycopg.connect(dsn) as conn:
        return central_report(conn, DAY, DAY, now=datetime(2026, 3, 2, 12, tzinfo=UTC), **kw)


def _rows(dsn, query):
    with psycopg.connect(dsn) as conn:
        return conn.execute(query).fetchall()


VIEWS = ("r_offices", "r_tickets", "r_visits", "r_ratings", "r_sales", "r_service_records", "r_complaints", "r_sync")


def test_each_reader_sees_exactly_its_offices_and_never_a_person(centre):
    for dsn, offices in ((centre["province"], {"1371", "1373"}), (centre["national"], {"1371", "1373", "1471"})):
        for view in VIEWS:
            rows = _rows(dsn, f"SELECT * FROM pst.{view}")
            assert rows, view
            assert {r[0] for r in rows} <= offices, view
            text = json.dumps([list(r) for r in rows], default=str)
            assert not [s for s in SECRETS if s in text], view
        assert {r[0] for r in _rows(dsn, "SELECT office_code FROM pst.r_tickets")} == offices
        # Below the views: the typed columns only; a record's data, the guests, the outbox never.
        for query in ("SELECT data FROM pst.tickets", "SELECT * FROM pst.guests", "SELECT payload FROM pst.changes",
                      "SELECT data FROM pst.complaints", "SELECT * FROM pst.visits", "SELECT * FROM pst.audit"):
            with psycopg.connect(dsn) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(query)
        # Read-only: nothing to write anywhere.
        with psycopg.connect(dsn) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("UPDATE pst.tickets SET change_id = 'x'")
    # An office's role still reads only its own rows, and not another's through the readers' policies.
    office = _office_dsn(centre, "1371")
    assert {r[0] for r in _rows(office, "SELECT office_code FROM pst.tickets")} == {"1371"}
    assert _rows(office, "SELECT count(*) FROM pst.tickets WHERE office_code <> '1371'") == [(0,)]
    assert _rows(office, "SELECT count(*) FROM pst.changes WHERE office_code <> '1371'") == [(0,)]
    assert _rows(office, "SELECT count(*) FROM pst.visits WHERE office_code <> '1371'") == [(0,)]


def _office(data, code):
    return next(o for o in data["offices"] if o["office"] == code)


def test_every_figure_equals_a_hand_count(centre):
    data = _report(centre["national"])
    assert [o["office"] for o in data["offices"]] == ["1371", "1373", "1471"]
    s = _office(data, "1373")
    assert s["visits"] == {"total": 1, "by_service": {"penjualan": 1}}
    assert {k: s["tickets"][k] for k in ("issued", "served", "no_show", "waiting_left", "in_service")} == \
        {"issued": 6, "served": 4, "no_show": 1, "waiting_left": 1, "in_service": 0}
    # Waits of the called: 3 (sales), 2, 4, 12, 0 (the no-show, called at once) minutes.
    assert s["waiting_minutes"] == {"median": 3.0, "p90": 8.8, "called": 5}
    # Within 10 minutes: 4 of the 5 called, and the one never called is a miss: 4 of 6.
    assert s["within_standard"] == {"minutes": 10, "count": 4, "uncalled_late": 1, "share": round(4 / 6, 4)}
    assert s["ikm"] == {"respondents": 2, "ikm": 87.5, "grade": "B"}
    assert s["sales"]["receipts"] == 1 and s["sales"]["by_method"] == {"cash": s["sales"]["receipts_total"]}
    assert s["sales"]["by_product"] == {"publikasi-elektronik": s["sales"]["receipts_total"]} \
        and s["sales"]["receipts_total"] > 0
    assert s["complaints"] == {"received": 3, "answered_in_time": 1, "open": 1}
    assert s["consultations"] == {"by_outcome": {"answered": 1, "not_available": 2}, "not_available": 2}
    assert s["data_not_available"] == [{"subject": "kependudukan", "indicator": "jumlah penduduk per desa",
                                        "region_level": "desa", "period": "2025", "count": 2}]
    assert s["last_sync"] and s["silent"] is False
    p = _office(data, "1371")
    assert p["tickets"]["issued"] == 2 and p["waiting_minutes"] == {"median": 3.5, "p90": 5.5, "called": 2}
    assert p["within_standard"]["share"] == 1.0 and p["ikm"] == {"respondents": 1, "ikm": 50.0, "grade": "D"}
    assert p["sales"]["receipts"] == 0 and p["complaints"]["received"] == 0
    k = _office(data, "1471")
    assert k["visits"]["total"] == 1 and k["tickets"]["in_service"] == 1
    assert k["within_standard"] == {"minutes": 10, "count": 0, "uncalled_late": 0, "share": 0.0}
    total = data["total"]
    assert total["tickets"]["issued"] == 9 and total["visits"]["total"] == 2
    assert total["visits"]["by_service"] == {"konsultasi": 1, "penjualan": 1}
    # All called waits: 3, 2, 4, 12, 0, 1, 6, 20 -> median 3.5, p90 14.4.
    assert total["waiting_minutes"] == {"median": 3.5, "p90": 14.4, "called": 8}
    assert total["within_standard"]["count"] == 6 and total["within_standard"]["share"] == round(6 / 9, 4)
    assert total["ikm"]["respondents"] == 3 and total["ikm"]["ikm"] == round((4 + 3 + 2) / 3 * 25, 2)
    assert total["consultations"]["not_available"] == 3 and total["silent"] == 0
    assert total["complaints"] == {"received": 3, "answered_in_time": 1, "open": 1}
    # The province reader gets the same figures for its offices, and its own total.
    prov = _report(centre["province"])
    assert [o["office"] for o in prov["offices"]] == ["1371", "1373"]
    assert _office(prov, "1373") == s and prov["total"]["tickets"]["issued"] == 8
    # Asking for another province gives nothing; one office gives that office.
    assert _report(centre["province"], province="14")["offices"] == []
    assert [o["office"] for o in _report(centre["national"], office="1471")["offices"]] == ["1471"]


def test_office_and_centre_agree(centre):
    data = _office(_report(centre["national"]), "1373")
    settings = centre["stores"]["1373"]
    with Store(settings.db_path, clock=FixedClock(datetime(2026, 3, 2, 12, tzinfo=UTC))) as store:
        boss = accounts.authenticate(store, "admin", "975318")
        local = reports.report(store, settings, boss, DAY, DAY)
    assert {k: local["tickets"][k] for k in reports.TICKET_FIGURES} == \
        {k: data["tickets"][k] for k in reports.TICKET_FIGURES}
    assert local["waiting_minutes"] == data["waiting_minutes"]
    # The office reports the plain issue-to-call share beside the standard's; the centre the latter.
    assert {k: local["within_standard"][k] for k in data["within_standard"]} == data["within_standard"]
    assert (local["ikm"]["ikm"], local["ikm"]["grade"]) == (data["ikm"]["ikm"], data["ikm"]["grade"])
    assert local["sales"]["by_product"] == data["sales"]["by_product"]
    assert local["sales"]["by_method"] == data["sales"]["by_method"]
    assert local["visits"]["by_service"] == data["visits"]["by_service"]


def test_add_reader_and_report_from_the_command_line(centre, tmp_path, monkeypatch, capsys):
    run = lambda dsn, *args, **kw: central_cli(monkeypatch, capsys, tmp_path, dsn, *args, **kw)  # noqa: E731
    owner = centre["dsn"]
    name = f"{centre['db']}_rcli"
    status, _out, err = run(owner, "central", "add-reader", name, "--province", "1")
    assert status == 9 and "2 digits" in err
    status, _out, err = run(owner, "central", "add-reader", "X!", "--national")
    assert status == 9
    status, _out, err = run(owner, "central", "add-reader", name, "--national", env={"PST_KIOSK_NEW_PASSWORD": "short"})
    assert status == 9 and "at least 12" in err
    status, _out, err = run(owner, "central", "add-reader", f"{centre['prefix']}1373", "--national",
                            env={"PST_KIOSK_NEW_PASSWORD": PASSWORD})
    assert status == 5 and "not a reader" in err
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    status, out, err = run(owner, "central", "add-reader", name, "--province", "14")
    assert status == 0, err
    assert "province 14" in out
    status, _out, err = run(owner, "central", "add-reader", name, "--province", "14",
                            env={"PST_KIOSK_NEW_PASSWORD": PASSWORD})
    assert status == 5 and "--reset-password" in err
    # An office's role may not add readers.
    status, _out, err = run(_office_dsn(centre, "1373"), "central", "add-reader", f"{name}x", "--national",
                            env={"PST_KIOSK_NEW_PASSWORD": PASSWORD})
    assert status == 11
    reader = f"host=127.0.0.1 user={name} password={PASSWORD} dbname={centre['db']} sslmode=disable"
    status, out, err = run(reader, "central", "report", "day", "--date", DAY.isoformat(), "--json")
    assert status == 0, err
    data = json.loads(out)
    assert [o["office"] for o in data["offices"]] == ["1471"] and data["total"]["tickets"]["issued"] == 1
    status, out, err = run(centre["national"], "central", "report", "range", "--from", "2026-03-01",
                           "--to", "2026-03-31", "--csv")
    assert status == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["office"] for r in rows] == ["1371", "1373", "1471", ""]
    assert rows[1]["tickets.issued"] == "6" and rows[3]["tickets.issued"] == "9"
    assert rows[1]["sales.by_method.cash"] == rows[1]["sales.receipts_total"]
    status, out, err = run(centre["national"], "central", "report", "month", "--month", "2026-03")
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("PST central report: every office visible, 2026-03-01 to 2026-03-31")
    assert any(line.startswith("1373") and "3/1/1" in line and "66,7%" not in line and "66.7%" in line for line in lines)
    assert any(line.startswith("Total") for line in lines)
    assert "Data sought and not available:" in out and "kependudukan / jumlah penduduk per desa" in out
    status, _out, err = run(centre["national"], "central", "report", "day", "--province", "1")
    assert status == 9


def test_an_office_that_never_synced_is_flagged_silent(centre):
    central.add_office(centre["dsn"], "1399", name="BPS Baru")  # last in this module: it changes the offices
    data = _report(centre["province"])
    quiet = _office(data, "1399")
    assert quiet["last_sync"] is None and quiet["silent"] is True and quiet["tickets"]["issued"] == 0
    assert data["total"]["silent"] == 1 and _office(data, "1373")["silent"] is False
    from kiosk.central.report import row_cells

    assert row_cells(quiet, "en", UTC)[-1] == "! never"

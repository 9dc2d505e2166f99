"""`pst-kiosk restore` against the real PostgreSQL: one terminal at a time, rows counted as
written, accounts, ratings and the audit trail back, partial (anonymised) records, a
restored terminal restored again, a clash refused with nothing written."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import psycopg
import pytest

from kiosk import accounts, lockers, privacy, survey
from kiosk.central import restore, sync
from kiosk.clock import FixedClock
from kiosk.errors import Refused
from kiosk.guestbook import register_visit, validate_guest
from kiosk.store import Store
from kiosk.tickets import issue_ticket, queue_for
from tests.conftest import write_config
from tests.kiosk.test_sync import SITI, central_rows, office, office_dsn, pg  # noqa: F401 - pg is a fixture


def fresh(tmp_path, pg, name="new"):  # noqa: F811
    settings = write_config(tmp_path / f"{name}.toml", tmp_path / f"{name}.db", code="1373")
    return settings.model_validate({**settings.model_dump(mode="json"), "central_dsn": office_dsn(pg, "1373")})


def cli(monkeypatch, capsys, settings, *args):
    from screens.main import main

    monkeypatch.setenv("PST_KIOSK_CONFIG", str(settings.db_path.with_suffix(".toml")))
    monkeypatch.setenv("PST_KIOSK_DB", str(settings.db_path))
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", settings.central_dsn)
    capsys.readouterr()
    status = main(list(args))
    out = capsys.readouterr()
    return status, out.out, out.err


def test_two_terminals_of_an_office_are_restored_one_at_a_time_never_mixed(tmp_path, pg, monkeypatch,  # noqa: F811
                                                                          capsys):
    pcs = [office(tmp_path, pg, "1373", name=n) for n in ("pc1", "pc2")]
    ids = []
    for settings in pcs:
        with Store(settings.db_path) as store:
            for _ in range(3):
                issue_ticket(store, settings, "B")  # both PCs issue B-001..B-003 today
            assert sync.run(store, settings).ok
            ids.append(store.terminal_id)
    target = fresh(tmp_path, pg)
    status, _out, err = cli(monkeypatch, capsys, target, "restore", "--office", "1373")
    assert status == 5 and ids[0] in err and ids[1] in err and "--terminal" in err and "Traceback" not in err
    status, _out, err = cli(monkeypatch, capsys, target, "restore", "--office", "1373", "--terminal", "nope")
    assert status == 3 and ids[0] in err
    status, out, err = cli(monkeypatch, capsys, target, "--lang", "en", "restore", "--office", "1373",
                           "--terminal", ids[1])
    assert status == 0, err
    assert "3 tickets" in out and ids[1] in out
    assert "0 service records, 0 complaints/suggestions" in out  # every table restored is told
    with Store(target.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 3
        assert queue_for(store, target).take("B").number == "B-004"


def test_accounts_ratings_and_the_audit_trail_come_back(tmp_path, pg):  # noqa: F811
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        reg = register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        queue = queue_for(store, settings).as_user(admin)
        ticket = queue.call_next(1)
        queue.start(ticket.id)
        queue.finish(ticket.id)
        rateable = survey.find_rateable(store, queue, reg.issued.ticket.number)
        survey.submit(store, queue, rateable, {code: 4 for code in survey.ELEMENTS})
        trail = store.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0]
        assert sync.run(store, settings).ok
    target = fresh(tmp_path, pg)
    with Store(target.db_path) as store:
        done = restore.restore(store, target, dsn=None, office_code="1373")
        assert done.restored["ratings"] == 1 and done.restored["audit"] == trail and done.restored["users"] == 1
        assert {t: store.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in done.restored} == \
            done.restored  # the counts are the rows written
        admin = accounts.authenticate(store, "admin", "975318")
        queue = queue_for(store, target).as_user(admin)
        with pytest.raises(Refused) as err:
            survey.find_rateable(store, queue, reg.issued.ticket.number)
        assert err.value.key == "survey.already"  # a visit is not rated twice


def test_anonymised_lockers_restore_even_when_the_centre_holds_only_their_id(tmp_path, pg):  # noqa: F811
    clock = FixedClock(datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc))
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        kept = [lockers.assign(store, settings, admin, id_type="ktp", id_number=n, holder_name=h).locker
                for n, h in (("3273014101900001", "Siti Aminah"), ("3273014101900002", "Budi Santoso"))]
        for locker in kept:
            lockers.return_card(store, admin, locker.id)
        clock.advance(days=40)
        assert privacy.purge(store, admin, older_than_days=30).lockers == 2
        assert sync.run(store, settings).ok
        terminal = store.terminal_id
    # An older version sent an anonymised locker as {"id": ...} alone: the centre holds that.
    with psycopg.connect(pg["dsn"]) as conn:
        later = str(uuid.UUID(int=uuid.UUID(conn.execute("SELECT max(change_id) FROM pst.changes").fetchone()[0]).int + 1))
        conn.execute("INSERT INTO pst.changes VALUES ('1373', %s, %s, 9999, 'locker', %s, 'anonymise',"
                     " jsonb_build_object('id', %s::text), now())", (later, terminal, kept[1].id, kept[1].id))
        conn.execute("UPDATE pst.lockers SET data = jsonb_build_object('id', id), change_id = %s WHERE id = %s",
                     (later, kept[1].id))
    target = fresh(tmp_path, pg)
    with Store(target.db_path) as store:
        done = restore.restore(store, target, dsn=None, office_code="1373")
        assert done.restored["lockers"] == 2 and done.skipped == {}
        rows = store.rows("SELECT locker_no, holder_name, id_masked, returned_at FROM lockers ORDER BY locker_no")
        assert [(r["locker_no"], r["holder_name"], r["id_masked"]) for r in rows] == \
            [(1, privacy.ANONYMOUS, "****"), (2, privacy.ANONYMOUS, "****")]
        assert all(r["returned_at"] for r in rows)


def test_a_restored_terminal_restores_again_with_what_it_inherited(tmp_path, pg):  # noqa: F811
    first = office(tmp_path, pg, "1373", name="pc1")
    with Store(first.db_path) as store:
        for _ in range(2):
            issue_ticket(store, first, "B")
        assert sync.run(store, first).ok
    second = fresh(tmp_path, pg, "pc2")
    with Store(second.db_path) as store:
        restore.restore(store, second, dsn=None, office_code="1373")
        assert queue_for(store, second).take("B").number == "B-003"
        newest = store.row("SELECT id FROM changes ORDER BY seq DESC LIMIT 1")["id"]
        sent = [uuid.UUID(r[0]).int for r in central_rows(pg, "SELECT change_id FROM pst.changes")]
        assert all(uuid.UUID(newest).int > s for s in sent)  # the new PC's ids start above the office's
        assert sync.run(store, second).ok
    third = fresh(tmp_path, pg, "pc3")
    with Store(third.db_path) as store:
        done = restore.restore(store, third, dsn=None, office_code="1373")  # pc1 was restored into pc2: no choice
        assert done.restored["tickets"] == 3
        assert queue_for(store, third).take("B").number == "B-004"


def test_a_clash_cancels_the_whole_restore(tmp_path, pg, monkeypatch, capsys):  # noqa: F811
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
        issue_ticket(store, settings, "B")
        assert sync.run(store, settings).ok
    with psycopg.connect(pg["dsn"]) as conn:  # a damaged centre: two rows claim B-001
        conn.execute("UPDATE pst.tickets SET data = data || '{\"seq\": 1, \"number\": \"B-001\"}'")
    target = fresh(tmp_path, pg)
    status, _out, err = cli(monkeypatch, capsys, target, "--lang", "en", "restore", "--office", "1373")
    assert status == 5 and "nothing written" in err and "tickets" in err
    with Store(target.db_path) as store:
        assert store.conn.execute("SELECT (SELECT COUNT(*) FROM tickets) + (SELECT COUNT(*) FROM changes)"
                                  " + (SELECT COUNT(*) FROM users)").fetchone()[0] == 0


def test_restore_with_the_centre_down_says_so(tmp_path, monkeypatch, capsys):
    target = write_config(tmp_path / "new.toml", tmp_path / "new.db", code="1373")
    target = target.model_validate({**target.model_dump(mode="json"),
                                    "central_dsn": "host=127.0.0.1 port=1 user=x password=s3cret dbname=x"})
    status, _out, err = cli(monkeypatch, capsys, target, "restore", "--office", "1373")
    assert status == 11 and "s3cret" not in err and "Traceback" not in err




def test_an_account_sent_without_its_pin_hash_is_reported_not_restored(tmp_path, pg, monkeypatch,  # noqa: F811
                                                                      capsys):
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        assert sync.run(store, settings).ok
    with psycopg.connect(pg["dsn"]) as conn:  # as an older version sent it
        conn.execute("UPDATE pst.users SET data = data - 'pin_hash'")
    target = fresh(tmp_path, pg)
    status, out, err = cli(monkeypatch, capsys, target, "--lang", "en", "restore", "--office", "1373")
    assert status == 0 and "0 accounts" in out and "1 accounts without a PIN hash" in err


def test_orders_come_back_with_the_npwp_masked_and_go_on(tmp_path, pg):  # noqa: F811
    from kiosk import sales
    from kiosk.sales import view as order_view, payments
    from kiosk.sales.papers import invoice_paper, receipt_paper
    from printers.render import render_text
    from printers.sales_documents import invoice_document, receipt_document

    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
        orders = []
        for name, npwp in (("Andi", "3273014101900001"), ("PT Data Maju", "01.855.081.4-005.000")):
            order = sales.create_order(store, settings, admin, customer_name=name, segment="swasta", npwp=npwp)
            sales.add_line(store, admin, order.id, product="publikasi-elektronik", measure=10)
            orders.append(order)
        sales.agree(store, admin, orders[0].id)
        sales.check_documents(store, admin, orders[0].id)
        sales.issue_invoice(store, settings, admin, orders[0].id)  # the second stays a draft
        assert sync.run(store, settings).ok
    sent = str(central_rows(pg, "SELECT payload FROM pst.changes")) + str(central_rows(pg, "SELECT data FROM pst.orders"))
    assert "3273014101900001" not in sent and "018550814005000" not in sent  # nor the 16 digits, 0 + these
    target = fresh(tmp_path, pg)
    with Store(target.db_path) as store:
        done = restore.restore(store, target, dsn=None, office_code="1373")
        assert done.restored["orders"] == 2 and done.skipped == {}
        invoiced, draft = (sales.get(store, o.id) for o in orders)
        assert (invoiced.npwp, draft.npwp) == ("3273********0001", "0018********5000")
        assert "NPWP 3273********0001" in render_text(invoice_document(invoice_paper(store, target, invoiced)))
        assert order_view.allowed_actions(store, target, invoiced, "admin") and order_view.timeline(invoiced)
        admin = accounts.authenticate(store, "admin", "975318")
        treasurer = accounts.authenticate(store, "rina", "435162")
        # A restored order goes on: paid and receipted, and a private draft with its masked NPWP agreed.
        payments.submit_payment(store, treasurer, invoiced.id, method="cash", amount=50_000)
        payments.verify_payment(store, treasurer, invoiced.id)
        paid = payments.issue_receipt(store, target, treasurer, invoiced.id)
        assert paid.status == "receipted" and render_text(receipt_document(receipt_paper(store, target, paid)))
        assert sales.agree(store, admin, draft.id).status == "agreed"
        assert sync.run(store, target).ok


def _guest_office_with_key_file(tmp_path, pg, code="1373", name="t"):  # noqa: F811
    """An office with one admin and Siti in its guestbook, synced; its key exported to a file."""
    settings = office(tmp_path, pg, code, name=name)
    key_file = tmp_path / f"id-key-{code}-{name}.json"
    with Store(settings.db_path) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        reg = register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        restore.export_id_key(store, settings, admin, key_file)
        key = store.meta("id_hash_key")
        assert sync.run(store, settings).ok
    return settings, key_file, key, reg.guest_id


def test_with_the_key_file_a_returning_visitor_is_recognised_and_made_whole(tmp_path, pg):  # noqa: F811
    from kiosk.guestbook import find_returning, id_hash

    _settings, key_file, key, guest_id = _guest_office_with_key_file(tmp_path, pg)
    target = fresh(tmp_path, pg)
    with Store(target.db_path) as store:
        done = restore.restore(store, target, dsn=None, office_code="1373", id_key_file=key_file)
        assert done.restored["guests"] == 1 and done.id_key == restore.key_fingerprint(key)
        assert store.meta("id_hash_key") == key
        sent = id_hash(store, SITI["id_number"])
        assert store.row("SELECT id_number FROM guests")["id_number"] == "HASH:" + sent
        found = find_returning(store, "3273 0141 0190 0001")
        assert found.model_dump() == {"guest_id": guest_id, "first_name": "Siti", "id_type": "ktp",
                                      "id_masked": "3273********0001"}
        reg = register_visit(store, target, service="A", purpose="tugas", consent=True,
                             guest=validate_guest({**SITI, "email": "siti.baru@example.com"}))
        assert reg.returning and reg.guest_id == guest_id
        assert store.conn.execute("SELECT COUNT(*) FROM guests").fetchone()[0] == 1
        assert store.row("SELECT id_number FROM guests")["id_number"] == SITI["id_number"]
        change = store.row("SELECT op, payload_text(payload) AS payload FROM changes WHERE entity = 'guest' ORDER BY seq DESC")
        assert change["op"] == "update" and '"id_hash":"' + sent + '"' in change["payload"]
        assert SITI["id_number"] not in change["payload"]
        assert sync.run(store, target).ok
    # The centre still holds one Siti, under the hash it always had, and never the key or the number.
    assert central_rows(pg, "SELECT id, data->>'id_hash', data->>'email' FROM pst.guests") == \
        [(guest_id, sent, "siti.baru@example.com")]
    history = str(central_rows(pg, "SELECT payload FROM pst.changes"))
    assert key not in history and SITI["id_number"] not in history
    assert restore.key_fingerprint(key) in history  # the export and the restore name the key


def test_a_key_file_of_another_office_or_a_broken_one_restores_nothing(tmp_path, pg, monkeypatch,  # noqa: F811
                                                                       capsys):
    _guest_office_with_key_file(tmp_path, pg, "1373")
    _other, other_file, _key, _id = _guest_office_with_key_file(tmp_path, pg, "3324")
    target = fresh(tmp_path, pg)
    with Store(target.db_path) as store:
        with pytest.raises(Refused) as err:
            restore.restore(store, target, dsn=None, office_code="1373", id_key_file=other_file)
        assert err.value.key == "id_key.wrong_office"
    status, out, err = cli(monkeypatch, capsys, target, "--lang", "en", "restore", "--office", "1373",
                           "--id-key-file", str(other_file))
    assert (status, out) == (5, "") and "belongs to office 3324, not office 1373; nothing restored" in err
    good = (tmp_path / "id-key-1373-t.json").read_text()
    edited = json.loads(good)
    edited["key"] = ("1" if edited["key"][0] == "0" else "0") + edited["key"][1:]  # a copying slip
    broken = {"not-json": "{", "edited-key": json.dumps(edited), "truncated": good[: len(good) // 2],
              "binary": "\x00\xff", "no-office": json.dumps({k: v for k, v in edited.items() if k != "office_code"}),
              "no-format": json.dumps({k: v for k, v in json.loads(good).items() if k != "format"})}
    for name, text in broken.items():
        path = tmp_path / f"{name}.json"
        path.write_text(text, encoding="latin-1")
        status, out, err = cli(monkeypatch, capsys, target, "restore", "--office", "1373", "--id-key-file", str(path))
        assert (status, out) == (9, "") and "bukan berkas kunci yang utuh" in err and len(err.splitlines()) == 1, name
    status, _out, err = cli(monkeypatch, capsys, target, "--lang", "en", "restore", "--office", "1373",
                            "--id-key-file", str(tmp_path / "missing.json"))
    assert status == 9 and "Cannot read the key file" in err and "nothing restored" in err
    with Store(target.db_path) as store:
        assert store.conn.execute("SELECT (SELECT COUNT(*) FROM guests) + (SELECT COUNT(*) FROM changes)"
                                  " + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM tickets)").fetchone()[0] == 0
        assert store.meta("id_hash_key") is None and store.meta("restored_from") is None


def test_without_the_key_file_a_returning_visitor_is_known_by_email_only(tmp_path, pg):  # noqa: F811
    from kiosk.guestbook import find_returning

    _settings, _file, key, guest_id = _guest_office_with_key_file(tmp_path, pg)
    target = fresh(tmp_path, pg)
    with Store(target.db_path) as store:
        done = restore.restore(store, target, dsn=None, office_code="1373")
        assert done.id_key is None and store.meta("id_hash_key") is None
        assert find_returning(store, SITI["id_number"]) is None
        assert find_returning(store, SITI["email"]).guest_id == guest_id
        assert store.meta("id_hash_key") is None  # looking up made no key
        reg = register_visit(store, target, service="A", purpose="tugas", consent=True, guest=validate_guest(SITI))
        assert not reg.returning and store.conn.execute("SELECT COUNT(*) FROM guests").fetchone()[0] == 2
        assert store.meta("id_hash_key") not in (None, key)  # a new key: the old hashes stay apart
        payload = store.row("SELECT payload_text(payload) AS payload FROM changes WHERE entity = 'terminal'")["payload"]
        assert '"id_key"' not in payload


def test_the_key_goes_out_and_back_through_the_console(tmp_path, pg, monkeypatch, capsys):  # noqa: F811
    import os
    import subprocess
    import sys

    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
        register_visit(store, settings, service="B", purpose="tugas", consent=True, guest=validate_guest(SITI))
        assert sync.run(store, settings).ok
        key = store.meta("id_hash_key")
    target = fresh(tmp_path, pg)  # before cli() points PST_KIOSK_DB at the office's store
    key_file = tmp_path / "usb" / "kunci-1373.json"
    key_file.parent.mkdir()
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    status, out, err = cli(monkeypatch, capsys, settings, "--user", "admin", "key", "export", "--file", str(key_file))
    assert status == 0 and str(key_file) in out and restore.key_fingerprint(key) in out, err
    assert json.loads(key_file.read_text())["office_code"] == "1373"
    env = {**os.environ, "PST_KIOSK_CONFIG": str(target.db_path.with_suffix(".toml")),
           "PST_KIOSK_DB": str(target.db_path), "PST_KIOSK_CENTRAL_DSN": target.central_dsn}
    proc = subprocess.run([sys.executable, "-m", "screens.main", "--lang", "en", "restore", "--office", "1373",
                           "--id-key-file", str(key_file)], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "1 guests" in proc.stdout and "The ID-number hash key is back" in proc.stdout
    with Store(target.db_path) as store:
        assert store.meta("id_hash_key") == key
        from kiosk.guestbook import find_returning

        assert find_returning(store, SITI["id_number"]).first_name == "Siti"


def _unconfigured_cli(monkeypatch, capsys, tmp_path, pg, code, config, *args):  # noqa: F811
    """``pst-kiosk ARGS`` on a new PC: ``config`` (maybe absent), the role of office ``code``."""
    from screens.main import main

    monkeypatch.setenv("PST_KIOSK_CONFIG", str(config))
    monkeypatch.setenv("PST_KIOSK_DB", str(tmp_path / "new-pc.db"))
    monkeypatch.setenv("PST_KIOSK_CENTRAL_DSN", office_dsn(pg, code))
    capsys.readouterr()
    status = main(["--lang", "en", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.mark.parametrize("configured", ["no file", "0000"])
def test_a_restored_new_pc_becomes_that_office_and_needs_no_init(tmp_path, pg, monkeypatch, capsys,  # noqa: F811
                                                                 configured):
    from kiosk import config

    settings = office(tmp_path, pg, "1373")
    central_rows(pg, "UPDATE pst.offices SET name = 'BPS Kota Sawahlunto' WHERE code = '1373' RETURNING code")
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
        assert sync.run(store, settings).ok
    path = tmp_path / "new-pc" / "config.toml"
    if configured == "0000":
        write_config(path, tmp_path / "new-pc.db", code="0000", name="PST BPS Sawahlunto")
    run = lambda *args: _unconfigured_cli(monkeypatch, capsys, tmp_path, pg, "1373", path, *args)  # noqa: E731
    status, out, err = run("restore", "--office", "1373")
    assert status == 0, err
    assert "now names office 1373" in out and "needs no init" in out
    restored = config.load(path)
    assert restored.office.code == "1373"
    assert restored.office.name == ("BPS Kota Sawahlunto" if configured == "no file" else "PST BPS Sawahlunto")
    assert len(restored.kiosk.staff_exit_code) == 6
    if configured == "no file":
        assert restored.kiosk.staff_exit_code in out  # told once, as init tells it
    status, out, err = run("ticket", "take", "B", "--no-print", "--json")
    assert status == 0 and json.loads(out)["number"] == "B-002", err
    status, out, err = run("report", "day")
    assert status == 0 and "PST report 1373" in out, err
    status, out, err = run("sync")
    assert status == 0, err  # the new PC is office 1373 at the centre too
    assert central_rows(pg, "SELECT count(*) FROM pst.tickets WHERE office_code = '1373'") == [(2,)]
    assert central_rows(pg, "SELECT count(*) FROM pst.changes WHERE office_code <> '1373'") == [(0,)]


def test_restore_refuses_another_office_than_the_configured_or_the_roles(tmp_path, pg, monkeypatch,  # noqa: F811
                                                                         capsys):
    from kiosk import config

    settings = office(tmp_path, pg, "1373")
    office(tmp_path, pg, "3324")
    with Store(settings.db_path) as store:
        issue_ticket(store, settings, "B")
        assert sync.run(store, settings).ok
    path = tmp_path / "new-pc.toml"
    write_config(path, tmp_path / "new-pc.db", code="3324")
    before = path.read_bytes()
    status, _out, err = _unconfigured_cli(monkeypatch, capsys, tmp_path, pg, "1373", path, "restore", "--office", "1373")
    assert status == 6 and "names office 3324" in err and "as office 1373" in err
    assert path.read_bytes() == before
    with Store(tmp_path / "new-pc.db") as store:
        assert store.conn.execute("SELECT count(*) FROM tickets").fetchone()[0] == 0
    # A new PC given office 1373's role cannot restore office 3324: it sees none of it.
    missing = tmp_path / "none.toml"
    status, _out, err = _unconfigured_cli(monkeypatch, capsys, tmp_path, pg, "1373", missing,
                                          "restore", "--office", "3324")
    role = f"{pg['prefix']}1373"
    assert status == 6 and f"Role {role} belongs to office 1373" in err and "check your role/DSN" in err
    assert "holds nothing" not in err and not missing.exists()
    # Office 3324's own role, before that office ever synced.
    status, _out, err = _unconfigured_cli(monkeypatch, capsys, tmp_path, pg, "3324", missing,
                                          "restore", "--office", "3324")
    assert status == 3 and f"Nothing of office 3324 is visible to role {pg['prefix']}3324" in err
    assert "check your role/DSN" in err and not missing.exists()
    status, _out, err = _unconfigured_cli(monkeypatch, capsys, tmp_path, pg, "1373", missing,
                                          "restore", "--office", "13")
    assert status == 9 and not missing.exists()
    assert config.load(missing).office.code == "0000"


def test_an_office_with_archived_days_restores_from_the_centre_to_the_same_reports(tmp_path, pg):  # noqa: F811
    """Issue 14: a restore after pruning still rebuilds the office. Archiving sends nothing
    (the centre has every row from the outbox), so an archived office restores whole; its
    reports read the same before archiving, after, restored, and restored then archived."""
    from datetime import date

    from kiosk import archive, reports
    from tests.kiosk.test_archive import DAYS, JAKARTA, _history

    clock = FixedClock(datetime(2026, 9, 1, 8, 0, tzinfo=JAKARTA))
    settings = office(tmp_path, pg, "1373")

    def figures(store):
        clock.set(datetime(2026, 10, 6, 11, 0, tzinfo=JAKARTA))
        admin = accounts.authenticate(store, "admin", "975318")
        data = reports.report(store, settings, admin, DAYS[0], DAYS[-1])
        return {k: data[k] for k in ("visits", "tickets", "waiting_minutes", "service_minutes",
                                     "standard_wait_minutes", "within_standard", "ikm", "records")}

    with Store(settings.db_path, clock=clock) as store:
        _history(store, settings, clock)
        assert sync.run(store, settings).ok
        before = figures(store)
        outbox = store.conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0]
        assert archive.archive_before(store, date(2026, 10, 6)) > 0
        assert store.conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0] == outbox  # nothing to send
        assert figures(store) == before
        assert sync.run(store, settings).ok
        held = store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] + archive.count(store, "tickets")
    target = fresh(tmp_path, pg)
    with Store(target.db_path, clock=clock) as store:
        done = restore.restore(store, target, dsn=None, office_code="1373")
        assert done.restored["tickets"] == held
        assert figures(store) == before
        archive.archive_before(store, date(2026, 10, 6))
        assert figures(store) == before


def test_an_office_whose_visitors_were_transferred_restores(tmp_path, pg):  # noqa: F811
    """A transfer's row keeps its number (B-001 sent on to consultation is still B-001): the
    restore inserted it without its link first, as a second B-001, and refused the whole
    office ("bentrok: UNIQUE constraint failed: tickets.day, tickets.letter, tickets.seq")."""
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        queue = queue_for(store, settings)
        first = issue_ticket(store, settings, "B").ticket
        queue.call_next(1, ["B"])
        moved = queue.transfer(first.id, "C")
        again = queue.transfer(queue.call(2, moved.number).id, "A")
        assert sync.run(store, settings).ok
    target = fresh(tmp_path, pg)
    with Store(target.db_path) as store:
        done = restore.restore(store, target, dsn=None, office_code="1373")
        assert done.restored["tickets"] == 3
        rows = {r["id"]: r for r in store.rows("SELECT id, number, transferred_from, transferred_to FROM tickets")}
        assert rows[first.id]["transferred_to"] == moved.id and rows[moved.id]["transferred_from"] == first.id
        assert rows[moved.id]["transferred_to"] == again.id and rows[again.id]["transferred_from"] == moved.id
        assert {r["number"] for r in rows.values()} == {first.number}

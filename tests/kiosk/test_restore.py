"""`pst-kiosk restore` against the real PostgreSQL: one terminal at a time, rows counted as
written, accounts, ratings and the audit trail back, partial (anonymised) records, a
restored terminal restored again, a clash refused with nothing written."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import psycopg
import pytest

from kiosk import accounts, lockers, privacy, restore, survey, sync
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
    with Store(target.db_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 3
        assert queue_for(store, target).take("B").number == "B-004"


def test_accounts_ratings_and_the_audit_trail_come_back(tmp_path, pg):  # noqa: F811
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="9876")
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
        admin = accounts.authenticate(store, "admin", "9876")
        queue = queue_for(store, target).as_user(admin)
        with pytest.raises(Refused) as err:
            survey.find_rateable(store, queue, reg.issued.ticket.number)
        assert err.value.key == "survey.already"  # a visit is not rated twice


def test_anonymised_lockers_restore_even_when_the_centre_holds_only_their_id(tmp_path, pg):  # noqa: F811
    clock = FixedClock(datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc))
    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path, clock=clock) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="9876")
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
        accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="9876")
        assert sync.run(store, settings).ok
    with psycopg.connect(pg["dsn"]) as conn:  # as an older version sent it
        conn.execute("UPDATE pst.users SET data = data - 'pin_hash'")
    target = fresh(tmp_path, pg)
    status, out, err = cli(monkeypatch, capsys, target, "--lang", "en", "restore", "--office", "1373")
    assert status == 0 and "0 accounts" in out and "1 accounts without a PIN hash" in err


def test_orders_come_back_with_the_npwp_masked_and_go_on(tmp_path, pg):  # noqa: F811
    from kiosk import order_view, payments, sales
    from kiosk.sales_print import invoice_paper, receipt_paper
    from printers.render import render_text
    from printers.sales_documents import invoice_document, receipt_document

    settings = office(tmp_path, pg, "1373")
    with Store(settings.db_path) as store:
        admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="9876")
        accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="4321")
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
    assert "3273014101900001" not in sent and "018550814005000" not in sent
    target = fresh(tmp_path, pg)
    with Store(target.db_path) as store:
        done = restore.restore(store, target, dsn=None, office_code="1373")
        assert done.restored["orders"] == 2 and done.skipped == {}
        invoiced, draft = (sales.get(store, o.id) for o in orders)
        assert (invoiced.npwp, draft.npwp) == ("3273********0001", "0185*******5000")
        assert "NPWP 3273********0001" in render_text(invoice_document(invoice_paper(store, target, invoiced)))
        assert order_view.allowed_actions(store, target, invoiced, "admin") and order_view.timeline(invoiced)
        admin = accounts.authenticate(store, "admin", "9876")
        treasurer = accounts.authenticate(store, "rina", "4321")
        # A restored order goes on: paid and receipted, and a private draft with its masked NPWP agreed.
        payments.submit_payment(store, treasurer, invoiced.id, method="cash", amount=50_000)
        payments.verify_payment(store, treasurer, invoiced.id)
        paid = payments.issue_receipt(store, target, treasurer, invoiced.id)
        assert paid.status == "receipted" and render_text(receipt_document(receipt_paper(store, target, paid)))
        assert sales.agree(store, admin, draft.id).status == "agreed"
        assert sync.run(store, target).ok

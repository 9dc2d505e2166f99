"""Issue 12, point 4, as a property: no control byte reaches a printer or a terminal.

Two layers, each checked on its own (defence in depth):

1. The renderer. Every text slot of every document (ticket, locker slip, invoice, receipt,
   test page) gets fuzzed text, straight into the paper objects, past every validator (as
   an old store, a restore or a bug would hand it over). The ESC/POS bytes are then read
   back by ``escpos_commands``, which knows each command the renderer emits and how long
   it is: a byte below 0x20 (but LF) outside a known command fails at once, and the list
   of commands must equal the one rendered from the same document with every fuzzed text
   replaced by a plain ``x``. A fuzzed ``ESC d``, ``GS V`` or ``DLE DC4`` would show as a
   command the plain rendering does not have. Only the code-page switches (``ESC t n``) are
   left out of the comparison: python-escpos emits them for the characters it meets.

2. The entry points. Fuzzed text typed into every free-text field of the guestbook,
   lockers, orders, users and ratings (through their use cases): each is refused or stored
   with no control, bidi or zero-width character; every print job it queued renders to
   clean ESC/POS (as in 1); and the command line's listings send none to the terminal.
"""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kiosk import accounts, guestbook, lockers, sales, survey
from kiosk.sales import payments
from kiosk.errors import DomainError, Invalid
from kiosk.tickets import queue_for
from printers.document import Document
from printers.layouts import LockerSlip, TicketSlip, locker_slip_document, printer_test_document, ticket_document
from printers.render import render_escpos, render_text
from printers.sales_documents import (
    InvoicePaper,
    PaperLine,
    ReceiptPaper,
    invoice_document,
    receipt_document,
)

# What a stranger would type or paste to command a terminal or a printer.
NASTY = ["\x1b", "\x1b[2J", "\x1b]0;owned\x07", "\x1b@", "\x1bd\x05", "\x1dV\x00", "\x1dV\x41\x03",
         "\x10\x14\x01\x00\x05", "\x1cp\x01\x00", "\x1b\x70\x00\x19\xfa", "\x00", "\x07", "\x08", "\t",
         "\r", "\n", "\x0c", "\x7f", "\x85", "\x9b", "\x9b2J", "\x90", "\u202a", "\u202e", "\u2066",
         "\u2069", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u2028", "\u2029", "\u00ad", "\u061c"]
fuzz = st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=4), st.sampled_from(
    ["Budi", "é", "ß", "Ω", "中文", "३", "１", " ", "-"])), max_size=8).map("".join)
HYPO = hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


def unsafe(ch: str) -> bool:
    """Independent of the code under test: a control, format or separator character."""
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp")


# -- reading ESC/POS back -----------------------------------------------------------------

_ESC = {b"@": 0, b"!": 1, b"E": 1, b"a": 1, b"t": 1, b"d": 1, b"-": 1, b"G": 1, b"M": 1, b"{": 1,
        b"V": 1, b"3": 1, b"2": 0, b"J": 1, b"e": 1, b"p": 3}
_GS = {b"!": 1, b"B": 1, b"b": 1, b"H": 1, b"f": 1, b"h": 1, b"w": 1, b"L": 2, b"W": 2}


def escpos_commands(data: bytes) -> list[bytes]:
    """The printer commands in ``data`` in order (text between them skipped), or an
    AssertionError at the first control byte that is neither a known command nor LF."""
    out, i = [], 0
    while i < len(data):
        b = data[i]
        if b == 0x0A or b >= 0x20 and b != 0x7F:
            i += 1
            continue
        assert b in (0x1B, 0x1D), f"stray control byte {b:#04x} at {i}: {data[max(0, i - 20):i + 20]!r}"
        op = data[i + 1:i + 2]
        if b == 0x1B:
            assert op in _ESC, f"unknown ESC {op!r} at {i}"
            size = 2 + _ESC[op]
        elif op == b"V":  # cut: GS V m, or GS V m n for m 65/66
            size = 4 if data[i + 2] in (65, 66) else 3
        elif op == b"v":  # raster image: GS v 0 m xL xH yL yH, then xL..*yL.. bytes of dots
            x, y = data[i + 4] + 256 * data[i + 5], data[i + 6] + 256 * data[i + 7]
            out.append(data[i:i + 8])
            i += 8 + x * y
            continue
        elif op == b"(":  # GS ( k pL pH, then pL + 256 pH bytes (native QR)
            size = 5 + data[i + 3] + 256 * data[i + 4]
        else:
            assert op in _GS, f"unknown GS {op!r} at {i}"
            size = 2 + _GS[op]
        out.append(data[i:i + size])
        i += size
    return out


def structure(data: bytes) -> list[bytes]:
    """The commands but the code-page switches the encoder adds for the characters it meets."""
    return [c for c in escpos_commands(data) if not c.startswith(b"\x1bt")]


def test_the_reader_catches_what_it_must():
    doc = Document(title="t").text("A").qr("PST:1").cut()
    plain = render_escpos(doc)
    assert escpos_commands(plain)  # reads the renderer's own commands
    with pytest.raises(AssertionError):
        escpos_commands(plain + b"x\x10\x14\x01\x00\x05")  # DLE DC4: open the cash drawer
    assert structure(plain + b"\x1bd\x05") != structure(plain)  # an injected feed shows


# -- 1. the renderer ------------------------------------------------------------------------

def _fill(cls, text: str, safe: bool):
    """``cls`` (a paper dataclass) with every text field holding ``text`` (or, ``safe``,
    "x" where ``text`` is not empty: the same elements are built)."""
    value = ("x" if text else "") if safe else text
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name == "qr_payload":
            kwargs[f.name] = "PST:1373:0190-ab:B-007"
        elif f.name == "link":  # a QR payload too (the phone page's address), made by the program
            kwargs[f.name] = "http://192.168.1.10:8080/t/abcdefghijklmnopqrstuv"
        elif f.type in ("str", "str | None"):
            kwargs[f.name] = value
        elif f.type == "list[str]":
            kwargs[f.name] = [value, value]
        elif f.type == "list[PaperLine]":
            kwargs[f.name] = [PaperLine(description=value, detail=value, amount=value)]
        elif f.type == "dict[str, str]":
            kwargs[f.name] = {k: value for k in ("title", "number", "issued", "valid_until", "locker", "note")}
        elif f.type == "int":
            kwargs[f.name] = 7
        elif f.type == "bool":
            kwargs[f.name] = True
    return cls(**kwargs)


DOCUMENTS = {
    "ticket": lambda text, safe: ticket_document(_fill(TicketSlip, text, safe)),
    "locker": lambda text, safe: locker_slip_document(_fill(LockerSlip, text, safe)),
    "invoice": lambda text, safe: invoice_document(_fill(InvoicePaper, text, safe)),
    "receipt": lambda text, safe: receipt_document(_fill(ReceiptPaper, text, safe)),
    "test page": lambda text, safe: printer_test_document(("x" if text else "") if safe else text,
                                                          "none", 80, "23-11-2026", {}),
}


@pytest.mark.parametrize("kind", sorted(DOCUMENTS))
@HYPO
@given(text=fuzz)
def test_no_fuzzed_control_reaches_the_printer(kind, text):
    build = DOCUMENTS[kind]
    for paper_mm in (58, 80):
        fuzzed = render_escpos(build(text, False), paper_mm=paper_mm)
        assert structure(fuzzed) == structure(render_escpos(build(text, True), paper_mm=paper_mm))
        preview = render_text(build(text, False), paper_mm=paper_mm)
        assert not any(unsafe(ch) for ch in preview.replace("\n", ""))


# -- 2. the entry points -------------------------------------------------------------------

TEXT_TABLES = ("users", "guests", "visits", "lockers", "orders", "order_lines", "invoices", "payments",
               "corrections", "ratings", "receipts")


def stored_text_is_clean(store) -> None:
    """Every text value of the tables visitors' and officers' words go to."""
    names = {r["name"] for r in store.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in TEXT_TABLES:
        if table not in names:
            continue
        for row in store.rows(f"SELECT * FROM {table}"):  # noqa: S608 - our own table names
            for column, value in row.items():
                if isinstance(value, str) and column not in ("lines",):
                    assert not any(unsafe(ch) for ch in value.replace("\n", "")), (table, column, value)


def printed_is_clean(store) -> None:
    for row in store.rows("SELECT unpack_text(document) AS document FROM print_jobs"):
        escpos_commands(render_escpos(Document.model_validate_json(row["document"])))


def cli_output_is_clean(capsys, env_db, *argv) -> None:
    from screens.main import main

    capsys.readouterr()
    main(["--db", str(env_db), *argv])
    out, err = capsys.readouterr()
    assert not any(unsafe(ch) for ch in (out + err).replace("\n", "")), argv


@pytest.fixture
def desk(store, settings, monkeypatch):
    admin = accounts.add_user(store, None, username="admin", name="Admin", role="admin", pin="975318")
    officer = accounts.add_user(store, admin, username="budi", name="Budi", role="petugas", pin="284751")
    treasurer = accounts.add_user(store, admin, username="rina", name="Rina", role="bendahara", pin="435162")
    monkeypatch.setenv("PST_KIOSK_USER", "admin")
    monkeypatch.setenv("PST_KIOSK_PIN", "975318")
    return admin, officer, treasurer


def _attempt(call) -> bool:
    """True when the use case took the text, False when it refused it (as it should)."""
    try:
        call()
    except DomainError:
        return False
    return True


GUEST = {"name": "Siti Aminah", "id_type": "ktp", "id_number": "3273014101900001", "email": "siti@example.com",
         "phone": "0812 3456 7890", "segment": "swasta", "npwp": "01.855.081.5-005.000",
         "institution": "PT Maju", "education": "s1", "gender": "p", "purpose": "skripsi"}


@HYPO
@given(text=fuzz, field=st.sampled_from(["name", "institution", "email", "phone", "id_number", "npwp"]))
def test_guestbook_fields(store, settings, desk, capsys, text, field):
    def visit():
        guest = guestbook.validate_guest({**GUEST, field: text})
        guestbook.register_visit(store, settings, service="A", purpose="skripsi", consent=True, guest=guest)

    _attempt(visit)
    stored_text_is_clean(store)
    printed_is_clean(store)


@HYPO
@given(text=fuzz)
def test_locker_holder_and_user_names(store, settings, desk, capsys, text):
    admin, officer, _ = desk
    _attempt(lambda: lockers.assign(store, settings, officer, id_type="sim", id_number="123456789012",
                                    holder_name=text))
    for key in [r["id"] for r in store.rows("SELECT id FROM lockers WHERE returned_at IS NULL")]:
        lockers.return_card(store, officer, key)
    n = store.conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    _attempt(lambda: accounts.add_user(store, admin, username=f"user{n}", name=text, role="petugas",
                                       pin="503827"))
    stored_text_is_clean(store)
    printed_is_clean(store)
    cli_output_is_clean(capsys, settings.db_path, "user", "list")
    cli_output_is_clean(capsys, settings.db_path, "locker", "list", "--date", "2026-11-23")


@HYPO
@given(text=fuzz, field=st.sampled_from(["customer", "description", "sample_note", "proof", "reason", "correction",
                                         "resolution", "reject"]))
def test_order_fields(store, settings, desk, capsys, clock, text, field):
    _, officer, treasurer = desk
    typed = {field: text}
    ok = _attempt(lambda: sales.create_order(store, settings, officer, customer_name=typed.get("customer", "Andi"),
                                             segment="perorangan"))
    if not ok:
        stored_text_is_clean(store)
        return
    order = store.row("SELECT id FROM orders ORDER BY created_at DESC, rowid DESC LIMIT 1")["id"]
    steps = [
        lambda: sales.add_line(store, officer, order, product="data-mikro", quantity=1, measure=1000,
                               description=typed.get("description", "Susenas")),
        lambda: sales.agree(store, officer, order),
        lambda: sales.check_documents(store, officer, order, abstraksi=True),
        lambda: sales.issue_invoice(store, settings, officer, order, sample_note=typed.get("sample_note", "10 baris")),
        lambda: sales.revise(store, officer, order, reason=typed["reason"]) if "reason" in typed else None,
        lambda: sales.issue_invoice(store, settings, officer, order, sample_note="10 baris") if "reason" in typed
        else None,
        lambda: sales.mark_prepared(store, officer, order),
        lambda: payments.submit_payment(store, officer, order, method="transfer",
                                        amount=sales.get(store, order).invoice.total,
                                        proof=typed.get("proof", "bukti.pdf")),
        lambda: payments.verify_payment(store, treasurer, order, accept=False, reason=typed["reject"])
        if "reject" in typed else payments.verify_payment(store, treasurer, order),
        lambda: payments.issue_receipt(store, settings, treasurer, order),
        lambda: payments.record_sppd(store, officer, order, meterai=True),
        lambda: payments.hand_over(store, officer, order, medium="flashdisk"),
        lambda: payments.request_correction(store, settings, officer, order, note=typed.get("correction", "kurang")),
        lambda: payments.resolve_correction(store, officer, order, sales.get(store, order).corrections[0].id,
                                            resolution=typed.get("resolution", "dikirim")),
    ]
    for step in steps:
        if not _attempt(step):
            break
    from kiosk.sales import papers as sales_print

    got = sales.get(store, order)
    if got.invoice is not None:
        _attempt(lambda: sales_print.print_invoice(store, settings, officer, order))
    if got.receipt is not None:
        _attempt(lambda: sales_print.print_receipt(store, settings, treasurer, order))
    stored_text_is_clean(store)
    printed_is_clean(store)
    cli_output_is_clean(capsys, settings.db_path, "order", "show", got.number, "--json")
    cli_output_is_clean(capsys, settings.db_path, "order", "list")


@HYPO
@given(text=fuzz)
def test_rating_comments(store, settings, desk, clock, text):
    queue = queue_for(store, settings).as_user(desk[1])
    ticket = queue.take("A")
    queue.call_next(1)
    queue.start(ticket.id)
    queue.finish(ticket.id)
    rateable = survey.find_rateable(store, queue, ticket.number)
    scores = {code: 3 for code in survey.ELEMENTS}
    try:
        survey.submit(store, queue, rateable, scores, comment=text)
    except Invalid as exc:
        assert "comment" in exc.errors
    stored_text_is_clean(store)

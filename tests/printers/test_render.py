import pytest
from escpos.printer import Dummy

from printers.connection import PrinterSpec, PrinterSpecError, parse_spec
from printers.document import Document
from printers.layouts import TicketSlip, ticket_document
from printers.render import render_escpos, render_text

SLIP = TicketSlip(
    office_name="PST BPS Kota Sawahlunto", office_address="Jl. Bagindo Aziz Chan",
    service_name="Penjualan Produk Statistik / Statistical Product Sales", number="B-007",
    issued_local="23-11-2026 09:15", ahead=3, qr_payload="PST:1373:abc:B-007",
    complaint_channels=["s.bps.go.id/pengaduan-1373", "bps1373@bps.go.id"], priority=True,
    labels={"number": "Nomor Antrian / Queue Number", "ahead": "{count} orang di depan Anda",
            "priority": "PRIORITAS", "complaints": "Pengaduan"})


def test_text_preview_shows_everything_the_paper_does():
    text = render_text(ticket_document(SLIP))
    for expected in ("PST BPS Kota Sawahlunto", "Nomor Antrian", "B - 0 0 7", "PRIORITAS",
                     "23-11-2026 09:15", "3 orang di depan Anda", "[QR PST:1373:abc:B-007]",
                     "s.bps.go.id/pengaduan-1373", "[potong]"):
        assert expected in text
    assert max(len(line) for line in text.splitlines()) <= 48


def test_58mm_wraps_to_32_columns():
    text = render_text(ticket_document(SLIP), paper_mm=58)
    assert max(len(line) for line in text.splitlines()) <= 32
    assert "Penjualan Produk Statistik" in text


def test_escpos_bytes_have_number_raster_qr_and_cut():
    data = render_escpos(ticket_document(SLIP), paper_mm=80)
    assert data.startswith(b"\x1b@")  # initialise
    assert b"B-007" in data
    assert b"\x1dV\x00" in data  # full cut
    # The QR is a raster image of exactly this payload (python-escpos draws it the same way).
    expected = Dummy(profile="TM-T20II")
    expected.qr("PST:1373:abc:B-007", size=5, native=False, center=True)
    image = expected.output[expected.output.index(b"\x1dv0"):].rstrip(b"\n")
    assert len(image) > 1000 and image in data
    assert b"PST:1373:abc:B-007" not in data  # raster: no text payload


def test_native_qr_sends_the_payload_to_the_printer():
    data = render_escpos(ticket_document(SLIP), paper_mm=80, qr_native=True)
    assert b"\x1d(k" in data and b"PST:1373:abc:B-007" in data


def test_58mm_profile_without_a_cutter_sends_no_cut():
    data = render_escpos(ticket_document(SLIP), paper_mm=58)
    assert b"B-007" in data and b"\x1dV" not in data


def test_document_round_trips_as_json():
    doc = ticket_document(SLIP)
    assert Document.model_validate_json(doc.model_dump_json()) == doc


@pytest.mark.parametrize("spec, expected", [
    ("network:10.0.0.5", PrinterSpec("network", "10.0.0.5", port=9100)),
    ("network:printer.local:9101", PrinterSpec("network", "printer.local", port=9101)),
    ("usb:04b8:0202", PrinterSpec("usb", vendor=0x04B8, product=0x0202)),
    ("usb:0x0416:0x5011", PrinterSpec("usb", vendor=0x0416, product=0x5011)),
    ("serial:/dev/ttyUSB0", PrinterSpec("serial", "/dev/ttyUSB0", port=9600)),
    ("serial:/dev/ttyS1:19200", PrinterSpec("serial", "/dev/ttyS1", port=19200)),
    ("file:/dev/usb/lp0", PrinterSpec("file", "/dev/usb/lp0")),
    ("cups:TM-T20", PrinterSpec("cups", "TM-T20")),
    ("none", PrinterSpec("none")),
])
def test_printer_specs(spec, expected):
    assert parse_spec(spec) == expected


@pytest.mark.parametrize("spec", ["", "network:", "usb:04b8", "usb:zz:01", "lpt1", "network:h:99999", "none:x"])
def test_bad_printer_specs(spec):
    with pytest.raises(PrinterSpecError):
        parse_spec(spec)


def test_a_file_printer_keeps_every_job(tmp_path):
    """``file:PATH`` on a plain file appends (python-escpos's File alone truncates)."""
    from printers.connection import PrinterFault, parse_spec, send

    spec = parse_spec(f"file:{tmp_path / 'paper.bin'}")
    send(spec, b"first ticket\n", status_check=False)
    send(spec, b"second ticket\n", status_check=False)
    assert (tmp_path / "paper.bin").read_bytes() == b"first ticket\nsecond ticket\n"
    with pytest.raises(PrinterFault) as err:
        send(parse_spec(f"file:{tmp_path / 'no-such-dir' / 'paper.bin'}"), b"x", status_check=False)
    assert err.value.reason == "unreachable"

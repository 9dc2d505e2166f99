"""The wait estimate against hand-computed cases (kiosk/estimate.py).

Constants used in the hand computations: MIN_SPREAD_FACTOR 0.35, Z_LOW 1.1, Z_HIGH 1.6,
steps of 5 minutes; centre = (ahead + 0.5) * cycle / counters, sd = sqrt(ahead + 1) *
spread / counters + 0.5 * cycle / counters.
"""

from __future__ import annotations

from kiosk import estimate as est


def serve_cycles(queue, clock, counter: int, service: str, cycles: int, minutes: float,
                 services: list[str] | None = None) -> None:
    """``cycles`` + 1 visitors of ``service`` waiting, then ``counter`` calling one every
    ``minutes`` while the next already waits: ``cycles`` samples of ``minutes``."""
    tickets = [queue.take(service) for _ in range(cycles + 1)]
    clock.advance(minutes=1)
    for n in range(cycles + 1):
        called = queue.call_next(counter, services)
        queue.start(called.id)
        clock.advance(minutes=minutes)
        queue.finish(called.id)
    assert len(tickets) == cycles + 1


def test_no_history_and_no_open_counter_say_nothing(queue, clock):
    ticket = queue.take("konsultasi")
    assert est.estimate_for(queue, ticket) is None
    assert est.describe(None, "id") == "waktu tunggu belum dapat diperkirakan"
    # A counter is open but has served only 3 visitors (2 cycles): still too little.
    serve_cycles(queue, clock, 1, "perpustakaan", 2, 10)
    assert est.estimate_for(queue, queue.take("konsultasi")) is None


def test_one_counter_ten_minute_cycles(queue, clock):
    serve_cycles(queue, clock, 1, "konsultasi", 5, 10)
    first = queue.take("konsultasi")
    second = queue.take("konsultasi")
    third = queue.take("konsultasi")
    # third: 2 ahead, 1 counter. centre 2.5 * 10 = 25; spread max(0, 3.5) = 3.5;
    # sd = sqrt(3) * 3.5 + 5 = 11.06; low 25 - 12.17 = 12.8 -> 10; high 25 + 17.7 = 42.7 -> 45.
    assert est.estimate_for(queue, third) == est.Estimate(10, 45)
    # first: nobody ahead: centre 5, sd = 3.5 + 5 = 8.5; low 0; high 5 + 13.6 = 18.6 -> 20.
    assert est.estimate_for(queue, first) == est.Estimate(0, 20)
    assert est.estimate_for(queue, third).text("id") == "perkiraan tunggu 10-45 menit"
    assert est.estimate_for(queue, third).text("en") == "estimated wait 10-45 minutes"
    # Once called there is nothing to estimate.
    called = queue.call_next(1)
    assert called.id == first.id and est.estimate_for(queue, queue.get(first.id)) is None
    assert second.status == "waiting"


def test_two_counters_on_mixed_services(queue, clock):
    # Counter 1 calls across services; counter 2 only consultation (its filter), 8-minute cycles.
    serve_cycles(queue, clock, 1, "penjualan", 5, 8)
    serve_cycles(queue, clock, 2, "konsultasi", 5, 8, services=["konsultasi"])
    # Counter 1 is still open: it holds a visitor now (its last call was long ago).
    queue.take("penjualan")
    queue.call_next(1)
    # A sales visitor: only counter 1 serves sales (counter 2 made 6 calls, all consultation).
    sale = queue.take("penjualan")
    # 0 ahead, 1 counter, cycle 8: centre 4, sd = 2.8 + 4 = 6.8; low 0, high 4 + 10.9 = 14.9 -> 15.
    assert est.estimate_for(queue, sale) == est.Estimate(0, 15)
    # A consultation visitor behind it: both counters serve consultation. 1 ahead, 2 counters:
    # centre 1.5 * 8 / 2 = 6; sd = sqrt(2) * 2.8 / 2 + 2 = 3.98; low 6 - 4.4 = 1.6 -> 0;
    # high 6 + 6.4 = 12.4 -> 15.
    consult = queue.take("konsultasi")
    assert est.estimate_for(queue, consult) == est.Estimate(0, 15)
    # What the display shows for a new ticket of each service: two are waiting now.
    # Sales: 1 counter, 2 ahead: centre 20, sd = sqrt(3) * 2.8 + 4 = 8.85; low 10.3 -> 10,
    # high 34.2 -> 35.
    assert est.estimate_new(queue, "penjualan") == est.Estimate(10, 35)


def test_idle_time_and_breaks_are_not_cycles(queue, clock):
    serve_cycles(queue, clock, 1, "konsultasi", 5, 10)
    # The counter waits 30 minutes for a visitor: that gap is idle, not a cycle.
    clock.advance(minutes=30)
    late = queue.take("konsultasi")
    queue.start(queue.call_next(1).id)
    assert est._cycles(queue, queue.today()) == [10.0] * 5
    # Nor is a gap longer than a break, even with visitors waiting.
    queue.take("konsultasi")
    clock.advance(minutes=est.BREAK_MINUTES + 5)
    queue.finish(late.id)
    queue.call_next(1)
    assert est._cycles(queue, queue.today()) == [10.0] * 5


def test_a_counter_silent_past_the_open_window_is_closed(queue, clock):
    serve_cycles(queue, clock, 1, "konsultasi", 5, 10)
    clock.advance(minutes=est.OPEN_MINUTES + 1)
    assert est.estimate_for(queue, queue.take("konsultasi")) is None


def test_yesterdays_cycles_count_until_today_has_enough(queue, clock):
    serve_cycles(queue, clock, 1, "konsultasi", 5, 10)
    clock.advance(days=1)
    serve_cycles(queue, clock, 1, "konsultasi", 1, 20)  # today: one 20-minute cycle
    # The sample is today's 20 then yesterday's 10s: mean of [20, 10, 10, 10, 10] = 12.
    assert sorted(est._cycles(queue, queue.today())) == [20.0]
    first = queue.take("konsultasi")
    estimate = est.estimate_for(queue, first)
    # centre 6, spread max(pstdev = 4, 4.2) = 4.2, sd = 4.2 + 6 = 10.2: low 0, high 22.3 -> 25.
    assert estimate == est.Estimate(0, 25)


def test_the_ticket_tells_the_estimate_on_paper_and_in_json(store, settings, clock, queue):
    import json

    from kiosk.tickets import issue_ticket
    from printers.document import Document
    from printers.render import render_text

    first = issue_ticket(store, settings, "konsultasi")
    assert first.estimate is None
    job = store.row("SELECT unpack_text(document) AS document FROM print_jobs WHERE id = ?", (first.job_id,))
    text = render_text(Document.model_validate_json(job["document"]))
    assert "Waktu tunggu belum dapat diperkirakan" in text
    assert "The wait cannot be estimated yet" in text
    serve_cycles(queue, clock, 1, "konsultasi", 5, 10)
    issued = issue_ticket(store, settings, "konsultasi")
    # The first ticket still waits: 1 ahead, 1 counter, 10-minute cycles: centre 15,
    # sd = sqrt(2) * 3.5 + 5 = 9.95; low 4.1 -> 0, high 30.9 -> 35.
    assert issued.ahead == 1 and issued.estimate == est.Estimate(0, 35)
    job = store.row("SELECT unpack_text(document) AS document FROM print_jobs WHERE id = ?", (issued.job_id,))
    text = render_text(Document.model_validate_json(job["document"]))
    assert "Perkiraan tunggu 0-35 menit" in text
    assert "Estimated wait 0-35 minutes" in text
    assert json.loads(issued.model_dump_json())["wait_high"] == 35


async def test_the_kiosk_shows_the_estimate_with_the_ticket(settings, clock):
    from screens.kiosk_app import KioskApp
    from tests.screens.helpers import new_visitor_ticket
    from kiosk.store import Store
    from kiosk.tickets import queue_for

    with Store(settings.db_path, clock=clock) as store:
        serve_cycles(queue_for(store, settings), clock, 1, "konsultasi", 5, 10)
    app = KioskApp(settings, clock=clock, spool=False)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await new_visitor_ticket(pilot, "konsultasi")
        assert "Perkiraan tunggu 0-20 menit" in str(screen.query_one("#estimate").render())

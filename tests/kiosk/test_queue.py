import json
from datetime import datetime, timedelta

import pytest

from kiosk.errors import EmptyQueue, NotFound, Refused
from kiosk.queue import Queue
from tests.conftest import JAKARTA


def changes_for(store, ticket_id):
    return [r["op"] for r in store.rows(
        "SELECT op FROM changes WHERE entity = 'ticket' AND entity_id = ? ORDER BY seq", (ticket_id,))]


def test_numbers_count_per_service_and_use_the_letter(queue):
    a1 = queue.take("perpustakaan")
    b1 = queue.take("B")
    b2 = queue.take("penjualan")
    a2 = queue.take("a")
    assert [a1.number, b1.number, b2.number, a2.number] == ["A-001", "B-001", "B-002", "A-002"]
    assert b2.status == "waiting" and b2.issued_at == b2.queued_at


def test_numbers_restart_at_local_midnight_not_utc(queue, clock):
    # 23:59 in Jakarta is 16:59 UTC: still the same local day.
    clock.set(datetime(2026, 11, 23, 23, 58, tzinfo=JAKARTA))
    assert queue.take("B").number == "B-001"
    assert queue.take("B").number == "B-002"
    clock.set(datetime(2026, 11, 24, 0, 1, tzinfo=JAKARTA))
    fresh = queue.take("B")
    assert fresh.number == "B-001"
    assert fresh.day.isoformat() == "2026-11-24"
    # Yesterday's waiting tickets are not called today.
    assert [t.number for t in queue.waiting()] == ["B-001"]


def test_unknown_service_is_refused_and_nothing_is_stored(queue, store):
    with pytest.raises(NotFound) as err:
        queue.take("Z")
    assert "tidak dikenal" in err.value.message("id")
    assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 0
    assert store.conn.execute("SELECT COUNT(*) FROM changes").fetchone()[0] == 0


def test_call_next_takes_the_oldest_and_records_times(queue, clock):
    first = queue.take("B")
    clock.advance(minutes=1)
    queue.take("B")
    clock.advance(minutes=2)
    called = queue.call_next(1)
    assert called.id == first.id
    assert called.status == "called" and called.counter == 1
    assert called.called_at - called.issued_at == timedelta(minutes=3)
    assert called.waited_seconds(clock.now()) == 180


def test_empty_queue_is_a_clear_refusal(queue):
    with pytest.raises(EmptyQueue) as err:
        queue.call_next(1)
    assert err.value.exit_code == 4
    assert err.value.message("en") == "Nobody is waiting"


def test_priority_first_but_every_third_call_is_normal(queue, clock):
    normals = [queue.take("B") for _ in range(3)]
    clock.advance(minutes=1)
    priorities = [queue.take("B", priority=True) for _ in range(5)]
    order = []
    for _ in range(8):
        clock.advance(seconds=30)
        ticket = queue.call_next(1)
        order.append(("P" if ticket.priority else "N") + ticket.number[-1])
        queue.start(ticket.id)
        queue.finish(ticket.id)
    # Two priority calls, then the normal queue gets its turn, and so on.
    assert order == ["P4", "P5", "N1", "P6", "P7", "N2", "P8", "N3"]
    assert {t.id for t in normals + priorities} == {t.id for t in queue.list(status="done")}


def test_fairness_counts_calls_from_every_counter(queue, clock):
    for _ in range(2):
        queue.take("B")
    for _ in range(4):
        queue.take("C", priority=True)
    first = queue.call_next(1)
    clock.advance(seconds=1)
    second = queue.call_next(2)
    clock.advance(seconds=1)
    third = queue.call_next(3)
    assert [first.priority, second.priority, third.priority] == [True, True, False]


def test_service_filter(queue):
    queue.take("A")
    b = queue.take("B")
    assert queue.call_next(1, ["penjualan"]).id == b.id
    with pytest.raises(EmptyQueue):
        queue.call_next(2, ["B", "konsultasi"])


def test_counter_with_an_open_ticket_cannot_call_again(queue):
    queue.take("B")
    queue.take("B")
    ticket = queue.call_next(1)
    with pytest.raises(Refused) as err:
        queue.call_next(1)
    assert "B-001" in err.value.message("id")
    queue.start(ticket.id)
    with pytest.raises(Refused):
        queue.call(1, "B-002")
    queue.finish(ticket.id)
    assert queue.call_next(1).number == "B-002"


def test_every_transition_and_the_outbox(queue, store, clock):
    ticket = queue.take("B")
    called = queue.call(2, "b1")
    assert called.counter == 2
    clock.advance(seconds=30)
    recalled = queue.recall(ticket.id)
    assert recalled.recalls == 1 and recalled.last_called_at > recalled.called_at
    started = queue.start(ticket.id)
    assert started.status == "serving" and started.started_at == clock.now()
    clock.advance(minutes=4)
    done = queue.finish(ticket.id)
    assert done.status == "done" and done.finished_at - done.started_at == timedelta(minutes=4)
    assert changes_for(store, ticket.id) == ["take", "call", "recall", "start", "finish"]
    payload = json.loads(store.row(
        "SELECT payload_text(payload) AS payload FROM changes WHERE entity_id = ? ORDER BY seq DESC LIMIT 1",
        (ticket.id,))["payload"])
    assert payload["status"] == "done" and payload["number"] == "B-001"


@pytest.mark.parametrize("action", ["recall", "no_show", "start", "finish"])
def test_refused_transitions_from_waiting_change_nothing(queue, store, action):
    ticket = queue.take("B")
    with pytest.raises(Refused) as err:
        getattr(queue, action)(ticket.id)
    assert "menunggu" in err.value.message("id")
    assert "waiting" in err.value.message("en")
    assert queue.get(ticket.id).status == "waiting"
    assert changes_for(store, ticket.id) == ["take"]


def test_done_ticket_refuses_everything(queue):
    ticket = queue.take("B")
    queue.call_next(1)
    queue.start(ticket.id)
    queue.finish(ticket.id)
    for action in ("recall", "no_show", "start", "finish"):
        with pytest.raises(Refused):
            getattr(queue, action)(ticket.id)
    with pytest.raises(Refused):
        queue.transfer(ticket.id, "C")
    with pytest.raises(Refused):
        queue.call(2, "B-001")


def test_no_show_can_be_called_again_later(queue):
    ticket = queue.take("B")
    queue.call_next(1)
    gone = queue.no_show(ticket.id)
    assert gone.status == "no_show" and gone.no_show_at is not None
    back = queue.call(1, "B-001")
    assert back.status == "called" and back.no_show_at is None


def test_transfer_keeps_the_number_and_queues_in_the_new_service(queue, store, clock):
    ticket = queue.take("B")
    queue.take("C")  # someone already waiting for consultation
    queue.call_next(1, ["B"])
    queue.start(ticket.id)
    clock.advance(minutes=3)
    moved = queue.transfer(ticket.id, "konsultasi")
    assert moved.number == "B-001" and moved.service == "konsultasi"
    assert moved.status == "waiting" and moved.transferred_from == ticket.id
    old = queue.get(ticket.id)
    assert old.status == "transferred" and old.transferred_to == moved.id
    assert queue.active(1) is None  # the counter is free again
    # The new queue: behind those already waiting, found by its number.
    assert [t.number for t in queue.waiting(["C"])] == ["C-001", "B-001"]
    assert queue.find("B-001").id == moved.id
    # Numbers of the old service keep counting from where they were.
    assert queue.take("B").number == "B-002"
    with pytest.raises(Refused):
        queue.transfer(moved.id, "C")


def test_find_accepts_common_spellings_and_refuses_nonsense(queue):
    queue.take("B")
    for spelling in ("B-001", "b1", "B001", " b - 01 "):
        assert queue.find(spelling).number == "B-001"
    with pytest.raises(NotFound):
        queue.find("B-099")
    with pytest.raises(NotFound) as err:
        queue.find("hello")
    assert "bukan nomor antrian" in err.value.message("id")


def test_ahead_counts_priority_and_earlier_tickets(queue, store):
    first = queue.take("B")
    second = queue.take("B")
    prio = queue.take("B", priority=True)
    assert queue.ahead_of(first) == 1  # the priority ticket goes first
    assert queue.ahead_of(second) == 2
    assert queue.ahead_of(prio) == 0


def test_ahead_counts_every_service_a_counter_calls_from(queue):
    """Counters call across services: a C ticket behind B, D (priority) and A is fourth.
    Taken in the same instant (the fixed clock), the order is still the one calls follow."""
    queue.take("B")
    queue.take("D", priority=True)
    queue.take("A")
    mine = queue.take("C")
    assert queue.ahead_of(mine) == 3
    called = [queue.call_next(counter).number for counter in (1, 2, 3)]
    assert called == ["D-001", "B-001", "A-001"]  # what the count promised
    assert queue.ahead_of(queue.get(mine.id)) == 0


def test_waiting_counts_and_last_calls(queue, clock):
    queue.take("A")
    queue.take("B")
    queue.take("B")
    assert queue.waiting_counts() == {"perpustakaan": 1, "penjualan": 2, "konsultasi": 0,
                                      "rekomendasi": 0}
    first = queue.call_next(1)
    clock.advance(seconds=5)
    second = queue.call_next(2)
    clock.advance(seconds=5)
    queue.recall(first.id)
    assert [t.id for t in queue.last_calls()] == [first.id, second.id]


def test_two_queues_on_one_store_see_each_other(settings, clock, tmp_path):
    from kiosk.store import Store

    with Store(settings.db_path, clock=clock) as a, Store(settings.db_path, clock=clock) as b:
        qa = Queue(a, tz=JAKARTA)
        qb = Queue(b, tz=JAKARTA)
        version = b.data_version()
        qa.take("B")
        assert b.data_version() != version
        assert qb.call_next(1).number == "B-001"


def test_a_ticket_left_open_yesterday_does_not_block_the_counter(queue, clock):
    queue.take("B")
    queue.call_next(1)
    clock.advance(days=1)
    assert queue.active(1) is None
    queue.take("B")
    assert queue.call_next(1).day.isoformat() == "2026-11-24"


ALLOWED = {  # state -> the actions that may follow it
    "waiting": {"transfer", "call"},
    "called": {"recall", "no_show", "start", "transfer"},
    "serving": {"finish", "transfer"},
    "done": set(),
    "no_show": {"call"},
    "transferred": set(),
}


def _ticket_in(queue, state):
    ticket = queue.take("B")
    if state == "waiting":
        return ticket
    if state == "transferred":
        queue.transfer(ticket.id, "C")
        return queue.get(ticket.id)
    queue.call(1, ticket.number)
    if state == "no_show":
        queue.no_show(ticket.id)
    elif state in ("serving", "done"):
        queue.start(ticket.id)
        if state == "done":
            queue.finish(ticket.id)
    return queue.get(ticket.id)


@pytest.mark.parametrize("state", list(ALLOWED))
@pytest.mark.parametrize("action", ["recall", "no_show", "start", "finish", "transfer", "call"])
def test_every_state_allows_only_its_transitions(queue, store, state, action):
    """The whole matrix: an action not allowed in a state is refused with a message in both
    languages and changes neither the ticket nor the outbox."""
    ticket = _ticket_in(queue, state)
    assert ticket.status == state
    before = changes_for(store, ticket.id)
    counter = 2  # a free counter, so a refused call is refused for the ticket's state
    run = {"transfer": lambda: queue.transfer(ticket.id, "A"),
           "call": lambda: queue.call(counter, ticket.number)}.get(
        action, lambda: getattr(queue, action)(ticket.id))
    if state == "transferred" and action == "call":  # the number now belongs to the live ticket
        called = run()
        assert called.id != ticket.id and called.service == "konsultasi" and called.number == ticket.number
        assert queue.get(ticket.id).status == "transferred"
        return
    if action in ALLOWED[state]:
        run()
        assert changes_for(store, ticket.id) != before
        return
    with pytest.raises((Refused, NotFound)) as err:
        run()
    assert err.value.message("id") and err.value.message("en")
    assert queue.get(ticket.id).status == state
    assert changes_for(store, ticket.id) == before


@pytest.mark.parametrize("counter", [0, -1, 4, 99])
def test_a_counter_outside_the_desk_is_refused(queue, store, counter):
    queue.take("B")
    with pytest.raises(NotFound) as err:
        queue.call_next(counter)
    assert "1 sampai 3" in err.value.message("id")
    with pytest.raises(NotFound):
        queue.call(counter, "B-001")
    assert queue.get(queue.find("B-001").id).status == "waiting"

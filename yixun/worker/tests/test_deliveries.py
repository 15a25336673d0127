"""The delivery log: one row per delivery, found by its key before each send, so that a send
tried again keeps its row and counts its attempts, and an outcome is recorded by one run only."""

from yixun.worker.models import Delivery
from yixun.worker.services import deliveries


def test_a_delivery_tried_again_keeps_its_row_and_counts_attempts(db) -> None:
    first = deliveries.begin(key="k-1", channel="robot", recipient="https://robot.example/hook")
    assert first is not None and first.attempts == 1
    again = deliveries.begin(key="k-1", channel="robot", recipient="https://robot.example/hook")
    assert again is not None and (again.pk, again.attempts) == (first.pk, 2)
    deliveries.record_sent(again, answer='{"errcode":0}')
    assert deliveries.begin(key="k-1", channel="robot", recipient="x") is None  # sent: no more
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_answer) == (
        Delivery.Status.SENT,
        2,
        '{"errcode":0}',
    )
    assert delivery.sent_at is not None


def test_a_failure_is_recorded_by_one_run_only(db) -> None:
    delivery = deliveries.begin(key="k-2", channel="message", recipient="139****0002")
    assert delivery is not None
    assert deliveries.record_failure(delivery, answer="timed out", final=False) is True
    # A second run of the same try (its worker died after recording) records nothing, and so
    # queues no second retry; the retry itself starts the next try.
    assert deliveries.record_failure(delivery, answer="timed out", final=False) is False
    assert deliveries.begin(key="k-2", channel="message", recipient="x", retry=0) is None
    retried = deliveries.begin(key="k-2", channel="message", recipient="x", retry=1)
    assert retried is not None and retried.attempts == 2
    assert deliveries.record_failure(retried, answer="refused", final=True) is True
    assert Delivery.objects.get().status == Delivery.Status.FAILED
    assert deliveries.begin(key="k-2", channel="message", recipient="x", retry=2) is None

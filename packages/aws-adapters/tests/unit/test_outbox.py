"""The job outbox: transitions write their effects with the status; the deliverer performs
and clears them, at least once, in order, signed. Store rules run on both backends."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from webhook_support import Receiver

from vidpipe_aws import SIGNATURE_HEADER, OutboxDeliverer, WebhookNotifier, verify
from vidpipe_aws.dynamo_jobs import DynamoJobStore
from vidpipe_aws.fakes import InMemoryJobStore, InMemoryObjectStorage, InMemoryQueue
from vidpipe_aws.jobs import JobStore, request_entry
from vidpipe_aws.provision import ensure_table
from vidpipe_types import DetectionRequest, Job, JobOptions, JobStatus, OutboxKind
from vidpipe_types.topology import JOBS_TABLE

S = JobStatus
START = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
SECRET = "whsec_test_only"
README = Path(__file__).resolve().parents[4] / "README.md"


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", pytest.param("dynamodb", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, clock: Clock) -> JobStore:
    if request.param == "memory":
        return InMemoryJobStore(page_size=2, clock=clock)
    clients = request.getfixturevalue("aws_clients")
    ensure_table(clients.dynamodb, JOBS_TABLE, "test-jobs")
    return DynamoJobStore(clients.dynamodb, "test-jobs", page_size=2, clock=clock)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


def created(store: JobStore, job_id: str = "j1", **metadata: str) -> Job:
    job = Job.new(job_id, "in", f"input/{job_id}.mp4", JobOptions(), START, user_metadata=metadata)
    return store.create_if_absent(job)[0]


def to_processing(store: JobStore, job_id: str = "j1", **kwargs: object) -> Job:
    return store.transition(
        job_id,
        from_statuses={S.CREATED},
        to_status=S.PROCESSING,
        total_segments=2,
        webhook_result={"total_segments": 2},
        **kwargs,  # type: ignore[arg-type]
    )


def deliverer(store: JobStore, url: str | None, clock: Clock, **kwargs: object) -> OutboxDeliverer:
    notifier = WebhookNotifier(url, secret=SECRET)
    return OutboxDeliverer(store, notifier, clock=clock, **kwargs)  # type: ignore[arg-type]


def documents(receiver: Receiver) -> list[dict[str, object]]:
    return [json.loads(d.body) for d in receiver.accepted]


# The store: entries written with the transition ------------------------------------------


def test_a_transition_writes_its_webhook_in_the_same_update(store: JobStore) -> None:
    created(store, order="42")
    job = to_processing(store)

    (entry,) = job.pending_entries()
    assert entry.kind is OutboxKind.WEBHOOK
    assert job.outbox_pending == "pending"
    assert json.loads(entry.body) == {
        "id": entry.id,
        "type": "job.processing",
        "created_at": "2026-03-01T12:00:00.000000Z",
        "job_id": "j1",
        "status": "processing",
        "metadata": {"order": "42"},
        "result": {"total_segments": 2},
    }
    assert [j.job_id for j in store.list_outbox_pending()] == ["j1"]


def test_a_transition_that_loses_its_race_writes_no_entry(store: JobStore) -> None:
    created(store)
    to_processing(store)
    with pytest.raises(Exception, match="processing"):
        to_processing(store)
    job = store.get("j1")
    assert job is not None and len(job.outbox) == 1


def test_clearing_the_last_entry_leaves_the_outbox_index(store: JobStore, clock: Clock) -> None:
    created(store)
    job = to_processing(store)
    clock.advance(5)
    (entry,) = job.pending_entries()

    store.clear_outbox("j1", entry.id)
    store.clear_outbox("j1", entry.id)  # a second clear (a redelivery) is a no-op

    after = store.get("j1")
    assert after is not None
    assert (after.outbox, after.outbox_pending) == ({}, None)
    assert after.updated_at == job.updated_at  # delivery is not progress
    assert list(store.list_outbox_pending()) == []


def test_failed_cancelled_and_completed_each_write_their_event(store: JobStore) -> None:
    created(store, "a")
    assert store.fail("a", "chunking", "no video stream")
    created(store, "b")
    store.cancel("b")
    created(store, "c")
    to_processing(store, "c")
    store.claim_reassembly("c", "media-1:m1:x", 60)
    assert store.complete(
        "c",
        "media-1:m1:x",
        {"final": "jobs/c/final.mp4"},
        staged={"jobs/c/final.mp4": "attempts/c/x/final.mp4"},
        webhook_result={"duration": 4.0},
    )

    def kinds(job_id: str) -> list[str]:
        job = store.get(job_id)
        assert job is not None
        return [
            json.loads(e.body)["type"] if e.kind is OutboxKind.WEBHOOK else e.kind.value
            for e in job.pending_entries()
        ]

    assert kinds("a") == ["job.failed"]
    assert kinds("b") == ["job.cancelled"]
    # The promotion comes before the completed webhook: receivers hear of final.mp4 once
    # it is at its key.
    assert kinds("c") == ["job.processing", "promote", "job.completed"]


def test_a_dead_letter_failure_can_be_reopened_once(store: JobStore) -> None:
    created(store)
    to_processing(store)
    assert store.fail("j1", "processing", "processing failed 5 times", dead_letter_queue="v")
    failed = store.get("j1")
    assert failed is not None and failed.error is not None
    assert failed.error.resume_status is S.PROCESSING

    reopened = store.reopen("j1")

    assert reopened is not None and reopened.status is S.PROCESSING and reopened.error is None
    assert store.reopen("j1") is None


def test_a_bad_input_failure_is_not_reopened(store: JobStore) -> None:
    created(store)
    store.fail("j1", "chunking", "not a video")
    assert store.reopen("j1") is None


# The deliverer ---------------------------------------------------------------------------


def test_delivered_webhooks_are_signed_and_cleared(
    store: JobStore, clock: Clock, receiver: Receiver
) -> None:
    created(store)
    to_processing(store)

    report = deliverer(store, receiver.url, clock).deliver("j1")

    assert len(report.delivered) == 1
    (delivery,) = receiver.accepted
    assert verify(delivery.headers[SIGNATURE_HEADER], delivery.body, SECRET)
    assert not verify(delivery.headers[SIGNATURE_HEADER], delivery.body, "another secret")
    job = store.get("j1")
    assert job is not None and job.outbox == {}


def test_the_readme_snippet_verifies_a_delivered_webhook(
    store: JobStore, clock: Clock, receiver: Receiver
) -> None:
    created(store)
    to_processing(store)
    deliverer(store, receiver.url, clock).deliver("j1")
    (delivery,) = receiver.accepted

    text = README.read_text(encoding="utf-8")
    snippet = re.search(r"<!-- VERIFY-SNIPPET -->\n```python\n(.*?)```", text, re.S)
    assert snippet is not None, "README.md lost its signature verification snippet"
    namespace: dict[str, object] = {}
    exec(snippet.group(1), namespace)  # noqa: S102 - our own README's code, under test
    verify_signature = namespace["verify_signature"]
    assert callable(verify_signature)
    header = delivery.headers[SIGNATURE_HEADER]
    assert verify_signature(header, delivery.body, SECRET) is True
    assert verify_signature(header, delivery.body + b" ", SECRET) is False


def test_a_failing_receiver_gets_the_same_event_again_later(store: JobStore, clock: Clock) -> None:
    receiver = Receiver(answers=[500, 503])
    try:
        created(store)
        to_processing(store)
        outbox = deliverer(store, receiver.url, clock, backoff_base_seconds=10)

        first = outbox.deliver("j1")
        assert len(first.failed) == 1
        job = store.get("j1")
        assert job is not None
        (entry,) = job.pending_entries()
        assert (entry.attempts, entry.last_error) == (1, "HTTP 500")
        assert outbox.deliver("j1").waiting  # not due yet: no POST
        assert len(receiver.deliveries) == 1

        clock.advance(3600)
        outbox.deliver("j1")  # 503
        clock.advance(3600)
        assert len(outbox.deliver("j1").delivered) == 1

        ids = {json.loads(d.body)["id"] for d in receiver.deliveries}
        assert len(receiver.deliveries) == 3 and ids == {entry.id}
    finally:
        receiver.close()


class _KilledAfterPost(InMemoryJobStore):
    """Dies (raises) on the first clear: a worker killed between the POST and the clear."""

    killed = False

    def clear_outbox(self, job_id: str, entry_id: str) -> None:
        if not self.killed:
            self.killed = True
            raise SystemExit("killed")
        super().clear_outbox(job_id, entry_id)


def test_a_kill_between_post_and_clear_delivers_again_with_the_same_id(
    clock: Clock, receiver: Receiver
) -> None:
    store = _KilledAfterPost(clock=clock)
    created(store)
    to_processing(store)

    with pytest.raises(SystemExit):
        deliverer(store, receiver.url, clock).deliver("j1")
    # The next process (the sweeper of any worker) finds it still pending.
    deliverer(store, receiver.url, clock).sweep()

    first, second = documents(receiver)
    assert first == second
    job = store.get("j1")
    assert job is not None and job.outbox == {}


def test_a_later_webhook_waits_for_an_earlier_one(store: JobStore, clock: Clock) -> None:
    receiver = Receiver(answers=[500])
    try:
        created(store)
        to_processing(store)
        store.claim_reassembly("j1", "t1", 60)
        store.complete("j1", "t1", {"final": "jobs/j1/final.mp4"})
        outbox = deliverer(store, receiver.url, clock)

        outbox.deliver("j1")
        assert receiver.accepted == []  # completed not sent while processing failed
        clock.advance(3600)
        outbox.deliver("j1")

        assert [d["type"] for d in documents(receiver)] == ["job.processing", "job.completed"]
    finally:
        receiver.close()


def test_promotion_copies_the_winners_artifacts_before_the_completed_webhook(
    store: JobStore, clock: Clock, receiver: Receiver
) -> None:
    storage = InMemoryObjectStorage()
    storage.put_bytes("out", "attempts/j1/t1/metadata.json", b'{"winner": true}')
    created(store)
    to_processing(store)
    store.claim_reassembly("j1", "t1", 60)
    store.complete(
        "j1",
        "t1",
        {"metadata": "jobs/j1/metadata.json"},
        staged={"jobs/j1/metadata.json": "attempts/j1/t1/metadata.json"},
    )

    # A deliverer that cannot promote (no storage) sends the earlier webhook only.
    deliverer(store, receiver.url, clock).deliver("j1")
    assert [d["type"] for d in documents(receiver)] == ["job.processing"]

    deliverer(store, receiver.url, clock, storage=storage, output_bucket="out").deliver("j1")
    assert storage.get_bytes("out", "jobs/j1/metadata.json") == b'{"winner": true}'
    assert [d["type"] for d in documents(receiver)] == ["job.processing", "job.completed"]


def test_the_detection_request_goes_through_the_outbox(store: JobStore, clock: Clock) -> None:
    queue = InMemoryQueue()
    created(store)
    request = DetectionRequest(job_id="j1", source_key="input/j1.mp4").model_dump_json()
    to_processing(store, outbox=[request_entry(OutboxKind.DETECTION, request, clock())])

    # A deliverer without the detection queue leaves the request for one that has it.
    deliverer(store, None, clock).deliver("j1")
    assert queue.bodies() == []
    deliverer(store, None, clock, detection_queue=queue).deliver("j1")

    assert queue.bodies() == [request]
    job = store.get("j1")
    assert job is not None and job.outbox == {}


def test_the_sweep_leaves_fresh_entries_to_the_worker_that_wrote_them(
    store: JobStore, clock: Clock, receiver: Receiver
) -> None:
    created(store)
    to_processing(store)
    outbox = deliverer(store, receiver.url, clock)

    assert outbox.sweep(min_age=timedelta(seconds=30)) == 0
    clock.advance(31)
    assert outbox.sweep(min_age=timedelta(seconds=30)) == 1
    assert len(receiver.accepted) == 1


def test_without_a_callback_url_webhooks_are_cleared_unsent(store: JobStore, clock: Clock) -> None:
    created(store)
    to_processing(store)
    assert len(deliverer(store, None, clock).deliver("j1").delivered) == 1
    assert list(store.list_outbox_pending()) == []


def test_the_background_delivery_sends_what_notify_hands_it(
    store: JobStore, clock: Clock, receiver: Receiver
) -> None:
    notifier = WebhookNotifier(receiver.url, secret=SECRET)
    notifier.attach_outbox(OutboxDeliverer(store, notifier, clock=clock))
    created(store)
    to_processing(store)

    notifier.notify("j1", "processing")
    assert notifier.flush(timeout_seconds=10)

    assert [d["type"] for d in documents(receiver)] == ["job.processing"]


def test_detection_completed_is_written_with_the_detection_status(store: JobStore) -> None:
    from vidpipe_types import DetectionState, DetectionStatus

    created(store, order="7")
    running = DetectionStatus(state=DetectionState.RUNNING, frames_processed=3)
    assert store.update_fields("j1", detection=running).outbox == {}
    done = DetectionStatus(
        state=DetectionState.COMPLETED, frames_processed=5, outputs={"detections": "s3://o/d"}
    )
    job = store.update_fields("j1", detection=done)
    store.update_fields("j1", detection=done)  # the same state again owes nothing more

    (entry,) = job.pending_entries()
    document = json.loads(entry.body)
    assert (document["type"], document["metadata"]) == ("detection.completed", {"order": "7"})
    assert document["result"]["outputs"] == {"detections": "s3://o/d"}
    after = store.get("j1")
    assert after is not None and len(after.outbox) == 1


def test_detection_failed_is_written_with_the_failed_detection_status(store: JobStore) -> None:
    from vidpipe_types import DetectionState, DetectionStatus

    created(store)
    failed = DetectionStatus(state=DetectionState.FAILED, reason="the video cannot be decoded")
    job = store.update_fields("j1", detection=failed)
    store.update_fields("j1", detection=failed)  # the same state again owes nothing more

    (entry,) = job.pending_entries()
    document = json.loads(entry.body)
    assert document["type"] == "detection.failed"
    assert document["error"] == {"stage": "detection", "reason": "the video cannot be decoded"}
    after = store.get("j1")
    assert after is not None and len(after.outbox) == 1

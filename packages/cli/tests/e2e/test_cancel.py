"""A cancel on the local stack with every worker its own process: a job cancelled after its
segments were processed, before the media-worker saw it, gets no final.mp4 and no
completion. The media-worker is started only after the cancel, so that the order of events
is fixed by the test, not by timing."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from vidpipe_cli import LocalStack, Target, file_sinks, submit_file
from vidpipe_cli.local_stack import CHUNKING_WORKER, MEDIA_WORKER, VIDEO_WORKER
from vidpipe_types import JobStatus, Worker, build_job_output_key

from .conftest import E2E_WORKER_ENV

pytestmark = pytest.mark.e2e

DEADLINE_SECONDS = 120


def wait_for(what: str, check: object) -> None:
    """Poll `check()` until it is true; fail naming `what` after a generous deadline."""
    assert callable(check)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def queue_is_empty(target: Target, worker: Worker) -> bool:
    attributes = target.clients.sqs.get_queue_attributes(
        QueueUrl=target.queue_url(worker),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return all(value == "0" for value in attributes.values())


@pytest.fixture
def stack_without_media(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    stack = LocalStack(
        prefix="vidpipe-cancel",
        workers=[(CHUNKING_WORKER, 1), (VIDEO_WORKER, 1)],
        log_sink=file_sinks(tmp_path_factory.mktemp("cancel-logs")),
        worker_env=E2E_WORKER_ENV,
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def test_a_job_cancelled_before_its_reassembly_is_never_completed(
    stack_without_media: LocalStack, samples
) -> None:
    stack, target = stack_without_media, stack_without_media.target()
    submit_file(target, samples / "bikes.mp4", job_id="cancel-e2e", key="input/cancel.mp4")

    def all_segments_done() -> bool:
        job = target.jobs.get("cancel-e2e")
        total = job.total_segments if job else None
        return bool(job and total and job.completed_segments == total)

    wait_for("every segment to be processed", all_segments_done)
    outcome = target.jobs.cancel("cancel-e2e")
    assert outcome.cancelled_now
    stack.add_worker(MEDIA_WORKER)
    wait_for("the media-worker to take the reassembly message", lambda: queue_is_empty(
        target, Worker.REASSEMBLY
    ))  # fmt: skip
    stack.check_workers()

    job = target.jobs.get("cancel-e2e")
    assert job is not None and job.status is JobStatus.CANCELLED
    assert job.outputs == {} and job.completed_at is None
    bucket = stack.names.output_bucket
    assert not target.storage.exists(bucket, build_job_output_key("cancel-e2e", "final.mp4"))
    assert not target.storage.exists(bucket, build_job_output_key("cancel-e2e", "metadata.json"))
    assert queue_is_empty(target, Worker.REASSEMBLY)

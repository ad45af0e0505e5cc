"""The handler against a moto server over HTTP: real S3 events, real adapters, real ffmpeg."""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from vidpipe_ffmpeg import probe
from vidpipe_types import (
    DetectionRequest,
    JobStatus,
    Mode,
    VideoWorkerPayload,
    Worker,
    build_segment_key,
    parse_segment_key,
    s3_uri,
)

from .conftest import Chunker, Stack, drain_events, receive_until

pytestmark = pytest.mark.integration


def chunk_upload(stack: Stack, chunker: Chunker, path: Path, key: str, **metadata: str) -> None:
    """Upload to input/ and handle what arrives on the chunking queue, as the runner would."""
    stack.ctx.storage.upload_file(path, stack.input_bucket, key, metadata=metadata)
    for message, _ in receive_until(stack.queue(Worker.CHUNKING), wanted=1):
        chunker.handler(message)


def segment_payloads(stack: Stack) -> list[VideoWorkerPayload]:
    """What the video-worker will be given: the segment events on its queue, parsed."""
    payloads = []
    for event in drain_events(stack.queue(Worker.VIDEO)):
        payload = parse_segment_key(event.bucket, event.key)
        assert payload is not None, f"not a segment key: {event.key}"
        payloads.append(payload)
    return payloads


def test_an_upload_is_chunked_into_segments_that_reach_the_video_queue(
    stack: Stack, chunker: Chunker, bikes_path: Path
) -> None:
    chunk_upload(stack, chunker, bikes_path, "input/my bikes.mp4", **{"job-id": "bikes-1"})

    job = stack.ctx.jobs.get("bikes-1")
    assert job is not None
    assert job.status is JobStatus.PROCESSING
    total = job.total_segments
    assert total is not None and total >= 3
    keys = list(stack.ctx.storage.list_keys(stack.input_bucket, "segments/bikes-1/"))
    assert keys == [build_segment_key("bikes-1", i, total, Mode.PASSTHROUGH) for i in range(total)]
    payloads = segment_payloads(stack)
    # moto may deliver an event twice; the video-worker is idempotent, the set is what counts.
    assert {p.segment_index for p in payloads} == set(range(total))
    for p in payloads:
        assert (p.job_id, p.total_segments, p.mode) == ("bikes-1", total, Mode.PASSTHROUGH)
        key = build_segment_key("bikes-1", p.segment_index, total, Mode.PASSTHROUGH)
        assert p.segment_s3_uri == s3_uri(stack.input_bucket, key)
    assert chunker.trigger.calls == [("bikes-1", "chunking")]
    assert list(chunker.work_dir.iterdir()) == []
    # Nothing is complete yet: no reassembly request, and nothing dead-lettered.
    assert stack.queue(Worker.REASSEMBLY).receive(10, wait_seconds=0) == []
    assert stack.dlq(Worker.CHUNKING).receive(10, wait_seconds=0) == []


def test_a_single_keyframe_source_is_reencoded_into_segments_that_keep_audio(
    stack: Stack,
    chunker: Chunker,
    bunny_path: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="vidpipe_chunking")

    chunk_upload(
        stack, chunker, bunny_path, "input/bbb.mp4", **{"job-id": "bbb-1", "detect": "true"}
    )

    job = stack.ctx.jobs.get("bbb-1")
    assert job is not None and job.status is JobStatus.PROCESSING
    assert job.total_segments is not None and job.total_segments >= 2
    strategies = [r.strategy for r in caplog.records if hasattr(r, "strategy")]
    assert strategies == ["reencode"]
    assert {p.segment_index for p in segment_payloads(stack)} == set(range(job.total_segments))
    segment = tmp_path / "segment.mp4"
    key = build_segment_key("bbb-1", 1, job.total_segments, Mode.PASSTHROUGH)
    stack.ctx.storage.download_file(stack.input_bucket, key, segment)
    probed = probe(segment)
    assert probed.audio is not None and probed.audio.codec == "aac"
    assert probed.video is not None and (probed.video.width, probed.video.height) == (1280, 720)
    # Segments keep the source's timestamps: segment 1 of a 2 s split starts its video at 2 s;
    # its audio goes on from where segment 0's stopped, at most one packet before the cut.
    assert probed.keyframes[0] == pytest.approx(2.0, abs=0.001)
    assert probed.keyframes[0] - 0.1 <= probed.start_time <= probed.keyframes[0]
    (message,) = stack.queue(Worker.DETECTION).receive(10, wait_seconds=1)
    request = DetectionRequest.model_validate_json(message.body)
    assert (request.job_id, request.source_key) == ("bbb-1", "input/bbb.mp4")


def test_a_duplicate_event_uploads_no_segment_twice(
    stack: Stack, chunker: Chunker, bikes_path: Path
) -> None:
    chunk_upload(stack, chunker, bikes_path, "input/dup.mp4")
    first = {(p.job_id, p.segment_index) for p in segment_payloads(stack)}
    (job_id,) = {job_id for job_id, _ in first}
    before = stack.ctx.jobs.get(job_id)

    # The same S3 event again, as SQS redelivery or moto's second multipart event would bring.
    body = (
        '{"Records": [{"eventName": "ObjectCreated:CompleteMultipartUpload", "s3": {"bucket": '
        f'{{"name": "{stack.input_bucket}"}}, "object": {{"key": "input%2Fdup.mp4"}}}}}}]}}'
    )
    stack.queue(Worker.CHUNKING).send(body)
    for message, _ in receive_until(stack.queue(Worker.CHUNKING), wanted=1):
        chunker.handler(message)

    after = stack.ctx.jobs.get(job_id)
    assert after is not None and before is not None
    assert after.stage_timestamps == before.stage_timestamps
    assert after.total_segments == before.total_segments
    assert drain_events(stack.queue(Worker.VIDEO)) == []
    assert [n["status"] for n in chunker.notifier.sent] == ["processing"]


def test_a_duplicate_event_during_chunking_is_dropped_instead_of_splitting_again(
    stack: Stack, chunker: Chunker, tiny_video: Path
) -> None:
    # A second event for the same upload (another SQS message) while the first is being
    # chunked, on DynamoDB's conditions: the first holds the chunking lease and splits; the
    # duplicate does no work and is dropped.
    stack.ctx.storage.upload_file(
        tiny_video, stack.input_bucket, "input/dup.mp4", metadata={"job-id": "dup-1"}
    )
    received = receive_until(stack.queue(Worker.CHUNKING), wanted=1)
    (message,) = [message for message, events in received if events]  # not S3's TestEvent
    duplicate = dataclasses.replace(message, message_id=f"{message.message_id}-twin")
    splitting = threading.Event()
    release = threading.Event()
    real_split = chunker.handler._splitter.split
    splits: list[str] = []

    def slow_split(*args: Any, **kwargs: Any) -> Any:
        splits.append(threading.current_thread().name)
        splitting.set()
        assert release.wait(30)
        return real_split(*args, **kwargs)

    chunker.handler._splitter.split = slow_split  # type: ignore[method-assign]
    failures: list[BaseException] = []

    def handle_first() -> None:
        try:
            chunker.handler(message)
        except BaseException as exc:
            failures.append(exc)
            splitting.set()

    first = threading.Thread(target=handle_first, name="first")
    first.start()
    try:
        assert splitting.wait(30)
        assert failures == []
        chunker.handler(duplicate)  # returns at once: dropped
    finally:
        release.set()
        first.join(60)

    assert failures == []
    assert splits == ["first"]
    job = stack.ctx.jobs.get("dup-1")
    assert job is not None and job.status is JobStatus.PROCESSING
    assert job.chunking_lease_owner is None
    keys = list(stack.ctx.storage.list_keys(stack.input_bucket, "segments/dup-1/"))
    assert job.total_segments is not None and len(keys) == job.total_segments
    assert chunker.trigger.calls == [("dup-1", "chunking")]

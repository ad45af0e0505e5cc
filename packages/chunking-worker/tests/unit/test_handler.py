"""ChunkingHandler over the in-memory fakes and a fake Splitter (the ffmpeg side is covered by
tests/integration)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vidpipe_aws import BadInput
from vidpipe_aws.webhook import NotifyingFailureRecorder
from vidpipe_ffmpeg import InvalidMediaError, ProbeResult
from vidpipe_testkit import S3_TEST_EVENT_BODY, s3_event_body
from vidpipe_types import (
    DetectionRequest,
    Job,
    JobOptions,
    JobStatus,
    ReassemblyPayload,
    SegmentCompletion,
    build_segment_key,
    derive_job_id,
)

from ..support import INPUT_BUCKET, TINY, FakeSplitter, World, make_world, message

KEY = "input/tiny clip.mp4"


def all_jobs(world: World) -> list[Job]:
    return [job for status in JobStatus for job in world.jobs.list_by_status(status)]


def fail_as_the_runner_does(world: World, bad: BadInput) -> None:
    """What the runner does with a BadInput (its `failures` is this recorder in __main__)."""
    assert bad.job_id is not None
    NotifyingFailureRecorder(world.jobs, world.notifier).fail(
        bad.job_id, bad.stage or "chunking", bad.reason
    )


def expected_keys(job_id: str, total: int, mode: str = "passthrough") -> list[str]:
    return [build_segment_key(job_id, i, total, mode) for i in range(total)]


# Nothing to do ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [S3_TEST_EVENT_BODY, "not json at all", "{}", json.dumps({"Records": []})]
)
def test_a_message_that_is_not_an_upload_is_nothing_to_do(world: World, body: str) -> None:
    world.handler(message(body))

    assert all_jobs(world) == []
    assert world.trigger.calls == []
    assert world.notifier.sent == []


def test_an_event_outside_input_is_skipped_without_reading_the_object(
    world: World, upload_file: Path
) -> None:
    msg = world.upload("uploads/tiny.mp4", upload_file, {"job-id": "job-x"})

    world.handler(msg)

    assert all_jobs(world) == []
    assert world.storage.downloads == []


def test_an_object_deleted_before_its_event_is_handled_is_skipped(world: World) -> None:
    world.handler(message(s3_event_body(INPUT_BUCKET, "input/gone.mp4")))

    assert all_jobs(world) == []


def test_an_invalid_job_id_in_metadata_creates_no_job(world: World, upload_file: Path) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "../etc"})

    world.handler(msg)

    assert all_jobs(world) == []
    assert world.storage.uploads == [KEY]


# A good upload ---------------------------------------------------------------------------


def test_an_upload_becomes_a_processing_job_with_its_segments(
    world: World, upload_file: Path
) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-1"})

    world.handler(msg)

    job = world.jobs.get("job-1")
    assert job is not None
    assert job.status is JobStatus.PROCESSING
    assert job.total_segments == 3
    assert (job.source_bucket, job.source_key) == (INPUT_BUCKET, KEY)
    assert job.stage == "processing"
    assert {"created", "chunking", "processing"} <= set(job.stage_timestamps)
    assert world.segment_keys("job-1") == expected_keys("job-1", 3)
    for key in world.segment_keys("job-1"):
        assert world.storage.head(INPUT_BUCKET, key).content_type == "video/mp4"
    assert world.trigger.calls == [("job-1", "chunking")]
    assert world.notifier.sent == [
        {"job_id": "job-1", "status": "processing", "result": {"total_segments": 3}, "error": None}
    ]
    assert len(world.detection_queue) == 0
    assert list(world.work_dir.iterdir()) == []  # the temporary files are gone


def test_progress_is_written_to_the_job_as_segments_upload(
    tmp_path: Path, upload_file: Path
) -> None:
    world = make_world(tmp_path, SEGMENT_UPLOAD_CONCURRENCY=1)
    world.handler(world.upload(KEY, upload_file, {"job-id": "job-p"}))

    assert world.jobs.stages == [
        "chunking: splitting",
        "chunking: uploaded 1/3 segments",
        "chunking: uploaded 2/3 segments",
    ]


def test_parallel_uploads_write_progress_about_ten_times(tmp_path: Path, upload_file: Path) -> None:
    probed = TINY.model_copy(update={"duration": 40.0, "keyframes": tuple(map(float, range(40)))})
    world = make_world(tmp_path, splitter=FakeSplitter(probed=probed))
    world.handler(world.upload(KEY, upload_file, {"job-id": "job-p"}))

    uploaded = [stage for stage in world.jobs.stages if stage.startswith("chunking: uploaded")]
    assert 1 <= len(uploaded) <= 10
    counts = [int(stage.split()[2].split("/")[0]) for stage in uploaded]
    assert counts == sorted(counts) and counts[-1] < 40
    assert world.segment_keys("job-p") == expected_keys("job-p", 40)


def test_without_a_job_id_the_job_id_is_derived_from_the_object(
    world: World, upload_file: Path
) -> None:
    msg = world.upload(KEY, upload_file, {"mode": "grayscale"})

    world.handler(msg)

    etag = world.storage.head(INPUT_BUCKET, KEY).etag
    job_id = derive_job_id(INPUT_BUCKET, KEY, etag)
    job = world.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.PROCESSING
    assert job.options == JobOptions(mode="grayscale")
    assert world.segment_keys(job_id) == expected_keys(job_id, 3, "grayscale")


def test_the_default_mode_comes_from_the_settings(tmp_path: Path, upload_file: Path) -> None:
    world = make_world(tmp_path, MODEL="grayscale")

    world.handler(world.upload(KEY, upload_file, {"job-id": "job-g"}))

    assert world.segment_keys("job-g") == expected_keys("job-g", 3, "grayscale")


def test_the_split_strategy_and_length_come_from_the_settings(
    tmp_path: Path, upload_file: Path
) -> None:
    world = make_world(tmp_path, SPLIT_STRATEGY="reencode")

    world.handler(world.upload(KEY, upload_file, {"job-id": "job-r"}))

    (split,) = world.splitter.splits
    assert (split.segment_seconds, split.strategy) == (1, "reencode")
    assert split.source.suffix == ".mp4"  # the upload's own extension, kept
    job = world.jobs.get("job-r")
    assert job is not None and job.total_segments == 3
    assert world.segment_keys("job-r") == expected_keys("job-r", 3)


# Duplicates and redeliveries ----------------------------------------------------------------


def test_a_duplicate_event_finds_the_same_job_and_uploads_nothing_again(
    world: World, upload_file: Path
) -> None:
    msg = world.upload(KEY, upload_file)
    world.handler(msg)
    (job,) = all_jobs(world)
    uploads = list(world.storage.uploads)

    world.handler(msg)

    assert all_jobs(world) == [world.jobs.get(job.job_id)]
    again = world.jobs.get(job.job_id)
    assert again is not None
    assert again.stage_timestamps == job.stage_timestamps  # no second transition
    assert world.storage.uploads == uploads
    assert world.storage.downloads == [KEY]
    assert [n["status"] for n in world.notifier.sent] == ["processing"]
    # Evaluating again is how a crash between the total and the trigger is recovered.
    assert world.trigger.calls == [(job.job_id, "chunking")] * 2


def test_a_redelivery_after_a_crash_mid_chunking_chunks_again(
    world: World, upload_file: Path
) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-c"})
    now = datetime.now(UTC)
    world.jobs.create_if_absent(Job.new("job-c", INPUT_BUCKET, KEY, JobOptions(), now))
    world.jobs.transition("job-c", from_statuses=(JobStatus.CREATED,), to_status=JobStatus.CHUNKING)
    # The crashed attempt had uploaded its first segment.
    world.storage.upload_file(
        upload_file, INPUT_BUCKET, build_segment_key("job-c", 0, 3, "passthrough")
    )

    world.handler(message(msg.body, receive_count=2))

    job = world.jobs.get("job-c")
    assert job is not None and job.status is JobStatus.PROCESSING and job.total_segments == 3
    assert world.segment_keys("job-c") == expected_keys("job-c", 3)


def chunking_job(world: World, job_id: str) -> Job:
    job, _ = world.jobs.create_if_absent(
        Job.new(job_id, INPUT_BUCKET, KEY, JobOptions(), datetime.now(UTC))
    )
    return job


def test_a_duplicate_event_is_dropped_while_another_message_holds_the_lease(
    world: World, upload_file: Path
) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-l"})
    job = chunking_job(world, "job-l")
    assert world.jobs.claim_chunking(job, "other-message:1a2b", 900, stage="chunking")

    world.handler(msg)  # a second event for the same upload: another SQS message

    # Nothing downloaded, split or uploaded; the holder's own message recovers the job.
    assert world.storage.downloads == []
    assert world.segment_keys("job-l") == []
    job = world.jobs.get("job-l")
    assert job is not None and job.chunking_lease_owner == "other-message:1a2b"


def test_a_redelivery_of_the_holders_own_message_takes_the_job_over_at_once(
    world: World, upload_file: Path
) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-r"})
    job = chunking_job(world, "job-r")
    # The first handling of this very message holds the lease and died (killed mid-upload).
    assert world.jobs.claim_chunking(job, f"{msg.message_id}:1a2b", 900, stage="chunking")

    world.handler(message(msg.body, receive_count=2))  # the same message id

    # Not 900 s later: the job is chunked now.
    job = world.jobs.get("job-r")
    assert job is not None and job.status is JobStatus.PROCESSING
    assert world.segment_keys("job-r") == expected_keys("job-r", 3)


def test_a_duplicate_after_the_holder_finished_only_evaluates_reassembly(
    world: World, upload_file: Path
) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-d"})
    world.handler(msg)
    uploads = list(world.storage.uploads)

    world.handler(message(msg.body, receive_count=2))

    assert world.storage.uploads == uploads
    job = world.jobs.get("job-d")
    assert job is not None and job.status is JobStatus.PROCESSING
    assert (job.chunking_lease_owner, job.chunking_lease_until) == (None, None)


def test_an_expired_lease_is_taken_over(world: World, upload_file: Path) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-x"})
    # The attempt that held it died: its lease ran out.
    assert world.jobs.claim_chunking(chunking_job(world, "job-x"), "dead", 0.001, stage="c")
    time.sleep(0.01)

    world.handler(message(msg.body, receive_count=2))

    job = world.jobs.get("job-x")
    assert job is not None and job.status is JobStatus.PROCESSING
    assert world.segment_keys("job-x") == expected_keys("job-x", 3)


def test_an_attempt_whose_lease_was_taken_over_stops(world: World, upload_file: Path) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-t"})
    real_renew = world.jobs.renew_chunking

    def taken_over(job_id: str, owner: str, lease_seconds: float, **fields: object) -> Job | None:
        # Our lease ran out during the split and a duplicate took the job.
        world.jobs.release_chunking(job_id, owner)
        current = world.jobs.get(job_id)
        assert current is not None
        assert world.jobs.claim_chunking(current, "newcomer", 900, stage="chunking")
        world.jobs.renew_chunking = real_renew  # type: ignore[method-assign]
        return real_renew(job_id, owner, lease_seconds, **fields)

    world.jobs.renew_chunking = taken_over  # type: ignore[method-assign]
    world.handler(msg)

    job = world.jobs.get("job-t")
    assert job is not None and job.status is JobStatus.CHUNKING
    assert job.chunking_lease_owner == "newcomer"
    assert world.segment_keys("job-t") == []


def test_a_passing_error_gives_the_lease_back(world: World, upload_file: Path) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-e"})
    assert world.splitter is not None

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    world.splitter.split = broken  # type: ignore[method-assign]
    with pytest.raises(OSError, match="disk full"):
        world.handler(msg)

    job = world.jobs.get("job-e")
    assert job is not None and job.status is JobStatus.CHUNKING
    assert job.chunking_lease_owner is None  # the retry takes the job at once


def test_a_duplicate_event_for_a_failed_job_does_nothing(world: World, upload_file: Path) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-f"})
    world.jobs.create_if_absent(
        Job.new("job-f", INPUT_BUCKET, KEY, JobOptions(), datetime.now(UTC))
    )
    world.jobs.fail("job-f", "chunking", "no video stream")

    world.handler(msg)

    assert world.storage.downloads == []
    assert world.trigger.calls == []


def test_a_job_id_that_belongs_to_another_upload_is_not_reused(
    world: World, upload_file: Path
) -> None:
    world.handler(world.upload(KEY, upload_file, {"job-id": "job-1"}))
    uploads = list(world.storage.uploads)

    world.handler(world.upload("input/other.mp4", upload_file, {"job-id": "job-1"}))

    job = world.jobs.get("job-1")
    assert job is not None and job.source_key == KEY
    assert world.storage.uploads == [*uploads, "input/other.mp4"]


def test_completions_that_came_first_are_reassembled_once_chunking_records_the_total(
    world: World, upload_file: Path
) -> None:
    for index in range(3):
        world.completions.put(
            SegmentCompletion(
                job_id="job-early",
                segment_index=index,
                output_s3_uri=f"s3://out/jobs/job-early/segments/{index}.mp4",
                completed_at=datetime.now(UTC),
                total_segments=3,
            )
        )

    world.handler(world.upload(KEY, upload_file, {"job-id": "job-early"}))

    (body,) = world.reassembly_queue.bodies()
    payload = ReassemblyPayload.model_validate_json(body)
    assert (payload.job_id, payload.total_segments, payload.reason) == ("job-early", 3, "chunking")


# Bad uploads ------------------------------------------------------------------------------


def test_bad_options_fail_the_job_with_the_reason(world: World, upload_file: Path) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-bad", "mode": "blur"})

    with pytest.raises(BadInput) as caught:
        world.handler(msg)

    bad = caught.value
    assert (bad.job_id, bad.stage) == ("job-bad", "chunking")
    assert bad.reason == "unknown mode 'blur': choose one of passthrough, grayscale, sam2"
    fail_as_the_runner_does(world, bad)
    job = world.jobs.get("job-bad")
    assert job is not None and job.status is JobStatus.FAILED
    assert job.error is not None and job.error.reason == bad.reason
    assert world.segment_keys("job-bad") == []
    assert world.storage.downloads == []
    assert [n["status"] for n in world.notifier.sent] == ["failed"]


def test_a_mode_no_deployed_worker_serves_fails_the_job_before_any_segment(
    tmp_path: Path, upload_file: Path
) -> None:
    world = make_world(tmp_path, DEPLOYED_MODES="passthrough, grayscale")
    msg = world.upload(KEY, upload_file, {"job-id": "job-sam2", "mode": "sam2"})

    with pytest.raises(BadInput) as caught:
        world.handler(msg)

    bad = caught.value
    assert bad.reason == (
        "mode sam2 is not deployed in this stack (DEPLOYED_MODES=passthrough,grayscale)"
    )
    fail_as_the_runner_does(world, bad)
    job = world.jobs.get("job-sam2")
    assert job is not None and job.status is JobStatus.FAILED
    assert world.segment_keys("job-sam2") == []
    assert world.storage.downloads == []


def test_a_deployed_mode_is_chunked(tmp_path: Path, upload_file: Path) -> None:
    world = make_world(tmp_path, DEPLOYED_MODES="sam2")
    world.handler(world.upload(KEY, upload_file, {"job-id": "job-gpu", "mode": "sam2"}))

    job = world.jobs.get("job-gpu")
    assert job is not None and job.status is JobStatus.PROCESSING
    assert world.segment_keys("job-gpu") == expected_keys("job-gpu", 3, "sam2")


@pytest.mark.parametrize(
    "reason", ["empty file (0 bytes)", "not a video file ffmpeg can read"], ids=["zero", "text"]
)
def test_a_file_that_is_not_a_video_fails_its_job_with_the_reason(
    tmp_path: Path, upload_file: Path, reason: str
) -> None:
    world = make_world(tmp_path, splitter=FakeSplitter(bad=reason))
    msg = world.upload(KEY, upload_file, {"job-id": "job-text"})

    with pytest.raises(BadInput) as caught:
        world.handler(msg)

    bad = caught.value
    assert bad.job_id == "job-text"
    assert bad.reason == reason
    fail_as_the_runner_does(world, bad)
    job = world.jobs.get("job-text")
    assert job is not None and job.status is JobStatus.FAILED
    assert job.error is not None and job.error.reason == reason
    assert job.error.stage == "chunking"
    assert world.segment_keys("job-text") == []
    assert world.splitter.splits == []
    assert list(world.work_dir.iterdir()) == []


def test_an_upload_over_max_size_fails_before_it_is_downloaded(
    tmp_path: Path, upload_file: Path
) -> None:
    world = make_world(tmp_path, MAX_SIZE_BYTES=1000)
    msg = world.upload(KEY, upload_file, {"job-id": "job-big"})

    with pytest.raises(BadInput) as caught:
        world.handler(msg)

    size = upload_file.stat().st_size
    assert caught.value.reason == (
        f"file is {size / 1024:.1f} KiB, over MAX_SIZE_BYTES=1000 (1000 bytes)"
    )
    assert world.storage.downloads == []


def test_an_upload_over_max_duration_names_the_setting(tmp_path: Path, upload_file: Path) -> None:
    world = make_world(tmp_path, MAX_DURATION_SECONDS=2)
    msg = world.upload(KEY, upload_file, {"job-id": "job-long"})

    with pytest.raises(BadInput) as caught:
        world.handler(msg)

    assert caught.value.reason == "duration 3.0 s exceeds MAX_DURATION_SECONDS=2"
    assert world.segment_keys("job-long") == []


class RefusesText(FakeSplitter):
    """Probes `.txt` uploads as not a video, anything else as the usual video."""

    def probe(self, source: Path) -> ProbeResult:
        if source.suffix == ".txt":
            raise InvalidMediaError("not a video file ffmpeg can read")
        return super().probe(source)


def test_in_a_message_with_two_records_the_good_upload_is_chunked_and_the_bad_one_fails(
    tmp_path: Path, upload_file: Path
) -> None:
    world = make_world(tmp_path, splitter=RefusesText())
    text = tmp_path / "notes.txt"
    text.write_bytes(b"not a video\n" * 40)
    bad_body = json.loads(world.upload("input/notes.txt", text, {"job-id": "job-t"}).body)
    good_body = json.loads(world.upload(KEY, upload_file, {"job-id": "job-v"}).body)
    body = json.dumps({"Records": bad_body["Records"] + good_body["Records"]})

    with pytest.raises(BadInput) as caught:
        world.handler(message(body))

    assert caught.value.job_id == "job-t"
    assert caught.value.reason == "not a video file ffmpeg can read"
    good = world.jobs.get("job-v")
    assert good is not None and good.status is JobStatus.PROCESSING


# Detection --------------------------------------------------------------------------------


def test_detect_sends_one_detection_request(world: World, upload_file: Path) -> None:
    msg = world.upload(KEY, upload_file, {"job-id": "job-d", "detect": "true"})

    world.handler(msg)
    world.handler(msg)  # a duplicate event sends nothing more

    (body,) = world.detection_queue.bodies()
    request = DetectionRequest.model_validate_json(body)
    assert (request.job_id, request.source_key) == ("job-d", KEY)


def test_the_detection_request_takes_the_jobs_options(world: World, upload_file: Path) -> None:
    metadata = {"job-id": "job-o", "detect": "true", "detect-interval": "0.5"}
    metadata |= {"detect-poses": "false", "detect-tracker": "deepsort"}

    world.handler(world.upload(KEY, upload_file, metadata))

    (body,) = world.detection_queue.bodies()
    request = DetectionRequest.model_validate_json(body)
    assert (request.frame_interval_seconds, request.interval_from_job) == (0.5, True)
    assert (request.detect_faces, request.detect_poses) == (True, False)
    assert request.tracker == "deepsort"


def test_detect_without_a_detection_queue_still_chunks(tmp_path: Path, upload_file: Path) -> None:
    world = make_world(tmp_path, with_detection_queue=False)

    world.handler(world.upload(KEY, upload_file, {"job-id": "job-d", "detect": "yes"}))

    job = world.jobs.get("job-d")
    assert job is not None and job.status is JobStatus.PROCESSING
    assert len(world.detection_queue) == 0


def test_segments_are_tagged_intermediate_and_the_upload_is_kept(
    world: World, upload_file: Path
) -> None:
    world.handler(world.upload(KEY, upload_file, {"job-id": "job-tags"}))

    for key in world.segment_keys("job-tags"):
        assert world.storage.tags(INPUT_BUCKET, key) == {"vidpipe-retention": "intermediate"}
    assert world.storage.tags(INPUT_BUCKET, KEY) == {}

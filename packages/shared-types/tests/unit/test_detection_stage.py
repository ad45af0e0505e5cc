"""Detection as a stage of its own: per-job options from upload metadata, the request the
chunking-worker sends, part requests, and the per-stage status of a job."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from vidpipe_types import (
    AnalysisState,
    AnalysisStatus,
    DetectionOptions,
    DetectionRequest,
    DetectionState,
    DetectionStatus,
    InvalidJobOptionsError,
    Job,
    JobError,
    JobOptions,
    JobStatus,
    Mode,
    StageName,
    StageState,
    Tracker,
    detection_request_for,
)
from vidpipe_types.analysis import Analysis

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _options(**metadata: str) -> JobOptions:
    return JobOptions.from_metadata(metadata, Mode.PASSTHROUGH)


def test_detection_options_come_from_upload_metadata() -> None:
    options = _options(
        detect="true",
        **{"detect-interval": "0.5", "detect-poses": "no", "detect-tracker": "DeepSORT"},
    )
    assert options.detection == DetectionOptions(
        frame_interval_seconds=0.5, faces=True, poses=False, tracker=Tracker.DEEPSORT
    )
    # And back: the CLI writes what the worker reads.
    assert JobOptions.from_metadata(options.to_metadata(), Mode.PASSTHROUGH) == options


def test_plain_detect_leaves_the_workers_settings() -> None:
    options = _options(detect="true")
    assert options.detection is None
    assert "detect-interval" not in options.to_metadata()


@pytest.mark.parametrize(
    ("metadata", "names"),
    [
        ({"detect": "true", "detect-interval": "0"}, "detect-interval"),
        ({"detect": "true", "detect-interval": "fast"}, "detect-interval"),
        ({"detect": "true", "detect-interval": "61"}, "detect-interval"),
        ({"detect": "true", "detect-tracker": "sort"}, "detect-tracker"),
        ({"detect": "true", "detect-faces": "maybe"}, "detect-faces"),
        ({"detect": "true", "detect-faces": "false", "detect-poses": "false"}, "nothing"),
        ({"detect-interval": "1"}, "detect is not"),
    ],
)
def test_bad_detection_options_are_refused_with_a_reason(
    metadata: dict[str, str], names: str
) -> None:
    with pytest.raises(InvalidJobOptionsError, match=names):
        JobOptions.from_metadata(metadata, Mode.PASSTHROUGH)


def _job(options: JobOptions, **fields: object) -> Job:
    job = Job.new("j1", "in", "input/a.mp4", options, NOW)
    return job.model_copy(update=fields)


def test_the_request_carries_the_jobs_own_options() -> None:
    detection = DetectionOptions(frame_interval_seconds=0.5, poses=False, tracker=Tracker.BYTETRACK)
    request = detection_request_for(_job(JobOptions(detect=True, detection=detection)))
    assert request.source_key == "input/a.mp4"
    assert (request.frame_interval_seconds, request.interval_from_job) == (0.5, True)
    assert (request.detect_faces, request.detect_poses) == (True, False)
    assert request.tracker is Tracker.BYTETRACK
    assert not request.is_part
    plain = detection_request_for(_job(JobOptions(detect=True)))
    assert (plain.interval_from_job, plain.tracker) == (False, None)


def test_a_part_names_its_whole_range() -> None:
    part = DetectionRequest(
        job_id="j1", source_key="k", part_index=1, part_count=2, start_ms=4000, end_ms=8000
    )
    assert part.is_part
    with pytest.raises(ValidationError, match="together"):
        DetectionRequest(job_id="j1", source_key="k", part_index=1)
    with pytest.raises(ValidationError, match="below"):
        DetectionRequest(
            job_id="j1", source_key="k", part_index=2, part_count=2, start_ms=0, end_ms=1
        )
    with pytest.raises(ValidationError, match="after"):
        DetectionRequest(
            job_id="j1", source_key="k", part_index=0, part_count=2, start_ms=5, end_ms=5
        )


def _states(job: Job) -> dict[StageName, StageState]:
    return {report.name: report.state for report in job.stage_reports()}


def test_a_completed_video_with_detection_running_is_not_finished() -> None:
    options = JobOptions(detect=True)
    job = _job(options, status=JobStatus.COMPLETED)
    assert _states(job) == {
        StageName.VIDEO: StageState.COMPLETED,
        StageName.DETECTION: StageState.PENDING,
    }
    assert not job.finished
    running = job.model_copy(update={"detection": DetectionStatus(state=DetectionState.RUNNING)})
    assert _states(running)[StageName.DETECTION] is StageState.RUNNING
    assert not running.finished
    done = job.model_copy(update={"detection": DetectionStatus(state=DetectionState.COMPLETED)})
    assert done.finished


def test_a_failed_detection_ends_its_stage_and_leaves_the_video_result() -> None:
    failed = DetectionStatus(state=DetectionState.FAILED, reason="cannot decode")
    job = _job(JobOptions(detect=True), status=JobStatus.COMPLETED, detection=failed)
    video, detection = job.stage_reports()
    assert video.state is StageState.COMPLETED
    assert (detection.state, detection.reason) == (StageState.FAILED, "cannot decode")
    assert job.finished


def test_stages_that_never_ran_are_skipped_when_the_job_failed() -> None:
    options = JobOptions(detect=True, analyze=Analysis.SUMMARY)
    job = _job(options, status=JobStatus.FAILED, error=JobError(stage="chunking", reason="bad"))
    reports = {r.name: r for r in job.stage_reports()}
    assert reports[StageName.VIDEO].reason == "chunking: bad"
    assert reports[StageName.DETECTION].state is StageState.SKIPPED
    assert reports[StageName.ANALYSIS].state is StageState.SKIPPED
    assert job.finished


def test_a_video_only_job_finishes_with_its_video() -> None:
    assert not _job(JobOptions(), status=JobStatus.PROCESSING).finished
    assert _states(_job(JobOptions())) == {StageName.VIDEO: StageState.PENDING}
    assert _job(JobOptions(), status=JobStatus.COMPLETED).finished


def test_the_analysis_stage_reads_its_own_status() -> None:
    status = AnalysisStatus(state=AnalysisState.FAILED, profile=Analysis.SUMMARY, reason="quota")
    job = _job(JobOptions(analyze=Analysis.SUMMARY), status=JobStatus.COMPLETED, analysis=status)
    assert _states(job)[StageName.ANALYSIS] is StageState.FAILED
    assert job.finished

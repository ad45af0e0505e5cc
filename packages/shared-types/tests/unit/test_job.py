import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from vidpipe_types import (
    Analysis,
    InvalidJobOptionsError,
    Job,
    JobError,
    JobOptions,
    JobStatus,
    Mode,
    format_utc,
    progress_for,
)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_options_default_when_metadata_names_none() -> None:
    assert JobOptions.from_metadata({}, Mode.GRAYSCALE) == JobOptions(
        mode=Mode.GRAYSCALE, detect=False, analyze=None
    )


def test_options_from_metadata() -> None:
    metadata = {"mode": "passthrough", "detect": "yes", "analyze": "product", "job-id": "x"}
    assert JobOptions.from_metadata(metadata, Mode.GRAYSCALE) == JobOptions(
        mode=Mode.PASSTHROUGH, detect=True, analyze=Analysis.PRODUCT
    )


def test_options_names_and_values_are_case_insensitive() -> None:
    metadata = {"X-Amz-Meta-Mode": " Grayscale ", "DETECT": "TRUE", "analyze": "Summary"}
    assert JobOptions.from_metadata(metadata, Mode.PASSTHROUGH) == JobOptions(
        mode=Mode.GRAYSCALE, detect=True, analyze=Analysis.SUMMARY
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("1", True), ("yes", True), ("false", False), ("0", False), ("no", False)],
)
def test_detect_values(value: str, expected: bool) -> None:
    assert JobOptions.from_metadata({"detect": value}, Mode.PASSTHROUGH).detect is expected


def test_blank_entries_take_the_default() -> None:
    metadata = {"mode": "", "detect": " ", "analyze": ""}
    assert JobOptions.from_metadata(metadata, Mode.GRAYSCALE) == JobOptions(mode=Mode.GRAYSCALE)


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"mode": "blur"}, "unknown mode 'blur': choose one of passthrough, grayscale, sam2"),
        ({"detect": "maybe"}, "invalid detect value 'maybe': use true/false, yes/no or 1/0"),
        ({"analyze": "full"}, "unknown analyze value 'full': choose one of summary, product"),
    ],
)
def test_bad_options_say_what_to_do(metadata: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidJobOptionsError) as info:
        JobOptions.from_metadata(metadata, Mode.PASSTHROUGH)
    assert str(info.value).startswith(message)


options = st.builds(
    JobOptions,
    mode=st.sampled_from(Mode),
    detect=st.booleans(),
    analyze=st.none() | st.sampled_from(Analysis),
)


@given(options, st.sampled_from(Mode))
def test_options_round_trip_through_metadata(opts: JobOptions, default: Mode) -> None:
    assert JobOptions.from_metadata(opts.to_metadata(), default) == opts


def test_final_statuses() -> None:
    assert {s for s in JobStatus if s.is_final} == {
        JobStatus.COMPLETED,
        JobStatus.FAILED,
        JobStatus.CANCELLED,
    }


def test_new_job() -> None:
    opts = JobOptions(mode=Mode.GRAYSCALE, detect=True)
    job = Job.new("job-1", "vidpipe-input", "input/a.mp4", opts, NOW)
    assert job.status is JobStatus.CREATED
    assert job.stage == "created"
    assert (job.created_at, job.updated_at) == (NOW, NOW)
    assert job.stage_timestamps == {"created": NOW}
    assert (job.total_segments, job.completed_segments, job.progress_percent) == (None, 0, 0.0)
    assert job.options == opts
    assert (job.error, job.outputs, job.completed_at) == (None, {}, None)
    assert (job.reassembly_lease_owner, job.reassembly_lease_until) == (None, None)


def test_new_job_rejects_naive_time_and_bad_ids() -> None:
    with pytest.raises(ValidationError):
        Job.new("job-1", "b", "input/a.mp4", JobOptions(), datetime(2024, 5, 1))
    with pytest.raises(ValidationError):
        Job.new("a/b", "b", "input/a.mp4", JobOptions(), NOW)


def full_job() -> Job:
    return Job.new("job-1", "vidpipe-input", "input/a.mp4", JobOptions(), NOW).model_copy(
        update={
            "status": JobStatus.FAILED,
            "stage": "chunking",
            "total_segments": 4,
            "completed_segments": 2,
            "progress_percent": 50.0,
            "error": JobError(stage="chunking", reason="the upload is not a video: re-upload it"),
            "outputs": {"final.mp4": "s3://vidpipe-output/jobs/job-1/final.mp4"},
            "reassembly_lease_owner": "media-1",
            "reassembly_lease_until": NOW + timedelta(minutes=15),
            "completed_at": NOW + timedelta(minutes=20),
            "stage_timestamps": {"created": NOW, "failed": NOW + timedelta(seconds=3)},
        }
    )


def test_job_round_trips_through_a_plain_json_dict() -> None:
    job = full_job()
    stored = json.loads(json.dumps(job.model_dump(mode="json")))
    assert stored["created_at"] == "2024-05-01T12:00:00.000000Z"
    assert stored["stage_timestamps"]["failed"] == "2024-05-01T12:00:03.000000Z"
    assert Job.model_validate(stored) == job


def test_stored_attributes_the_model_does_not_know_are_ignored() -> None:
    stored = {**full_job().model_dump(mode="json"), "expires_at": 1_900_000_000}
    assert Job.model_validate(stored) == full_job()


def test_timestamps_are_normalised_to_utc() -> None:
    local = datetime(2024, 5, 1, 14, tzinfo=timezone(timedelta(hours=2)))
    job = Job.new("job-1", "b", "input/a.mp4", JobOptions(), local)
    assert job.created_at.tzinfo is UTC
    assert job.created_at == NOW


@given(
    st.datetimes(timezones=st.just(UTC)),
    st.datetimes(timezones=st.just(UTC)),
)
def test_stored_timestamps_sort_as_strings(first: datetime, second: datetime) -> None:
    # The by-status index sorts on updated_at as a string.
    assert (format_utc(first) < format_utc(second)) == (first < second)


@pytest.mark.parametrize(
    ("status", "completed", "total", "expected"),
    [
        (JobStatus.CREATED, 0, None, 0.0),
        (JobStatus.CHUNKING, 0, None, 5.0),
        (JobStatus.PROCESSING, 0, None, 10.0),
        (JobStatus.PROCESSING, 0, 4, 10.0),
        (JobStatus.PROCESSING, 1, 4, 30.0),
        (JobStatus.PROCESSING, 4, 4, 90.0),
        (JobStatus.PROCESSING, 9, 4, 90.0),
        (JobStatus.PROCESSING, 1, 3, 36.67),
        (JobStatus.REASSEMBLING, 4, 4, 95.0),
        (JobStatus.COMPLETED, 4, 4, 100.0),
        (JobStatus.FAILED, 2, 4, 0.0),
    ],
)
def test_progress_for(
    status: JobStatus, completed: int, total: int | None, expected: float
) -> None:
    assert progress_for(status, completed, total) == expected


@given(st.integers(1, 10_000), st.data())
def test_processing_progress_grows_with_completions(total: int, data: st.DataObject) -> None:
    low = data.draw(st.integers(0, total))
    high = data.draw(st.integers(low, total))
    p_low = progress_for(JobStatus.PROCESSING, low, total)
    p_high = progress_for(JobStatus.PROCESSING, high, total)
    assert 10.0 <= p_low <= p_high <= 90.0


def test_prompts_are_read_from_metadata() -> None:
    metadata = {
        "mode": "sam2",
        "x-amz-meta-prompt-box": "10, 20,110.5,220",
        "prompt_point": "64,48",
        "Prompt-Text": "  The Red Mug ",
    }

    options = JobOptions.from_metadata(metadata, Mode.PASSTHROUGH)

    assert options.mode is Mode.SAM2
    assert options.prompt_box == (10.0, 20.0, 110.5, 220.0)
    assert options.prompt_point == (64.0, 48.0)
    assert options.prompt_text == "The Red Mug"
    assert JobOptions.from_metadata(options.to_metadata(), Mode.PASSTHROUGH) == options


def test_no_prompt_is_none() -> None:
    options = JobOptions.from_metadata({"prompt-box": " ", "prompt-text": ""}, Mode.SAM2)

    assert (options.prompt_box, options.prompt_point, options.prompt_text) == (None, None, None)
    assert "prompt-box" not in options.to_metadata()


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"prompt-box": "1,2,3"}, "invalid prompt-box '1,2,3': use x1,y1,x2,y2"),
        ({"prompt-box": "1,2,x,4"}, "invalid prompt-box '1,2,x,4': use x1,y1,x2,y2"),
        ({"prompt-box": "-1,2,3,4"}, "invalid prompt-box '-1,2,3,4'"),
        ({"prompt-box": "nan,2,3,4"}, "invalid prompt-box 'nan,2,3,4'"),
        ({"prompt-box": "5,2,3,4"}, "x2 must exceed x1 and y2 must exceed y1"),
        ({"prompt-point": "1"}, "invalid prompt-point '1': use x,y"),
        ({"prompt-text": "a" * 201}, "prompt-text is 201 characters long"),
    ],
)
def test_bad_prompts_say_what_is_wrong(metadata: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidJobOptionsError, match=message):
        JobOptions.from_metadata(metadata, Mode.SAM2)

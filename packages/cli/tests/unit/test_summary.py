from datetime import UTC, datetime, timedelta

from rich.console import Console

from vidpipe_cli.follow import describe_stage, segments_text
from vidpipe_cli.summary import analysis_text, job_seconds, job_table, stage_timings
from vidpipe_types import (
    Analysis,
    AnalysisState,
    AnalysisStatus,
    Job,
    JobOptions,
    JobStatus,
    Mode,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _job(**stamps: float) -> Job:
    job = Job.new("j1", "in", "input/a.mp4", JobOptions(), T0)
    stage_timestamps = {name: T0 + timedelta(seconds=s) for name, s in stamps.items()}
    return job.model_copy(update={"stage_timestamps": stage_timestamps})


def test_each_stage_lasts_until_the_next_recorded_one():
    job = _job(created=0, chunking=0.5, processing=2, reassembling=5, completed=6.25)

    assert stage_timings(job) == [
        ("created", 0.5),
        ("chunking", 1.5),
        ("processing", 3.0),
        ("reassembling", 1.25),
    ]
    assert job_seconds(job) == 6.25


def test_a_failed_job_is_timed_up_to_its_failure():
    job = _job(created=0, chunking=1, failed=3)

    assert stage_timings(job) == [("created", 1.0), ("chunking", 2.0)]
    assert job_seconds(job) == 3.0


def test_unfinished_job_has_no_total():
    assert job_seconds(_job(created=0, chunking=1)) is None


def test_progress_texts():
    job = _job(created=0).model_copy(
        update={"status": JobStatus.PROCESSING, "total_segments": 4, "completed_segments": 1}
    )

    assert describe_stage(None).startswith("uploaded")
    assert describe_stage(job) == "processing segments"
    assert segments_text(job) == "1/4 segments"
    assert segments_text(None) == ""


def test_the_job_table_shows_prompts_the_analysis_and_the_primary_image():
    options = JobOptions(mode=Mode.SAM2, analyze=Analysis.SUMMARY, prompt_point=(88, 72.5))
    skipped = AnalysisStatus(
        state=AnalysisState.SKIPPED, profile=Analysis.SUMMARY, reason="GEMINI_API_KEY is not set"
    )
    job = Job.new("j1", "in", "input/a.mp4", options, T0).model_copy(
        update={
            "analysis": skipped,
            "outputs": {"primary_image": "jobs/j1/frames/frame_0003.png"},
        }
    )
    console = Console(width=200, record=True)

    console.print(job_table(job))

    text = console.export_text()
    assert "mode=sam2 detect=false analyze=summary prompt-point=88,72.5" in text
    assert "skipped (summary): GEMINI_API_KEY is not set" in text
    assert "jobs/j1/frames/frame_0003.png" in text
    assert analysis_text(_job(created=0)) == ""


def test_every_job_status_has_a_stage_text() -> None:
    from datetime import UTC, datetime

    from vidpipe_cli.follow import describe_stage
    from vidpipe_types import Job, JobOptions, JobStatus

    job = Job.new("job-0123456789abcdef", "bucket", "input/a.mp4", JobOptions(), datetime.now(UTC))
    for status in JobStatus:
        assert describe_stage(job.model_copy(update={"status": status}))

"""The detection stage in the CLI without AWS: options, what a job waits for, how it reads."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vidpipe_cli.detection_local import detection_worker, find_detection_python
from vidpipe_cli.errors import UsageError
from vidpipe_cli.follow import describe_stage
from vidpipe_cli.submit import job_options
from vidpipe_cli.summary import job_table
from vidpipe_types import (
    DetectionOptions,
    DetectionState,
    DetectionStatus,
    Job,
    JobOptions,
    JobStatus,
    Mode,
    Tracker,
    Worker,
)


def test_detection_settings_are_the_jobs_own() -> None:
    options = job_options(Mode.PASSTHROUGH, detect=True, detect_interval=0.5, tracker="deepsort")
    assert options.detection == DetectionOptions(
        frame_interval_seconds=0.5, tracker=Tracker.DEEPSORT
    )
    with pytest.raises(UsageError, match="--detect jobs only"):
        job_options(Mode.PASSTHROUGH, detect_interval=0.5)


def _job(**fields: object) -> Job:
    job = Job.new("j1", "in", "input/a.mp4", JobOptions(detect=True), datetime.now(UTC))
    return job.model_copy(update=fields)


def test_a_completed_video_still_waits_for_detection() -> None:
    running = DetectionStatus(state=DetectionState.RUNNING, parts_total=4, parts_done=1)
    job = _job(status=JobStatus.COMPLETED, detection=running)
    assert describe_stage(job) == "completed; waiting for detection (running)"
    done = job.model_copy(update={"detection": DetectionStatus(state=DetectionState.COMPLETED)})
    assert describe_stage(done) == "completed"


def test_status_has_a_line_per_requested_stage() -> None:
    from rich.console import Console

    running = DetectionStatus(
        state=DetectionState.RUNNING, parts_total=4, parts_done=1, progress_percent=25.0
    )
    console = Console(width=200, record=True)
    console.print(job_table(_job(status=JobStatus.PROCESSING, detection=running)))
    text = console.export_text()
    assert re.search(r"stage video\s+running", text)
    assert re.search(r"stage detection\s+running 25% \(1/4 parts\)", text)


def test_the_local_detection_worker_runs_on_its_own_environment(tmp_path: Path) -> None:
    python = tmp_path / ".venvs" / "detection-worker" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text("")
    (tmp_path / "deeper").mkdir()
    found = find_detection_python(None, tmp_path / "deeper")
    assert found == python.absolute()
    spec = detection_worker(found)
    assert (spec.queue, spec.python, spec.module) == (Worker.DETECTION, found, "vidpipe_detection")
    assert spec.argv()[0] == str(found)
    with pytest.raises(UsageError, match="env.sh detection-worker"):
        find_detection_python(None, Path("/"))

"""Every stage of one job on one local stack: `vidpipe submit --mode sam2 --detect --analyze
summary --wait` with the chunking-worker, both video-workers (the plain one on the CPU model
group's queue, the SAM2 one from its own environment on the GPU group's), the detection-worker
from its own environment and the media-worker, whose analysis asks the test kit's Gemini stub.

The job's segments must reach the SAM2 worker only, and a passthrough job's the plain worker
only: each worker's log names a job once per segment it processed, and never a job it did not
receive.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vidpipe_cli import (
    CHUNKING_WORKER,
    MEDIA_WORKER,
    VIDEO_WORKER,
    LocalStack,
    Target,
    file_sinks,
)
from vidpipe_cli.detection_local import DEFAULT_DETECTION_PYTHON, detection_worker
from vidpipe_cli.fetch import fetch_outputs
from vidpipe_cli.sam2_local import DEFAULT_SAM2_PYTHON, sam2_video_worker
from vidpipe_testkit import GeminiStub, json_reply
from vidpipe_types import (
    AnalysisState,
    DetectionState,
    Job,
    JobStatus,
    Mode,
    StageName,
    StageState,
    parse_s3_uri,
)

from .support import measure

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[4]
SAM2_PYTHON = REPO_ROOT / DEFAULT_SAM2_PYTHON
DETECTION_PYTHON = REPO_ROOT / DEFAULT_DETECTION_PYTHON
MAX_FRAMES = 4
SOURCE = "carphone_pristine.mp4"  # 176x144, 4 s, 120 frames: two segments of 2 s
SUMMARY = {
    "title": "A man on a car phone",
    "summary": "A man talks on a phone in a moving car.",
    "keyTakeaways": ["a phone call", "a car"],
    "timeline": [{"timestamp": "00:00", "description": "the man talks", "details": []}],
    "keywords": ["phone", "car"],
    "visualAudit": [{"timestamp": "00:01", "detail": "a man", "type": "person"}],
}
#: The line a video-worker writes for each segment it processed (vidpipe_video.handler).
PROCESSED = re.compile(r"segment \d+ of (\d+) processed \((\w+)\)")

for python, package in ((SAM2_PYTHON, "sam2-model"), (DETECTION_PYTHON, "detection-worker")):
    if not python.is_file():
        pytest.skip(
            f"{python.relative_to(REPO_ROOT)} is missing: build it with "
            f"`bash scripts/env.sh {package}` (scripts/test.sh builds every environment)",
            allow_module_level=True,
        )


@pytest.fixture(scope="module")
def gemini() -> Iterator[GeminiStub]:
    with GeminiStub() as stub:
        yield stub


@pytest.fixture(scope="module")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("all-stages-logs")


@pytest.fixture(scope="module")
def full_stack(gemini: GeminiStub, log_dir: Path) -> Iterator[LocalStack]:
    # The random-init settings whatever this shell says about SAM2: the tiny model at 256 px.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SAM2_")}
    stack = LocalStack(
        prefix="vidpipe-all",
        workers=[
            (CHUNKING_WORKER, 1),
            (VIDEO_WORKER, 1),
            (sam2_video_worker(SAM2_PYTHON, environ), 1),
            (detection_worker(DETECTION_PYTHON), 1),
            (MEDIA_WORKER, 1),
        ],
        worker_env={
            "SEGMENT_SECONDS": "2",
            "MAX_FRAMES": str(MAX_FRAMES),
            "GEMINI_API_KEY": "dummy-key",
            "GEMINI_BASE_URL": gemini.url,
            "ANALYSIS_FRAMES": "2",
            # One scripted answer: a second call would get the stub's 500, and fail the stage.
            "ANALYSIS_MAX_ATTEMPTS": "1",
        },
        log_sink=file_sinks(log_dir),
        # Two torch environments load their models at once on a small machine.
        ready_timeout=300,
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def submit(stack: LocalStack, source: Path, cwd: Path, *options: str) -> Job:
    """`vidpipe submit SOURCE OPTIONS --wait`, as a user runs it; the job it waited for."""
    env = {**os.environ, **stack.client_env(), "COLUMNS": "200"}
    result = subprocess.run(
        [sys.executable, "-m", "vidpipe_cli", "submit", str(source), *options,
         "--wait", "--timeout", "300"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=330,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    job_id = result.stdout.strip().splitlines()[0]
    job = stack.target().jobs.get(job_id)
    assert job is not None, job_id
    return job


def processed_segments(log: Path, job_id: str, *, expected: int) -> list[str]:
    """The modes of the segments of `job_id` that this worker's log says it processed,
    once `expected` are there (or after a few seconds: the last line may still be on its
    way from the worker's pipe when the job completes)."""
    deadline = time.monotonic() + 10
    while True:
        modes = [match[2] for text in _messages(log, job_id) if (match := PROCESSED.search(text))]
        if len(modes) >= expected or time.monotonic() > deadline:
            return modes
        time.sleep(0.2)


def _messages(log: Path, job_id: str) -> list[str]:
    """The messages of the log's JSON lines that name the job (metrics lines have none)."""
    entries = [json.loads(line) for line in _lines_naming(log, job_id) if line.startswith("{")]
    return [entry.get("message", "") for entry in entries]


def _lines_naming(log: Path, job_id: str) -> list[str]:
    """Every line of the log that names the job: any message about it, JSON or not."""
    return [line for line in log.read_text(encoding="utf-8").splitlines() if job_id in line]


def test_sam2_detect_and_analysis_complete_on_the_sam2_worker_only(
    full_stack: LocalStack, gemini: GeminiStub, log_dir: Path, samples: Path, tmp_path: Path
) -> None:
    gemini.script(json_reply(SUMMARY))
    source = samples / SOURCE
    original = measure(source)
    centre = f"{original.video.width // 2},{original.video.height // 2}"

    job = submit(
        full_stack, source, tmp_path,
        "--mode", "sam2", "--prompt-point", centre,
        "--detect", "--detect-interval", "1", "--analyze", "summary",
    )  # fmt: skip

    assert job.status is JobStatus.COMPLETED, job.error
    assert job.options.mode is Mode.SAM2 and job.total_segments == 2
    assert job.finished
    reports = {report.name: report.state for report in job.stage_reports()}
    assert reports == {
        StageName.VIDEO: StageState.COMPLETED,
        StageName.DETECTION: StageState.COMPLETED,
        StageName.ANALYSIS: StageState.COMPLETED,
    }, job.stage_reports()
    assert job.detection is not None and job.detection.state is DetectionState.COMPLETED
    assert job.analysis is not None and job.analysis.state is AnalysisState.COMPLETED
    # One generateContent, the media-worker's: the SAM2 worker had a point, not a text prompt.
    ((model, _request),) = gemini.generate_calls
    assert model == job.analysis.model

    target: Target = full_stack.target()
    out = tmp_path / "out"
    fetch_outputs(target, job.job_id, out)
    final = measure(out / "final.mp4")
    assert final.video.packets == original.video.packets == 120
    assert (out / "thumbnail.jpg").stat().st_size > 0
    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["mode"] == "sam2"
    crops = sorted((out / "frames").glob("frame_*.png"))
    assert 1 <= len(crops) <= MAX_FRAMES
    analysis = json.loads((out / "analysis.json").read_text(encoding="utf-8"))
    assert analysis["result"] == SUMMARY and analysis["profile"] == "summary"
    detections = json.loads((out / "detections.json").read_text(encoding="utf-8"))
    assert detections["frame_interval_ms"] == 1000
    assert detections["summary"]["total_frames"] >= 4
    for uri in job.detection.outputs.values():
        _, key = parse_s3_uri(uri)
        assert (out / key.removeprefix(f"jobs/{job.job_id}/")).is_file(), key

    # Routed by mode: both segments on the GPU group's queue, none on the CPU group's.
    assert processed_segments(log_dir / "video-gpu.log", job.job_id, expected=2) == [
        "sam2",
        "sam2",
    ]
    assert _lines_naming(log_dir / "video.log", job.job_id) == []


def test_a_passthrough_job_is_processed_by_the_plain_worker_only(
    full_stack: LocalStack, log_dir: Path, samples: Path, tmp_path: Path
) -> None:
    job = submit(full_stack, samples / SOURCE, tmp_path, "--mode", "passthrough")

    assert job.status is JobStatus.COMPLETED, job.error
    assert job.total_segments == 2
    assert processed_segments(log_dir / "video.log", job.job_id, expected=2) == [
        "passthrough",
        "passthrough",
    ]
    assert _lines_naming(log_dir / "video-gpu.log", job.job_id) == []

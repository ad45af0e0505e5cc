"""`vidpipe submit FILE --mode sam2 --analyze summary --wait` on a local stack whose
video-worker runs in the SAM2 environment (the tiny model, random weights, 256 px).

The stack is this module's own: the session's stack runs the plain video-worker, which has no
`sam2` model. GEMINI_API_KEY is blanked for the workers, so the analysis stage is skipped and
the job must say so.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from vidpipe_cli import CHUNKING_WORKER, MEDIA_WORKER, LocalStack, Target, file_sinks
from vidpipe_cli.fetch import fetch_outputs
from vidpipe_cli.sam2_local import DEFAULT_SAM2_PYTHON, sam2_video_worker
from vidpipe_types import AnalysisState, JobStatus, Mode, parse_frame_key

from .support import measure

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[4]
SAM2_PYTHON = REPO_ROOT / DEFAULT_SAM2_PYTHON
MAX_FRAMES = 6
CROP_SIZE = 518
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

if not SAM2_PYTHON.is_file():
    pytest.skip(
        f"{DEFAULT_SAM2_PYTHON} is missing: build it with `bash scripts/env.sh sam2-model`"
        " (scripts/test.sh builds every package's environment first)",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def sam2_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    log_dir = tmp_path_factory.mktemp("sam2-worker-logs")
    # The random-init settings whatever this shell says about SAM2: the tiny model at 256 px.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SAM2_")}
    stack = LocalStack(
        prefix="vidpipe-sam2",
        workers=[
            (CHUNKING_WORKER, 1),
            (sam2_video_worker(SAM2_PYTHON, environ), 1),
            (MEDIA_WORKER, 1),
        ],
        worker_env={
            "SEGMENT_SECONDS": "2",
            "MAX_FRAMES": str(MAX_FRAMES),
            "GEMINI_API_KEY": "",
        },
        log_sink=file_sinks(log_dir),
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the PNG's IHDR chunk, read independently of any image library."""
    header = path.read_bytes()[:24]
    assert header[:8] == PNG_SIGNATURE and header[12:16] == b"IHDR", path
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def test_submit_sam2_with_analysis_runs_end_to_end(
    sam2_stack: LocalStack, samples: Path, tmp_path: Path
) -> None:
    source = samples / "carphone_pristine.mp4"  # 176x144, 4 s, 120 frames
    original = measure(source)
    assert (original.video.width, original.video.height) == (176, 144)
    env = {**os.environ, **sam2_stack.client_env(), "COLUMNS": "200"}
    centre = f"{original.video.width // 2},{original.video.height // 2}"

    result = subprocess.run(
        [
            sys.executable, "-m", "vidpipe_cli", "submit", str(source),
            "--mode", "sam2", "--analyze", "summary", "--prompt-point", centre,
            "--wait", "--timeout", "150",
        ],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip

    assert result.returncode == 0, result.stdout + result.stderr
    job_id = result.stdout.strip().splitlines()[0]
    target: Target = sam2_stack.target()
    job = target.jobs.get(job_id)
    assert job is not None and job.status is JobStatus.COMPLETED
    assert job.options.mode is Mode.SAM2 and job.options.prompt_point == (88.0, 72.0)
    assert job.total_segments == 2

    assert job.analysis is not None
    assert job.analysis.state is AnalysisState.SKIPPED
    assert job.analysis.reason == "GEMINI_API_KEY is not set"

    out = tmp_path / "out"
    fetch_outputs(target, job_id, out)
    final = measure(out / "final.mp4")
    assert final.video.packets == original.video.packets == 120
    assert (final.video.width, final.video.height) == (176, 144)

    crops = sorted((out / "frames").glob("frame_*.png"))
    assert 1 <= len(crops) <= MAX_FRAMES
    assert all(png_size(crop) == (CROP_SIZE, CROP_SIZE) for crop in crops)

    metadata = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    primary = metadata["primary_image"]
    assert parse_frame_key(primary) is not None and parse_frame_key(primary)[0] == job_id
    assert (out / primary.removeprefix(f"jobs/{job_id}/")).is_file()
    assert job.outputs["primary_image"] == primary
    assert metadata["mode"] == "sam2"

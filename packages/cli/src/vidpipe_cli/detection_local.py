"""The detection-worker of the local stack: torch, MediaPipe and ultralytics live in the
detection-worker's own environment (the CLI's stays free of torch), so that worker runs on that
environment's interpreter, as the `sam2` video-worker does (`vidpipe_cli.sam2_local`).
"""

from __future__ import annotations

from pathlib import Path

from vidpipe_cli.errors import UsageError
from vidpipe_cli.local_stack import DETECTION_WORKER, WorkerSpec

#: Where a checkout builds the detection-worker's environment, relative to the repository root.
DEFAULT_DETECTION_PYTHON = Path(".venvs") / "detection-worker" / "bin" / "python"
#: Settings of the local detection-worker: short parts so that a demo-length video is detected
#: in parallel by every detection process (the deployed default is 30 s).
LOCAL_DETECTION_ENV: dict[str, str] = {"DETECTION_PART_SECONDS": "4"}


def find_detection_python(configured: Path | None, start: Path) -> Path:
    """The interpreter of the detection environment: `configured` (VIDPIPE_DETECTION_PYTHON)
    when set, else `.venvs/detection-worker/bin/python` in `start` or the nearest folder above
    it that has one. Absolute, not resolved: a venv's `python` finds its packages through the
    link only."""
    if configured is not None:
        if not configured.is_file():
            raise UsageError(f"VIDPIPE_DETECTION_PYTHON={configured} is not a file")
        return configured.absolute()
    for folder in (start, *start.parents):
        candidate = folder / DEFAULT_DETECTION_PYTHON
        if candidate.is_file():
            return candidate.absolute()
    raise UsageError(
        f"no detection environment: {DEFAULT_DETECTION_PYTHON} was not found in {start} or "
        "above it. Build it (`bash scripts/env.sh detection-worker` in the repository) or set "
        "VIDPIPE_DETECTION_PYTHON to the python of an environment with "
        "vidpipe-detection-worker installed"
    )


def detection_worker(python: Path) -> WorkerSpec:
    """The detection-worker run by `python`."""
    return WorkerSpec(
        DETECTION_WORKER.name,
        DETECTION_WORKER.module,
        DETECTION_WORKER.queue,
        python=python,
        env=tuple(LOCAL_DETECTION_ENV.items()),
    )

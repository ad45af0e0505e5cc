"""The video-worker of the local stack with SAM2: the `sam2` mode needs torch and the
`vidpipe-sam2-model` plugin, which live in an environment of their own (the CLI's stays free
of torch), so that worker runs on that environment's interpreter.

No SAM2 checkpoint comes with vidpipe: unless `SAM2_CHECKPOINT` is set, the local worker loads
the tiny model with random weights at 256 px (`SAM2_ALLOW_RANDOM_INIT=1`, `SAM2_IMAGE_SIZE=256`),
which runs the whole path (prompts, tracking, crops, primary image) with masks of no meaning.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_aws import short_worker_name
from vidpipe_cli.errors import UsageError
from vidpipe_cli.local_stack import VIDEO_WORKER, WorkerSpec
from vidpipe_types import Worker

if TYPE_CHECKING:
    from collections.abc import Mapping

#: Where a checkout builds the plugin's environment, relative to the repository root.
DEFAULT_SAM2_PYTHON = Path(".venvs") / "sam2-model" / "bin" / "python"
#: Settings of the local SAM2 worker when no checkpoint is configured.
SAM2_RANDOM_INIT_ENV: dict[str, str] = {"SAM2_ALLOW_RANDOM_INIT": "1", "SAM2_IMAGE_SIZE": "256"}


def find_sam2_python(configured: Path | None, start: Path) -> Path:
    """The interpreter of the SAM2 environment: `configured` (VIDPIPE_SAM2_PYTHON) when set,
    else `.venvs/sam2-model/bin/python` in `start` or the nearest folder above it that has one.

    The path is made absolute but not resolved: a virtual environment's `python` is a link,
    and only through the link does it find the environment's packages.
    """
    if configured is not None:
        if not configured.is_file():
            raise UsageError(f"VIDPIPE_SAM2_PYTHON={configured} is not a file")
        return configured.absolute()
    for folder in (start, *start.parents):
        candidate = folder / DEFAULT_SAM2_PYTHON
        if candidate.is_file():
            return candidate.absolute()
    raise UsageError(
        f"no SAM2 environment: {DEFAULT_SAM2_PYTHON} was not found in {start} or above it. "
        "Build it (`bash scripts/env.sh sam2-model` in the repository) or set "
        "VIDPIPE_SAM2_PYTHON to the python of an environment with vidpipe-video-worker and "
        "vidpipe-sam2-model installed"
    )


def sam2_video_worker(python: Path, environ: Mapping[str, str]) -> WorkerSpec:
    """The video-worker run by `python` on the GPU model group's queue (`video-gpu`, where S3
    routes `sam2` segments), serving that group's modes; the CPU modes stay with the plain one.

    Without `SAM2_CHECKPOINT` in `environ` it gets the random-init settings, each unless
    `environ` sets it already (so `SAM2_IMAGE_SIZE=512 vidpipe demo --mode sam2` works).
    """
    env = {} if "SAM2_CHECKPOINT" in environ else SAM2_RANDOM_INIT_ENV
    return WorkerSpec(
        short_worker_name(Worker.VIDEO_GPU),
        VIDEO_WORKER.module,
        Worker.VIDEO_GPU,
        python=python,
        env=tuple((name, value) for name, value in env.items() if name not in environ),
    )

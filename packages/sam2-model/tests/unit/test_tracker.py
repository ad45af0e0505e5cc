"""Windowed tracking: memory bounded by the window, the subject carried across windows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from vidpipe_sam2 import Prompt, TrackStats, WindowedTracker

POINT = Prompt("point", (4.0, 4.0), "centre")


def frames(count: int) -> Iterator[np.ndarray]:
    """Uniform frames whose grey level says their number (5 per frame: JPEG keeps it)."""
    for number in range(count):
        yield np.full((8, 8, 3), number * 5, dtype=np.uint8)


class FakePredictor:
    """SAM2's video predictor API over a folder of JPEGs; the subject is gone on `empty`."""

    def __init__(self, empty: frozenset[int] = frozenset()) -> None:
        self.empty = empty
        self.window_sizes: list[int] = []
        self.prompts: list[tuple[str, int]] = []
        self.resets = 0

    def init_state(self, video_path: str, offload_video_to_cpu: bool = False) -> dict[str, Any]:
        paths = sorted(Path(video_path).glob("*.jpg"), key=lambda p: int(p.stem))
        numbers = [round(float(np.asarray(Image.open(p)).mean()) / 5) for p in paths]
        self.window_sizes.append(len(numbers))
        return {"numbers": numbers, "offload": offload_video_to_cpu}

    def add_new_points_or_box(
        self, inference_state: dict[str, Any], frame_idx: int, obj_id: int, **kwargs: Any
    ) -> None:
        kind = "box" if kwargs.get("box") is not None else "point"
        self.prompts.append((kind, inference_state["numbers"][frame_idx]))

    def add_new_mask(
        self, inference_state: dict[str, Any], frame_idx: int, obj_id: int, mask: Any
    ) -> None:
        assert mask.any(), "an empty mask is never carried"
        self.prompts.append(("mask", inference_state["numbers"][frame_idx]))

    def propagate_in_video(
        self, inference_state: dict[str, Any]
    ) -> Iterator[tuple[int, list[int], torch.Tensor]]:
        assert inference_state["offload"] is True
        for index, number in enumerate(inference_state["numbers"]):
            logits = torch.full((1, 1, 8, 8), -1.0 if number in self.empty else 1.0)
            logits[0, 0, 0, 0] = float(number) if number not in self.empty else -1.0
            yield index, [1], logits

    def reset_state(self, inference_state: dict[str, Any]) -> None:
        self.resets += 1


def track(
    predictor: FakePredictor, count: int, window: int, scratch: Path
) -> tuple[list[np.ndarray], TrackStats]:
    stats = TrackStats()
    masks = list(WindowedTracker(predictor, window).track(frames(count), POINT, scratch, stats))
    return masks, stats


def test_no_window_holds_more_than_its_size(tmp_path: Path) -> None:
    predictor = FakePredictor()

    masks, stats = track(predictor, 20, 8, tmp_path)

    assert len(masks) == 20
    assert predictor.window_sizes == stats.window_sizes == [8, 8, 6]
    assert stats.largest_window == 8
    # The first window starts from the prompt, each next one from the mask of the frame it
    # shares with the window before (frames 7 and 14).
    assert predictor.prompts == [("point", 0), ("mask", 7), ("mask", 14)]
    assert predictor.resets == 3
    assert list(tmp_path.iterdir()) == []


def test_a_window_boundary_at_the_end_tracks_nothing_twice(tmp_path: Path) -> None:
    predictor = FakePredictor()

    masks, stats = track(predictor, 15, 8, tmp_path)

    assert len(masks) == 15
    assert stats.window_sizes == [8, 8]


def test_masks_come_in_frame_order_with_the_shared_frame_once(tmp_path: Path) -> None:
    predictor = FakePredictor()

    masks, _ = track(predictor, 20, 8, tmp_path)

    assert all(mask.dtype == np.bool_ and mask.shape == (8, 8) for mask in masks)
    assert predictor.window_sizes == [8, 8, 6]


def test_a_lost_subject_restarts_from_the_prompt(tmp_path: Path) -> None:
    predictor = FakePredictor(empty=frozenset({7}))

    masks, stats = track(predictor, 20, 8, tmp_path)

    assert len(masks) == 20
    assert not masks[7].any()
    assert masks[8].all()
    # Frame 7 had nothing to carry: the next window starts at frame 8, from the prompt.
    assert predictor.prompts == [("point", 0), ("point", 8), ("mask", 15)]
    assert stats.window_sizes == [8, 8, 5]


def test_no_frames_no_masks(tmp_path: Path) -> None:
    predictor = FakePredictor()

    masks, stats = track(predictor, 0, 8, tmp_path)

    assert masks == []
    assert predictor.window_sizes == stats.window_sizes == []


def test_a_window_holds_at_least_two_frames() -> None:
    with pytest.raises(ValueError, match="at least 2 frames"):
        WindowedTracker(FakePredictor(), 1)

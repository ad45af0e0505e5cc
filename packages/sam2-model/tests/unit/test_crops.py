"""Crops: each segment's share of MAX_FRAMES, where they are taken, their shape and scores."""

from __future__ import annotations

import numpy as np
import pytest

from vidpipe_sam2 import CROP_SIZE, frame_share, mask_scores, square_crop
from vidpipe_sam2.crops import sample_positions


@pytest.mark.parametrize("max_frames", [0, 1, 7, 500, 1999])
def test_shares_use_every_frame_number_once(max_frames: int) -> None:
    for total in range(1, 120):
        numbers: list[int] = []
        for index in range(total):
            first, count = frame_share(max_frames, index, total)
            numbers.extend(range(first, first + count))

        assert numbers == list(range(max_frames)), total


def test_shares_are_even() -> None:
    assert [frame_share(500, i, 3) for i in range(3)] == [(0, 167), (167, 167), (334, 166)]
    assert [frame_share(2, i, 4) for i in range(4)] == [(0, 1), (1, 1), (2, 0), (2, 0)]
    with pytest.raises(ValueError, match="out of range"):
        frame_share(500, 3, 3)


@pytest.mark.parametrize("frame_count", [1, 2, 3, 29, 30, 31, 167, 600, 1799])
def test_positions_are_distinct_and_inside_the_segment(frame_count: int) -> None:
    for count in [*range(0, 40), 166, 167, 500, 601]:
        positions = sample_positions(count, frame_count)

        assert len(positions) == min(count, frame_count)
        assert len(set(positions)) == len(positions)
        assert all(0 <= p < frame_count for p in positions)
        assert positions == sorted(positions)


def test_positions_are_spread_over_the_segment() -> None:
    assert sample_positions(4, 100) == [12, 37, 62, 87]
    assert sample_positions(3, 2) == [0, 1]


def test_a_central_mask_scores_higher_than_a_corner_one() -> None:
    centre = np.zeros((100, 200), dtype=bool)
    centre[40:60, 90:110] = True
    corner = np.zeros((100, 200), dtype=bool)
    corner[0:20, 0:20] = True

    centre_area, centre_centrality = mask_scores(centre)
    corner_area, corner_centrality = mask_scores(corner)

    assert centre_area == corner_area == pytest.approx(400 / 20000)
    assert centre_centrality == pytest.approx(1.0)
    assert 0 < corner_centrality < 0.2
    assert mask_scores(np.zeros((10, 10), dtype=bool)) == (0.0, 0.0)


def test_a_crop_is_the_mask_box_centred_on_a_square() -> None:
    frame = np.zeros((100, 200, 3), dtype=np.uint8)
    frame[10:30, 50:150] = (255, 0, 0)  # a wide red subject, 100x20
    mask = np.zeros((100, 200), dtype=bool)
    mask[10:30, 50:150] = True

    crop = np.asarray(square_crop(frame, mask, (0, 255, 0)))

    assert crop.shape == (CROP_SIZE, CROP_SIZE, 3)
    middle = CROP_SIZE // 2
    assert tuple(crop[middle, middle]) == (255, 0, 0)  # the subject, centred
    assert tuple(crop[5, middle]) == (0, 255, 0)  # padding above it, the background colour
    assert tuple(crop[middle, 5]) == (255, 0, 0)  # as wide as the square: not stretched


def test_an_empty_mask_crops_the_whole_frame() -> None:
    frame = np.full((40, 80, 3), 7, dtype=np.uint8)

    crop = np.asarray(square_crop(frame, np.zeros((40, 80), dtype=bool), (0, 0, 0), size=64))

    assert crop.shape == (64, 64, 3)
    assert tuple(crop[32, 32]) == (7, 7, 7)
    assert tuple(crop[2, 32]) == (0, 0, 0)

import pytest

from vidpipe_detection import Box, iou


def test_corners_are_clipped_to_the_frame() -> None:
    box = Box.from_corners(-10, 5, 50, 300, 0.8, size=(40, 100))
    assert (box.x, box.y, box.width, box.height) == (0, 5, 40, 95)
    assert box.confidence == 0.8


def test_a_box_outside_the_frame_is_empty() -> None:
    assert Box.from_corners(200, 200, 300, 300, 0.9, size=(100, 100)).area == 0


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (Box(0, 0, 10, 10, 1), Box(0, 0, 10, 10, 1), 1.0),
        (Box(0, 0, 10, 10, 1), Box(5, 0, 10, 10, 1), 50 / 150),
        (Box(0, 0, 10, 10, 1), Box(20, 20, 5, 5, 1), 0.0),
        (Box(0, 0, 0, 0, 1), Box(0, 0, 0, 0, 1), 0.0),
    ],
)
def test_iou(a: Box, b: Box, expected: float) -> None:
    assert iou(a, b) == pytest.approx(expected)

"""Which prompt a segment starts from: box, point, a box found for the text, or the centre."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidpipe_sam2 import Prompt, centre_prompt, resolve_prompt
from vidpipe_types import JobOptions, Mode
from vidpipe_video import SegmentRejectedError


class FixedBox:
    """A text-to-box model that always answers the same, remembering what it was asked."""

    def __init__(self, box: tuple[float, float, float, float] | None) -> None:
        self.box = box
        self.asked: list[tuple[str, Path, int, int]] = []

    def box_for(
        self, text: str, image: Path, width: int, height: int
    ) -> tuple[float, float, float, float] | None:
        self.asked.append((text, image, width, height))
        return self.box


def options(**values: object) -> JobOptions:
    return JobOptions(mode=Mode.SAM2, **values)  # type: ignore[arg-type]


def test_no_prompt_is_the_centre_point() -> None:
    assert resolve_prompt(options(), 176, 144) == Prompt("point", (88.0, 72.0), "centre")
    assert centre_prompt(10, 5) == Prompt("point", (5.0, 2.5), "centre")


def test_a_box_is_clipped_to_the_frame() -> None:
    prompt = resolve_prompt(options(prompt_box=(10, 20, 500, 90)), 176, 144)

    assert prompt == Prompt("box", (10.0, 20.0, 176.0, 90.0), "box")


def test_a_box_wins_over_a_point_and_a_point_over_a_text() -> None:
    finder = FixedBox((1, 2, 3, 4))
    both = options(prompt_box=(1, 1, 9, 9), prompt_point=(5, 5), prompt_text="the mug")
    point_and_text = options(prompt_point=(5, 6), prompt_text="the mug")

    assert resolve_prompt(both, 20, 20, box_from_text=finder).source == "box"
    assert resolve_prompt(point_and_text, 20, 20, box_from_text=finder) == Prompt(
        "point", (5.0, 6.0), "point"
    )
    assert finder.asked == []


def test_a_text_becomes_the_box_the_finder_returns(tmp_path: Path) -> None:
    finder = FixedBox((30, 40, 90, 120))
    frame = tmp_path / "first.png"

    prompt = resolve_prompt(
        options(prompt_text="The Red Mug"), 176, 144, first_frame=frame, box_from_text=finder
    )

    assert prompt == Prompt("box", (30.0, 40.0, 90.0, 120.0), "text")
    assert finder.asked == [("The Red Mug", frame, 176, 144)]


@pytest.mark.parametrize(
    "finder", [None, FixedBox(None), FixedBox((500, 500, 600, 600))], ids=["none", "no-box", "out"]
)
def test_a_text_without_a_usable_box_falls_back_to_the_centre(
    finder: FixedBox | None, tmp_path: Path
) -> None:
    prompt = resolve_prompt(
        options(prompt_text="the mug"),
        100,
        50,
        first_frame=tmp_path / "f.png",
        box_from_text=finder,
    )

    assert prompt == Prompt("point", (50.0, 25.0), "centre")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"prompt_box": (200, 10, 300, 20)}, "prompt-box 200,10,300,20 is outside the 176x144"),
        ({"prompt_point": (176, 10)}, "prompt-point 176,10 is outside the 176x144 frame"),
    ],
)
def test_a_prompt_outside_the_frame_rejects_the_segment(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(SegmentRejectedError, match=message):
        resolve_prompt(options(**values), 176, 144)

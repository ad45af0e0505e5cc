"""split -> (process) -> concat round trips on real videos, measured with ffprobe."""

import importlib
import json
import subprocess
from pathlib import Path

import pytest

from tests.integration.conftest import BIKES, BUNNY, CARPHONE, ffprobe_json
from vidpipe_ffmpeg import InvalidMediaError, SplitResult, concat, probe, split, transcode_filter

pytestmark = pytest.mark.integration


def measure(path: Path) -> dict[str, dict[str, float]]:
    """Per stream type: start, duration and packet count read from the file."""
    data = json.loads(
        ffprobe_json(path, "-count_packets",
                     "-show_entries", "stream=codec_type,start_time,duration,nb_read_packets")
    )  # fmt: skip
    return {
        s["codec_type"]: {
            "start": float(s["start_time"]),
            "duration": float(s["duration"]),
            "frames": int(s["nb_read_packets"]),
        }
        for s in data["streams"]
    }


def decode_warnings(path: Path) -> str:
    return subprocess.run(
        ["ffmpeg", "-v", "warning", "-i", str(path), "-f", "null", "-"],
        check=True, capture_output=True, text=True,
    ).stderr  # fmt: skip


def assert_same_media(result: Path, source: Path, boundaries: int) -> None:
    got, want = measure(result), measure(source)
    frame = 1 / 25
    assert got["video"]["frames"] == want["video"]["frames"]
    assert got["video"]["start"] == pytest.approx(0.0, abs=1e-3)
    assert abs(got["video"]["duration"] - want["video"]["duration"]) <= boundaries * frame + 1e-3
    if "audio" in want:
        assert "audio" in got
        assert abs(got["audio"]["duration"] - got["video"]["duration"]) <= 0.1
        assert abs(got["audio"]["start"] - got["video"]["start"]) <= 0.05
    warnings = decode_warnings(result).lower()
    assert "non monotonic" not in warnings and "non-monotonic" not in warnings
    assert "invalid dts" not in warnings, warnings


def test_bikes_splits_by_stream_copy_at_its_keyframes(tmp_path: Path) -> None:
    result = split(BIKES, tmp_path / "segments", 2.0)
    assert result.strategy == "copy"
    assert [s.start for s in result.segments] == [0.0, 1.2, 3.04, 5.48, 7.48]
    assert [s.index for s in result.segments] == list(range(5))
    for segment in result.segments:
        alone = measure(segment.path)  # each segment is a file that plays on its own
        # ... and keeps the source's timestamps: it starts where it was cut.
        assert alone["video"]["start"] == pytest.approx(segment.start, abs=1e-3)
        assert alone["video"]["duration"] == pytest.approx(segment.duration, abs=0.041)
    assert sum(measure(s.path)["video"]["frames"] for s in result.segments) == 250

    joined = tmp_path / "final.mp4"
    concat([s.path for s in result.segments], joined)
    assert_same_media(joined, BIKES, boundaries=4)


@pytest.fixture(scope="module")
def bunny_split(tmp_path_factory: pytest.TempPathFactory) -> SplitResult:
    return split(BUNNY, tmp_path_factory.mktemp("bunny") / "segments", 2.0, probe(BUNNY))


def test_bigbuckbunny_with_one_keyframe_is_reencoded_and_keeps_audio(
    tmp_path: Path, bunny_split: SplitResult
) -> None:
    result = bunny_split
    assert result.strategy == "reencode"
    assert [(s.start, s.duration) for s in result.segments] == [
        (0.0, 2.0), (2.0, 2.0), (4.0, pytest.approx(1.312)),
    ]  # fmt: skip
    for segment in result.segments:
        alone = probe(segment.path)
        assert alone.audio is not None and alone.audio.codec == "aac"
        assert alone.keyframes[0] == pytest.approx(segment.start, abs=1e-3)  # source time

    joined = tmp_path / "final.mp4"
    concat([s.path for s in result.segments], joined)
    assert_same_media(joined, BUNNY, boundaries=2)


def test_processed_segments_join_cleanly(tmp_path: Path, bunny_split: SplitResult) -> None:
    """The pipeline's path: split, re-encode each segment through a filter, concat."""
    result = bunny_split
    processed = []
    for segment in result.segments:
        out = tmp_path / f"gray-{segment.index}.mp4"
        transcode_filter(segment.path, out, "hue=s=0")
        processed.append(out)
    joined = tmp_path / "final.mp4"
    concat(processed, joined)
    assert_same_media(joined, BUNNY, boundaries=2)


def test_start_times_given_by_the_caller_join_as_probed_ones(
    tmp_path: Path, bunny_split: SplitResult
) -> None:
    paths = [segment.path for segment in bunny_split.segments]
    starts = [probe(path, with_keyframes=False).start_time for path in paths]
    probed, given = tmp_path / "probed.mp4", tmp_path / "given.mp4"

    concat(paths, probed)
    concat(paths, given, starts=starts)

    assert measure(given) == measure(probed)
    assert_same_media(given, BUNNY, boundaries=2)
    with pytest.raises(ValueError, match="1 start times for"):
        concat(paths, tmp_path / "x.mp4", starts=starts[:1])


def test_short_video_is_one_segment(tmp_path: Path) -> None:
    result = split(CARPHONE, tmp_path / "segments", 4.0)
    assert len(result.segments) == 1
    assert result.segments[0].duration == pytest.approx(4.004)
    assert measure(result.segments[0].path)["video"]["frames"] == 120


def test_split_replaces_old_segments(tmp_path: Path) -> None:
    out = tmp_path / "segments"
    out.mkdir()
    (out / "segment_00099.mp4").write_bytes(b"left over from a crashed attempt")
    result = split(BIKES, out, 4.0)
    assert sorted(out.glob("segment_*.mp4")) == [s.path for s in result.segments]


def test_reencoding_split_refuses_a_corrupt_bitstream(tmp_path: Path) -> None:
    # 20 kB of noise in the middle of the video data: the decoder drops ~28 of 250 frames,
    # which a re-encode would lose silently.
    data = bytearray(BIKES.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 20_000] = bytes((i * 131 + 7) % 256 for i in range(20_000))
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(bytes(data))

    with pytest.raises(InvalidMediaError) as info:
        split(corrupt, tmp_path / "out", 2.0, strategy="reencode")
    # Named with where it breaks (the decode check runs when frames are missing).
    assert info.value.reason.startswith("the video stream cannot be decoded from ")
    assert "of 250 frames lost" in info.value.reason


def test_reencoding_split_of_an_intact_source_keeps_every_frame(tmp_path: Path) -> None:
    result = split(CARPHONE, tmp_path / "out", 2.0, strategy="reencode")
    counts = [probe(s.path, with_keyframes=False).video.frame_count for s in result.segments]
    assert sum(counts) == probe(CARPHONE, with_keyframes=False).video.frame_count


def _count_keyframe_listings(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    # The module: `vidpipe_ffmpeg.split` as an attribute is the function it exports.
    split_module = importlib.import_module("vidpipe_ffmpeg.split")
    listed: list[Path] = []
    real = split_module.list_keyframes

    def counting(path: Path, *args: object, **kwargs: object) -> list[float]:
        listed.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(split_module, "list_keyframes", counting)
    return listed


@pytest.mark.parametrize(
    ("segment_seconds", "strategy"), [(10.0, "auto"), (2.0, "reencode")], ids=["short", "reencode"]
)
def test_a_plan_without_keyframes_never_lists_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, segment_seconds: float, strategy: str
) -> None:
    listed = _count_keyframe_listings(monkeypatch)
    info = probe(BIKES, with_keyframes=False)
    result = split(BIKES, tmp_path, segment_seconds, info, strategy=strategy)  # type: ignore[arg-type]
    assert listed == []
    assert len(result.segments) == (1 if strategy == "auto" else 5)


def test_a_copy_plan_lists_the_keyframes_a_probe_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = _count_keyframe_listings(monkeypatch)
    result = split(BIKES, tmp_path, 2.0, probe(BIKES, with_keyframes=False))
    assert listed == [BIKES]
    assert result.strategy == "copy"
    assert [s.start for s in result.segments] == [0.0, 1.2, 3.04, 5.48, 7.48]

"""The decode check's reading of ffprobe's packet/frame CSV, and its timestamps."""

from __future__ import annotations

from vidpipe_ffmpeg.decode_check import find_loss, format_timestamp


def _csv(packets: list[float], frames: list[float]) -> str:
    lines = [f"packet,{t:.6f}" for t in packets] + [f"frame,{t:.6f}" for t in frames]
    return "\n".join(lines)


def test_a_stream_that_decodes_whole_has_no_loss() -> None:
    times = [n / 25 for n in range(100)]
    assert find_loss(_csv(times, times)) is None


def test_two_leading_frames_of_an_open_gop_may_be_lost() -> None:
    times = [n / 25 for n in range(100)]
    assert find_loss(_csv(times, times[2:])) is None


def test_a_loss_in_the_middle_is_found_where_it_starts() -> None:
    times = [n / 25 for n in range(100)]
    assert find_loss(_csv(times, times[:48] + times[58:])) == (48 / 25, 10, 100)


def test_timestamps_read_as_minutes_and_hours() -> None:
    assert format_timestamp(3.2) == "00:03.20"
    assert format_timestamp(203.25) == "03:23.25"
    assert format_timestamp(3725.5) == "1:02:05.50"

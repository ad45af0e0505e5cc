"""The whole pipeline on the embedded local AWS, stage by stage, against hand-run ffmpeg.

For each input duration and SEGMENT_SECONDS, jobs run through the local stack (moto in this
process, each worker its own process, as `vidpipe demo` runs them) and each stage's time is
set beside the least the same work costs by hand, measured in the same run:

    upload       submit_file to S3                 vs copying the file
    split        chunking's ffprobe+ffmpeg runs    vs `ffmpeg -c copy -f segment -segment_time T`
    chunking     record: chunking -> processing    vs copy in + hand split + copy out
    processing   record: processing -> reassembling vs copying the segments in and out
                 (grayscale: vs one ffmpeg over the whole file, all cores)
    reassembly   record: reassembling -> completed vs ffmpeg concat + thumbnail + ffprobe/sha256
    download     fetch_outputs                     vs copying final.mp4

Orchestration overhead is the job's wall time (upload start to `completed`) minus the time
some ffmpeg/ffprobe process of a worker was running (the union of their intervals), per job
and per segment; a least-squares line over all runs gives the fixed part per job and the part
per segment. The workers are the real ones, started through `_pipeline_timing`, which times
their ffmpeg runs and S3 transfers in their own process (no timing code in the handlers).

Inputs are generated with ffmpeg's testsrc (640x360 25 fps with a keyframe every second and
AAC; 720p for grayscale). Each (duration, T) runs --repeats jobs; min and median are printed.

    .venvs/cli/bin/python bench/bench_pipeline.py [--durations 10 60 300]
        [--segment-seconds 5 10] [--repeats 3] [--video-workers 2] [--grayscale-seconds 120]

A quick run: --durations 10 --segment-seconds 2 --repeats 1 --grayscale-seconds 0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from vidpipe_cli import (
    CHUNKING_WORKER,
    MEDIA_WORKER,
    VIDEO_WORKER,
    LocalStack,
    Target,
    WorkerSpec,
    fetch_outputs,
    file_sinks,
    submit_file,
    wait_for_job,
)
from vidpipe_types import Job, JobOptions, JobStatus, Mode

BENCH_DIR = Path(__file__).resolve().parent
GRAYSCALE_FILTER = "hue=s=0"
_X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]


# Inputs and hand-run baselines ----------------------------------------------------------------


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error", *args], check=True)


def make_input(path: Path, seconds: float, size: str) -> Path:
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25:duration={seconds:g}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds:g}",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(path),
    )  # fmt: skip
    return path


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def hand_split(source: Path, out: Path, t: float) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    ffmpeg("-i", str(source), "-map", "0", "-c", "copy", "-f", "segment", "-segment_time",
           f"{t:g}", "-reset_timestamps", "1", str(out / "seg_%05d.mp4"))  # fmt: skip
    return sorted(out.glob("seg_*.mp4"))


def hand_join(segments: Sequence[Path], out: Path) -> None:
    """What reassembly does, by hand: concat by stream copy, a thumbnail, ffprobe, sha256."""
    listing = out / "list.ffconcat"
    listing.write_text("ffconcat version 1.0\n" + "".join(f"file '{p}'\n" for p in segments))
    final = out / "final.mp4"
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy",
           "-movflags", "+faststart", str(final))  # fmt: skip
    ffmpeg("-ss", "1", "-i", str(final), "-frames:v", "1", "-vf", "scale=320:-2",
           str(out / "thumbnail.jpg"))  # fmt: skip
    subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json",
                    str(final)], check=True, capture_output=True)  # fmt: skip
    subprocess.run(["sha256sum", str(final)], check=True, capture_output=True)


def one_ffmpeg_grayscale(source: Path, out: Path) -> None:
    ffmpeg("-i", str(source), "-vf", GRAYSCALE_FILTER, *_X264, "-c:a", "copy",
           "-movflags", "+faststart", str(out))  # fmt: skip


@dataclass
class Baseline:
    copy_source: list[float] = field(default_factory=list)
    split: list[float] = field(default_factory=list)
    copy_segments: list[float] = field(default_factory=list)
    join: list[float] = field(default_factory=list)
    grayscale: list[float] = field(default_factory=list)


def measure_baseline(
    source: Path, t: float, repeats: int, work: Path, *, grayscale: bool = False
) -> Baseline:
    base = Baseline()
    for run in range(repeats):
        scratch = work / f"base-{run}"
        scratch.mkdir()
        _baseline_once(base, source, t, scratch, grayscale=grayscale)
        shutil.rmtree(scratch)
    return base


def _baseline_once(
    base: Baseline, source: Path, t: float, scratch: Path, *, grayscale: bool
) -> None:
    base.copy_source.append(timed(lambda: shutil.copyfile(source, scratch / "copy.mp4")))
    started = time.perf_counter()
    segments = hand_split(source, scratch / "segments", t)
    base.split.append(time.perf_counter() - started)
    copies = scratch / "copies"
    copies.mkdir()
    base.copy_segments.append(
        timed(lambda: [shutil.copyfile(p, copies / p.name) for p in segments])
    )
    base.join.append(timed(lambda: hand_join(segments, scratch)))
    if grayscale:
        base.grayscale.append(timed(lambda: one_ffmpeg_grayscale(source, scratch / "gray.mp4")))


# Jobs through the stack ------------------------------------------------------------------------


@dataclass
class Interval:
    worker: str
    kind: str
    what: str
    start: float
    end: float


@dataclass
class JobRun:
    job: Job
    wall: float
    upload: float
    download: float
    intervals: list[Interval]

    @property
    def segments(self) -> int:
        return self.job.total_segments or 0

    def stage(self, name: str) -> float:
        stamps = self.job.stage_timestamps
        order = ["created", "chunking", "processing", "reassembling", "completed"]
        after = order[order.index(name) + 1]
        return (stamps[after] - stamps[name]).total_seconds()

    def ffmpeg_seconds(self, worker: str | None = None) -> float:
        return sum(
            i.end - i.start
            for i in self.intervals
            if i.kind == "ffmpeg" and (worker is None or i.worker == worker)
        )

    def busy(self, kinds: Iterable[str]) -> float:
        """Seconds of the wall time during which one of ``kinds`` ran (intervals merged)."""
        spans = sorted((i.start, i.end) for i in self.intervals if i.kind in set(kinds))
        total, current_start, current_end = 0.0, None, 0.0
        for start, end in spans:
            if current_start is None or start > current_end:
                if current_start is not None:
                    total += current_end - current_start
                current_start, current_end = start, end
            else:
                current_end = max(current_end, end)
        if current_start is not None:
            total += current_end - current_start
        return total

    @property
    def overhead(self) -> float:
        return self.wall - self.busy({"ffmpeg"})


def timed_spec(spec: WorkerSpec, timings: Path) -> WorkerSpec:
    env = (
        (
            "PYTHONPATH",
            os.pathsep.join(filter(None, [str(BENCH_DIR), os.environ.get("PYTHONPATH")])),
        ),
        ("BENCH_TIMED_MODULE", spec.module),
        ("BENCH_TIMINGS", str(timings)),
    )
    return WorkerSpec(spec.name, "_pipeline_timing", spec.queue, spec.python, spec.env + env)


def read_intervals(timings: Path, start: float, end: float) -> list[Interval]:
    if not timings.exists():
        return []
    found = []
    for line in timings.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["start"] >= start - 0.01 and entry["end"] <= end + 0.5:
            found.append(
                Interval(
                    entry["worker"], entry["kind"], entry["what"], entry["start"], entry["end"]
                )
            )
    return found


def run_job(target: Target, source: Path, mode: Mode, timings: Path, out: Path) -> JobRun:
    started_wall, started = time.time(), time.perf_counter()
    submission = submit_file(target, source, options=JobOptions(mode=mode))
    upload = time.perf_counter() - started
    job = wait_for_job(target, submission.job_id, timeout=3600, poll_interval=0.05)
    wall = time.perf_counter() - started
    ended_wall = time.time()
    if job.status is not JobStatus.COMPLETED:
        raise SystemExit(f"job {job.job_id} ended {job.status.value}: {job.error}")
    download = timed(lambda: fetch_outputs(target, job.job_id, out / job.job_id))
    shutil.rmtree(out / job.job_id, ignore_errors=True)
    return JobRun(job, wall, upload, download, read_intervals(timings, started_wall, ended_wall))


# Reporting ----------------------------------------------------------------------------------------


def mm(values: Sequence[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def row(name: str, ours: Sequence[float], base: Sequence[float] | None, what: str) -> str:
    lo, med = mm(ours)
    if not base:
        return f"  {name:<12}{lo:>8.3f}{med:>9.3f}{'':>9}{'':>9}{'':>8}  {what}"
    blo, bmed = mm(base)
    return f"  {name:<12}{lo:>8.3f}{med:>9.3f}{blo:>9.3f}{bmed:>9.3f}{med / bmed:>8.1f}x  {what}"


def print_case(title: str, runs: list[JobRun], base: Baseline, *, grayscale: bool) -> None:
    segments = runs[0].segments
    print(f"\n{title}: {segments} segments, {len(runs)} run(s)")
    header = f"{'stage':<12}{'min s':>8}{'median':>9}{'base min':>9}{'median':>9}{'ratio':>9}"
    print(f"  {header}  baseline")
    two_copies = [2 * c for c in base.copy_segments]
    chunk_base = [2 * c + s for c, s in zip(base.copy_source, base.split, strict=True)]
    split_ours = [r.ffmpeg_seconds("chunking-worker") for r in runs]
    lines = [
        row("upload", [r.upload for r in runs], base.copy_source, "copy the file"),
        row("split", split_ours, base.split, "ffmpeg -c copy -f segment (one process)"),
        row("chunking", [r.stage("chunking") for r in runs], chunk_base,
            "copy in + hand split + copy out"),
        row("processing", [r.stage("processing") for r in runs],
            base.grayscale if grayscale else two_copies,
            "one ffmpeg hue=s=0, all cores" if grayscale else "copy the segments in and out"),
        row("reassembly", [r.stage("reassembling") for r in runs], base.join,
            "concat + thumbnail + ffprobe + sha256"),
        row("download", [r.download for r in runs], base.copy_source, "copy the file"),
        row("end to end", [r.wall for r in runs],
            base.grayscale if grayscale else chunk_base,
            "one ffmpeg hue=s=0" if grayscale else "copy in + hand split + copy out"),
    ]  # fmt: skip
    print("\n".join(lines))
    print(f"  ffmpeg/ffprobe and S3 calls of the median run: {breakdown(median_run(runs))}")
    overhead = [r.overhead for r in runs]
    per_segment = [o / max(1, r.segments) for o, r in zip(overhead, runs, strict=True)]
    busy = [r.busy({"ffmpeg"}) for r in runs]
    s3 = [r.busy({"s3"}) for r in runs]
    print(
        f"  orchestration: wall - ffmpeg busy = min {min(overhead):.3f} s, median "
        f"{statistics.median(overhead):.3f} s per job ({statistics.median(per_segment) * 1e3:.0f} "
        f"ms per segment); ffmpeg busy median {statistics.median(busy):.3f} s, of the rest S3 "
        f"transfers in workers {statistics.median(s3):.3f} s"
    )


def median_run(runs: list[JobRun]) -> JobRun:
    return sorted(runs, key=lambda r: r.wall)[len(runs) // 2]


def breakdown(run: JobRun) -> str:
    """``worker: what xN seconds`` for each kind of call, so the costs can be found."""
    groups: dict[tuple[str, str], list[float]] = {}
    for i in run.intervals:
        if i.kind not in ("ffmpeg", "s3"):
            continue
        what = i.what.split(":")[0] if i.kind == "s3" else i.what
        key = (i.worker.removesuffix("-worker"), what)
        groups.setdefault(key, []).append(i.end - i.start)
    return "; ".join(
        f"{worker} {what} x{len(times)} {sum(times):.2f}s"
        for (worker, what), times in sorted(groups.items())
    )


def fit(points: list[tuple[int, float]]) -> tuple[float, float] | None:
    """Least squares ``overhead = a + b * segments``: (a per job, b per segment)."""
    if len({n for n, _ in points}) < 2:
        return None
    xs, ys = [float(n) for n, _ in points], [o for _, o in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    return my - b * mx, b


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def print_goals(
    cases: dict[tuple[float, float], tuple[list[JobRun], Baseline]],
    gray: tuple[list[JobRun], Baseline] | None,
) -> None:
    print("\nissue goals, measured in this run (medians)")
    points = [(r.segments, r.overhead) for runs, _ in cases.values() for r in runs]
    line = fit(points)
    if line is not None:
        a, b = line
        print(f"  orchestration per segment <= 50 ms: {b * 1e3:.0f} ms (slope of the fit)"
              f"  {verdict(b <= 0.05)}")  # fmt: skip
        print(f"  orchestration per job <= 0.5 s:    {a:.3f} s (intercept)  {verdict(a <= 0.5)}")
    else:
        print("  orchestration: one segment count only, no fit (give more durations or T)")
    for (duration, t), (runs, base) in sorted(cases.items()):
        split = statistics.median([r.ffmpeg_seconds("chunking-worker") for r in runs])
        join = statistics.median([r.stage("reassembling") for r in runs])
        reassembly = [r.stage("reassembling") for r in runs]
        spread = max(reassembly) / min(reassembly)
        print(
            f"  {duration:g} s, T={t:g}: split {split / statistics.median(base.split):.2f}x "
            f"(<= 1.5x {verdict(split <= 1.5 * statistics.median(base.split))}); reassembly "
            f"{join / statistics.median(base.join):.2f}x (<= 1.5x "
            f"{verdict(join <= 1.5 * statistics.median(base.join))}); reassembly max/min "
            f"{spread:.2f} over {len(runs)} run(s) (<= 1.5 {verdict(spread <= 1.5)})"
        )
    if gray is not None:
        runs, base = gray
        ratio = statistics.median([r.wall for r in runs]) / statistics.median(base.grayscale)
        print(f"  grayscale end to end <= 1.1x one ffmpeg: {ratio:.2f}x  {verdict(ratio <= 1.1)}")


# Main ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--durations", type=float, nargs="+", default=[10.0, 60.0, 300.0])
    parser.add_argument("--segment-seconds", type=float, nargs="+", default=[5.0, 10.0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--video-workers", type=int, default=2)
    parser.add_argument("--grayscale-seconds", type=float, default=120.0, help="0: skip")
    parser.add_argument("--grayscale-segment-seconds", type=float, default=10.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="vidpipe-bench-pipeline-") as tmp:
        work = Path(tmp)
        sources = {d: make_input(work / f"src-{d:g}s.mp4", d, "640x360") for d in args.durations}
        gray_source = (
            make_input(work / f"gray-{args.grayscale_seconds:g}s.mp4", args.grayscale_seconds,
                       "1280x720")
            if args.grayscale_seconds > 0 else None
        )  # fmt: skip
        print(
            f"{os.cpu_count()} CPUs; {args.video_workers} video-worker(s); repeats "
            f"{args.repeats}; times in seconds; ratio = median / baseline median"
        )
        cases: dict[tuple[float, float], tuple[list[JobRun], Baseline]] = {}
        gray: tuple[list[JobRun], Baseline] | None = None
        segment_lengths = list(args.segment_seconds)
        if gray_source is not None and args.grayscale_segment_seconds not in segment_lengths:
            segment_lengths.append(args.grayscale_segment_seconds)
        for t in segment_lengths:
            timings = work / f"timings-{t:g}.jsonl"
            stack = LocalStack(
                prefix="vidpipe-bench",
                workers=[
                    (timed_spec(CHUNKING_WORKER, timings), 1),
                    (timed_spec(VIDEO_WORKER, timings), args.video_workers),
                    (timed_spec(MEDIA_WORKER, timings), 1),
                ],
                worker_env={"SEGMENT_SECONDS": f"{t:g}"},
                log_sink=file_sinks(work / f"logs-{t:g}"),
            )
            with stack:
                target = stack.target()
                if t in args.segment_seconds:
                    for duration, source in sources.items():
                        runs = [
                            run_job(target, source, Mode.PASSTHROUGH, timings, work)
                            for _ in range(args.repeats)
                        ]
                        base = measure_baseline(source, t, args.repeats, work)
                        cases[(duration, t)] = (runs, base)
                        print_case(f"passthrough {duration:g} s, T={t:g}", runs, base,
                                   grayscale=False)  # fmt: skip
                if gray_source is not None and t == args.grayscale_segment_seconds:
                    runs = [
                        run_job(target, gray_source, Mode.GRAYSCALE, timings, work)
                        for _ in range(args.repeats)
                    ]
                    base = measure_baseline(gray_source, t, args.repeats, work, grayscale=True)
                    gray = (runs, base)
                    print_case(f"grayscale 720p {args.grayscale_seconds:g} s, T={t:g}", runs,
                               base, grayscale=True)  # fmt: skip
        print_goals(cases, gray)


if __name__ == "__main__":
    main()

"""AWS requests per job, by service and kind, for jobs of 10, 100 and 1,000 segments.

The inputs of the scale model (docs/scale-model.md): each job is a passthrough of a tiny
generated video (160x90, 10 fps, a keyframe on every frame, AAC; under 16 MiB, so its upload is
one PutObject and moto sends one event for it) cut every --segment-seconds,
so its segment count is exact and cheap to produce. The workers are the real ones on the
embedded moto server (one process each, through `_pipeline_timing`), and every botocore call
they make is recorded in their own process (BENCH_COUNT_AWS=1). Jobs run one after another;
a job's requests are those made from its upload until --settle seconds after it completed.

Receives that returned no message are idle long polls: they depend on time and on the number
of workers (one per WAIT_TIME_SECONDS each, 20 s on AWS), not on the job, and are printed
apart. Visibility heartbeats also depend on time (one per heartbeat interval while a message
is in hand).

    .venvs/cli/bin/python bench/bench_requests.py [--segments 10 100 1000]
        [--segment-seconds 0.4] [--video-workers 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from bench_pipeline import ffmpeg, timed_spec

from vidpipe_cli import (
    CHUNKING_WORKER,
    MEDIA_WORKER,
    VIDEO_WORKER,
    LocalStack,
    file_sinks,
    submit_file,
    wait_for_job,
)
from vidpipe_types import JobOptions, JobStatus, Mode

MULTIPART_THRESHOLD = 16 * 1024 * 1024  # vidpipe_aws's boto3 transfer config

#: The request kinds AWS prices apart (us-east-1 list prices are in docs/scale-model.md).
KINDS: dict[str, set[str]] = {
    "s3 put/list": {
        "s3:PutObject", "s3:CreateMultipartUpload", "s3:UploadPart",
        "s3:CompleteMultipartUpload", "s3:CopyObject", "s3:ListObjectsV2", "s3:ListObjects",
    },
    "s3 get/head": {"s3:GetObject", "s3:HeadObject"},
    "sqs send": {"sqs:SendMessage", "sqs:SendMessageBatch"},
    "sqs receive": {"sqs:ReceiveMessage"},
    "sqs delete": {"sqs:DeleteMessage", "sqs:DeleteMessageBatch"},
    "sqs visibility": {"sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch"},
    "ddb read": {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"},
    "ddb write": {
        "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
        "dynamodb:BatchWriteItem", "dynamodb:TransactWriteItems",
    },
}  # fmt: skip


def make_input(path: Path, seconds: float) -> Path:
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc=size=160x90:rate=10:duration={seconds:g}",
        "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds:g}",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "1", "-crf", "35", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "32k", "-shortest", str(path),
    )  # fmt: skip
    if path.stat().st_size >= MULTIPART_THRESHOLD:
        # moto sends two S3 events for a multipart upload (AWS one): chunking would run twice.
        print(f"warning: {path.name} is multipart-sized; moto will chunk it twice")
    return path


def kind_of(what: str) -> str:
    for kind, operations in KINDS.items():
        if what in operations:
            return kind
    return "other"


def job_calls(timings: Path, start: float, end: float) -> list[dict[str, Any]]:
    calls = []
    for line in timings.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry["kind"] == "aws" and start <= entry["start"] <= end:
            calls.append(entry)
    return calls


@dataclass
class JobCount:
    segments: int
    wall_seconds: float
    kinds: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)
    idle_receives: int = 0
    query_items_read: int = 0

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


def summarize(calls: list[dict[str, Any]], segments: int, wall: float) -> JobCount:
    counted = JobCount(segments, round(wall, 2))
    for call in calls:
        what = str(call["what"])
        if what == "sqs:ReceiveMessage" and call.get("messages") == 0:
            counted.idle_receives += 1
            continue
        counted.kinds[kind_of(what)] += 1
        counted.operations[f"{str(call['worker']).removesuffix('-worker')} {what}"] += 1
        if what in ("dynamodb:Query", "dynamodb:Scan", "dynamodb:BatchGetItem"):
            counted.query_items_read += int(call.get("items") or 0)
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--segments", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--segment-seconds", type=float, default=0.4)
    parser.add_argument("--video-workers", type=int, default=2)
    parser.add_argument("--settle", type=float, default=3.0, help="seconds after completed")
    parser.add_argument("--json", type=Path, help="also write the counts here")
    args = parser.parse_args()
    t = args.segment_seconds
    results: list[JobCount] = []
    with tempfile.TemporaryDirectory(prefix="vidpipe-bench-requests-") as tmp:
        work = Path(tmp)
        timings = work / "calls.jsonl"
        stack = LocalStack(
            prefix="vidpipe-bench",
            workers=[
                (timed_spec(CHUNKING_WORKER, timings), 1),
                (timed_spec(VIDEO_WORKER, timings), args.video_workers),
                (timed_spec(MEDIA_WORKER, timings), 1),
            ],
            worker_env={"SEGMENT_SECONDS": f"{t:g}", "BENCH_COUNT_AWS": "1"},
            log_sink=file_sinks(work / "logs"),
        )
        with stack:
            target = stack.target()
            for count in args.segments:
                source = make_input(work / f"src-{count}.mp4", count * t)
                time.sleep(args.settle)  # the previous job's stragglers stay out of this one
                start = time.time()
                submission = submit_file(target, source, options=JobOptions(mode=Mode.PASSTHROUGH))
                job = wait_for_job(target, submission.job_id, timeout=7200, poll_interval=0.2)
                wall = time.time() - start
                if job.status is not JobStatus.COMPLETED:
                    raise SystemExit(f"job {job.job_id} ended {job.status.value}: {job.error}")
                time.sleep(args.settle)
                calls = job_calls(timings, start, time.time())
                counted = summarize(calls, job.total_segments or 0, wall)
                chunked = counted.operations.get("chunking sqs:DeleteMessage", 0)
                if chunked != 1:
                    print(f"warning: the upload was chunked {chunked} times (duplicate events)")
                results.append(counted)
                print(f"{counted.segments} segments: {counted.total} requests in {wall:.1f} s",
                      flush=True)  # fmt: skip
    report(results)
    if args.json:
        rows = [{**asdict(r), "kinds": dict(r.kinds), "operations": dict(r.operations)}
                for r in results]  # fmt: skip
        args.json.write_text(json.dumps(rows, indent=2, sort_keys=True))


def report(results: list[JobCount]) -> None:
    kinds = [*KINDS, "other"]
    print(f"\nrequests per job (idle receives apart), {len(results)} jobs")
    print(f"{'segments':>9}" + "".join(f"{k:>15}" for k in kinds) + f"{'total':>8}{'/seg':>7}"
          f"{'idle rcv':>9}{'q items':>8}")  # fmt: skip
    ordered = sorted(results, key=lambda r: r.segments)
    for r in ordered:
        print(
            f"{r.segments:>9}"
            + "".join(f"{r.kinds.get(k, 0):>15}" for k in kinds)
            + f"{r.total:>8}{r.total / max(1, r.segments):>7.1f}"
            f"{r.idle_receives:>9}{r.query_items_read:>8}"
        )
    if len(ordered) >= 2:
        print("\nmarginal requests per added segment (between consecutive jobs)")
        for low, high in itertools.pairwise(ordered):
            added = max(1, high.segments - low.segments)
            per = {k: (high.kinds.get(k, 0) - low.kinds.get(k, 0)) / added for k in kinds}
            shown = ", ".join(f"{k} {v:.2f}" for k, v in per.items() if v)
            total = (high.total - low.total) / added
            print(f"  {low.segments}->{high.segments}: {shown}; total {total:.2f}")
    largest = ordered[-1]
    print(f"\nevery operation of the {largest.segments}-segment job, per worker")
    for name, n in sorted(largest.operations.items(), key=lambda item: (-item[1], item[0])):
        print(f"  {name:<48}{n:>7}{n / max(1, largest.segments):>8.2f}/seg")
    walls = ", ".join(f"{r.wall_seconds:.1f} s" for r in ordered)
    print(f"\njob wall times: {walls}")


if __name__ == "__main__":
    main()

"""A discrete-event model of one long job on AWS: where its critical path goes, and what it costs.

It follows what vidpipe's workers do, step by step, with each step's time taken from the
benches (bench_pipeline.py, bench_requests.py, bench_ffmpeg_runner.py; measured on a 2-core
machine) or, for what a laptop cannot measure (S3 and DynamoDB latencies, network and disk
throughput of a Fargate task), from stated assumptions. Every one is a flag.

    chunking (one task):  download the source, ffprobe, list keyframes, decode it all once
                          (check_decoding), split by stream copy, then upload the segments ONE
                          AFTER ANOTHER (each a GetItem + PutObject)
    per segment:          S3 event -> SQS -> the next free video-worker of W: GetItem, HeadObject,
                          download (HEAD + GET), ffprobe, the model, PutObject, PutItem, the
                          trigger (GetItem, Query COUNT, UpdateItem), DeleteMessage
    reassembly (one task): Query the completions, download every segment ONE AFTER ANOTHER,
                          ffprobe EACH segment TWICE (frame count; concat's start time), concat,
                          ffprobe, thumbnail, sha256, upload

The segments are simulated as events (arrivals from the chunker, a pool of W workers, FIFO);
the two single-task stages are sums. Costs are us-east-1 list prices (docs/scale-model.md).

    .venvs/cli/bin/python bench/scale_sim.py [--video-seconds 3600] [--workers 100 1000]
        [--segment-seconds 3.6 10] [--requests-json out.json]
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
from dataclasses import dataclass, fields, replace
from pathlib import Path

MB = 1e6


@dataclass(frozen=True)
class Params:
    """Seconds unless named otherwise. (m) measured by the benches, (a) assumed for AWS."""

    bitrate_mbps: float = 5.0  # (a) a 720p H.264 upload: 2.25 GB per hour
    process_start: float = 0.08  # (m) one ffprobe/ffmpeg process start, unloaded 2-core box
    probe_work: float = 0.02  # (m) ffprobe -show_format -show_streams beyond its start
    keyframe_us_per_packet: float = 13.0  # (m) ffprobe packet listing, per video packet
    fps: float = 25.0
    disk_mb_s: float = 250.0  # (a) task storage, read or write
    s3_stream_mb_s: float = 90.0  # (a) one GET or PUT stream, task <-> S3 in-region
    s3_multipart_mb_s: float = 300.0  # (a) boto3 multipart, 4 parts in flight
    s3_latency: float = 0.02  # (a) first byte of a GET/PUT/HEAD
    ddb_latency: float = 0.006  # (a) GetItem/PutItem/UpdateItem/Query
    sqs_latency: float = 0.01  # (a) Receive (message waiting), Delete, Send
    s3_event_latency: float = 0.5  # (a) S3 notification -> message visible in SQS
    model_cpu_per_video_second: float = 0.58  # (m) grayscale 720p, libx264 veryfast, 1 vCPU
    # (m) chunking's check_decoding (SPLIT_VERIFY_DECODING, on by default): one single-threaded
    # ffprobe decoding the whole upload; bigbuckbunny.mp4 (720p, 25 fps): 0.38 CPU-s for 5.3 s.
    decode_check_cpu_per_video_second: float = 0.063
    sha256_mb_s: float = 600.0  # (m-ish) hashlib on one core
    thumbnail: float = 0.3  # (m) thumbnail + mean luma, two processes
    worker_vcpu: float = 1.0  # Fargate task size of a video-worker
    worker_gb: float = 2.0
    fargate_vcpu_hour: float = 0.04048  # us-east-1, Linux/x86
    fargate_gb_hour: float = 0.004445
    fargate_min_seconds: float = 60.0  # Fargate bills at least a minute per task start
    # What vidpipe does today; --what-if runs the model again with the fixes of
    # docs/scale-model.md: uploads and downloads 16 at a time, no ffprobe per segment in
    # reassembly (today two: the frame-count check and concat's start time), the decode check
    # moved from chunking to each segment's video-worker.
    upload_concurrency: float = 1.0
    download_concurrency: float = 1.0
    probes_per_segment: float = 2.0
    decode_check_in_workers: float = 0.0  # 0: at chunking, serial; 1: per segment, in parallel
    count_items_per_segment_squared: float = 0.454  # (m) Query COUNT items read, / n^2
    completion_item_bytes: float = 200.0  # (a) one SegmentCompletion item


# Per-request prices, us-east-1 (USD per request).
PRICES = {
    "s3 put/list": 0.005 / 1000,
    "s3 get/head": 0.0004 / 1000,
    "sqs": 0.40 / 1e6,
    "ddb read": 0.125 / 1e6,  # on-demand, per read request unit
    "ddb write": 0.625 / 1e6,  # on-demand, per write request unit
}


@dataclass
class Outcome:
    segments: int
    workers: int
    chunk_download: float
    chunk_probe: float
    chunk_split: float
    chunk_uploads: float
    processing_tail: float  # from the last segment upload to the last completion
    worker_busy: float  # vCPU-seconds of all video-workers
    reassembly_downloads: float
    reassembly_probes: float
    reassembly_rest: float

    @property
    def chunking(self) -> float:
        return self.chunk_download + self.chunk_probe + self.chunk_split + self.chunk_uploads

    @property
    def reassembly(self) -> float:
        return self.reassembly_downloads + self.reassembly_probes + self.reassembly_rest

    @property
    def critical_path(self) -> float:
        return self.chunking + self.processing_tail + self.reassembly


def segment_service(p: Params, seconds: float, size: float) -> float:
    """One video-worker's time for one segment of `seconds` and `size` bytes."""
    requests = (
        p.sqs_latency  # the receive that returns it
        + 2 * p.ddb_latency  # job GetItem, completion PutItem
        + 3 * p.s3_latency  # HeadObject (already processed?), download HEAD + GET
        + size / (p.s3_stream_mb_s * MB)
        + p.s3_latency  # PutObject
        + size / (p.s3_stream_mb_s * MB)
        + 3 * p.ddb_latency  # trigger: GetItem, Query COUNT, UpdateItem
        + p.sqs_latency  # DeleteMessage
    )
    tools = 2 * p.process_start + p.probe_work  # ffprobe, then the model's ffmpeg
    model = seconds * p.model_cpu_per_video_second / p.worker_vcpu
    check = p.decode_check_in_workers * (
        p.process_start + seconds * p.decode_check_cpu_per_video_second
    )
    return requests + tools + model + check


def simulate(p: Params, video_seconds: float, segment_seconds: float, workers: int) -> Outcome:
    n = max(1, round(video_seconds / segment_seconds))
    size = video_seconds * p.bitrate_mbps * MB / 8
    seg_size = size / n
    packets = video_seconds * p.fps
    download = size / (p.s3_multipart_mb_s * MB)
    probe = 2 * p.process_start + p.probe_work + packets * p.keyframe_us_per_packet / 1e6
    split = p.process_start + 2 * size / (p.disk_mb_s * MB)
    if not p.decode_check_in_workers:
        split += p.process_start + video_seconds * p.decode_check_cpu_per_video_second
    chunk_done = download + probe + split
    # `upload_concurrency` uploads in flight: one finishes every per_upload / concurrency.
    per_upload = (p.ddb_latency + p.s3_latency + seg_size / (p.s3_stream_mb_s * MB)) / max(
        1.0, p.upload_concurrency
    )

    # Events: segment i becomes visible to the video queue after its upload and the S3 event.
    arrivals = [chunk_done + (i + 1) * per_upload + p.s3_event_latency for i in range(n)]
    service = segment_service(p, segment_seconds, seg_size)
    free_at = [0.0] * min(workers, n)  # a heap of the times each worker is next free
    heapq.heapify(free_at)
    last_done = 0.0
    for arrival in arrivals:  # FIFO: segments are taken in upload order
        start = max(arrival, heapq.heappop(free_at))
        done = start + service
        heapq.heappush(free_at, done)
        last_done = max(last_done, done)
    uploads_end = chunk_done + n * per_upload

    downloads = n * (2 * p.s3_latency + seg_size / (p.s3_stream_mb_s * MB))
    downloads /= max(1.0, p.download_concurrency)
    probes = n * p.probes_per_segment * (p.process_start + p.probe_work)
    rest = (
        p.sqs_latency + 4 * p.ddb_latency  # trigger message, lease, completions Query
        + p.process_start + 2 * size / (p.disk_mb_s * MB)  # concat
        + p.process_start + p.probe_work + p.thumbnail
        + size / (p.sha256_mb_s * MB)
        + size / (p.s3_multipart_mb_s * MB) + 3 * p.ddb_latency  # final.mp4 up, job completed
    )  # fmt: skip
    return Outcome(
        segments=n,
        workers=workers,
        chunk_download=download,
        chunk_probe=probe,
        chunk_split=split,
        chunk_uploads=n * per_upload,
        processing_tail=last_done - uploads_end,
        worker_busy=n * service * p.worker_vcpu,
        reassembly_downloads=downloads,
        reassembly_probes=probes,
        reassembly_rest=rest,
    )


def request_cost(
    per_segment: dict[str, float], per_job: dict[str, float], n: int, p: Params
) -> float:
    """USD for one job of n segments from requests per segment and per job, by price class,
    plus the read units of the completion counting: each completion's Query COUNT reads every
    completion stored so far (measured: 0.454 n^2 items at n = 1,000), 4 KB per unit."""
    total = 0.0
    for kind, price in PRICES.items():
        count = per_segment.get(kind, 0.0) * n + per_job.get(kind, 0.0)
        total += count * price
    counted_items = p.count_items_per_segment_squared * n * n
    total += counted_items * p.completion_item_bytes / 4096 * PRICES["ddb read"]
    return total


def task_hour(p: Params) -> float:
    return p.worker_vcpu * p.fargate_vcpu_hour + p.worker_gb * p.fargate_gb_hour


def load_requests(path: Path | None) -> tuple[dict[str, float], dict[str, float]]:
    """Requests per segment and per job by price class: the least-squares line through the
    jobs of `bench_requests.py --json`, or by default the line through the 10- and
    1,000-segment jobs of docs/scale-model.md. DynamoDB reads are calls (one unit each; the
    completion counting's extra units are added by `request_cost`)."""
    if path is None:
        per_segment = {"s3 put/list": 2.0, "s3 get/head": 5.0, "sqs": 2.06, "ddb read": 5.98,
                       "ddb write": 1.55}  # fmt: skip
        per_job = {"s3 put/list": 4.0, "s3 get/head": 3.0, "sqs": 2.4, "ddb read": 19.0,
                   "ddb write": 19.5}  # fmt: skip
        return per_segment, per_job
    jobs = json.loads(path.read_text())
    kinds = {"s3 put/list": ["s3 put/list"], "s3 get/head": ["s3 get/head"],
             "sqs": ["sqs send", "sqs receive", "sqs delete", "sqs visibility"],
             "ddb read": ["ddb read"], "ddb write": ["ddb write"]}  # fmt: skip
    xs = [float(j["segments"]) for j in jobs]
    per_segment, per_job = {}, {}
    for kind, names in kinds.items():
        ys = [float(sum(j["kinds"].get(name, 0) for name in names)) for j in jobs]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        var = sum((x - mx) ** 2 for x in xs) or 1.0
        slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var
        per_segment[kind], per_job[kind] = slope, my - slope * mx
    return per_segment, per_job


def report(p: Params, outcome: Outcome, requests: float) -> None:
    o = outcome
    print(f"\n{o.segments} segments, {o.workers} video-workers")
    print(f"  chunking      {o.chunking:8.1f} s  (download {o.chunk_download:.1f}, probe + "
          f"keyframes {o.chunk_probe:.1f}, decode check + split {o.chunk_split:.1f}, "
          f"{o.segments} uploads "
          f" {o.chunk_uploads:.1f})")  # fmt: skip
    print(f"  processing    {o.processing_tail:8.1f} s  after the last upload (the rest overlaps "
          "the uploads)")  # fmt: skip
    print(f"  reassembly    {o.reassembly:8.1f} s  ({o.segments} downloads "
          f"{o.reassembly_downloads:.1f}, {round(o.segments * p.probes_per_segment)} ffprobes "
          f"{o.reassembly_probes:.1f}, "
          f"concat + thumbnail + sha256 + upload {o.reassembly_rest:.1f})")  # fmt: skip
    print(f"  critical path {o.critical_path:8.1f} s")
    busy = o.worker_busy / 3600 * task_hour(p) / p.worker_vcpu
    serial = 2 * o.critical_path / 3600 * task_hour(p)  # the chunking and media tasks
    held = o.workers * max(p.fargate_min_seconds, o.critical_path) / 3600 * task_hour(p)
    print(f"  cost: compute billed for busy time ${busy + serial:.3f} + requests "
          f"${requests:.3f} = ${busy + serial + requests:.3f}; with the {o.workers} workers held "
          f"for the whole job ${held + serial + requests:.2f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--video-seconds", type=float, default=3600.0)
    parser.add_argument("--segment-seconds", type=float, nargs="+", default=[3.6, 10.0])
    parser.add_argument("--workers", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--requests-json", type=Path, help="bench_requests.py --json output")
    parser.add_argument(
        "--what-if", action="store_true", help="also model the fixes of docs/scale-model.md"
    )
    for f in fields(Params):
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=float, default=f.default)
    args = parser.parse_args()
    p = Params(**{f.name: getattr(args, f.name) for f in fields(Params)})
    per_segment, per_job = load_requests(args.requests_json)
    size_gb = args.video_seconds * p.bitrate_mbps / 8 / 1000
    print(f"{args.video_seconds:g} s of 720p video at {p.bitrate_mbps:g} Mbit/s "
          f"({size_gb:.2f} GB), grayscale at {p.model_cpu_per_video_second:g} vCPU-s per "
          f"video second; a video-worker is {p.worker_vcpu:g} vCPU / {p.worker_gb:g} GB "
          f"(${task_hour(p):.4f}/h)")  # fmt: skip
    variants = [("today", p)]
    if args.what_if:
        fixed = replace(
            p,
            upload_concurrency=16,
            download_concurrency=16,
            probes_per_segment=0,
            decode_check_in_workers=1,
        )
        variants.append(
            ("16 transfers at a time, no ffprobe per segment, decode check per segment", fixed)
        )
    for name, params in variants:
        print(f"\n== {name}")
        for t in args.segment_seconds:
            for w in args.workers:
                outcome = simulate(params, args.video_seconds, t, w)
                cost = request_cost(per_segment, per_job, outcome.segments, params)
                report(params, outcome, cost)
    ideal = segment_service(p, args.video_seconds / 1000, size_gb * 1e9 / 1000)
    print(f"\nSprocket (SoCC'18): 3,600 s, 1,000-way parallel, tens of seconds, under $3. One "
          f"segment's own work here is {ideal:.1f} s: the rest of the critical path is the two "
          "single-task stages, which grow with the segment count.")  # fmt: skip
    if not math.isfinite(ideal):
        raise SystemExit("bad parameters")


if __name__ == "__main__":
    main()

"""Reliability report: a batch of jobs on the local stack while faults are injected at random.

Faults, all on real worker processes (moto in this process, as `vidpipe demo` runs it):
- kill -9 at the workers' fault points (`vidpipe_aws.faults`), chosen at random, each killed
  worker restarted by a supervisor as ECS would;
- duplicate S3 events re-sent for random uploads and segments;
- a SIGTERM to a random worker in the middle of the batch (it drains or releases, and is
  replaced);
- an outage of the AWS endpoint (the moto server stops; its port refuses connections).

Then every job is checked as the fault suite checks it (status completed, one completion per
segment, final.mp4 measured with ffprobe, one "completed" webhook, no dead letters), and the
report prints: jobs run, faults injected by kind, jobs completed correctly, duplicates
observed, and times to recover.

    .venvs/cli/bin/python bench/report_reliability.py [--jobs 6] [--kill-chance 0.35]
        [--kills-per-point 1] [--duplicates 4] [--outage-seconds 5] [--seed 7]

Every figure is measured in this one run, on this machine.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

# The fault harness lives with the fault suite (packages/cli/tests/faults).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packages" / "cli"))

from tests.e2e.support import dead_letters  # noqa: E402
from tests.faults.harness import KILL_POINTS, FaultStack, fault_stack  # noqa: E402
from tests.faults.test_duplicates import s3_event  # noqa: E402

from vidpipe_cli import sample_video  # noqa: E402
from vidpipe_types import Worker, job_segments_prefix  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=6)
    parser.add_argument("--kill-chance", type=float, default=0.35)
    parser.add_argument("--kills-per-point", type=int, default=1)
    parser.add_argument("--duplicates", type=int, default=4, help="re-sent S3 events")
    parser.add_argument("--outage-seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=300.0)
    return parser.parse_args()


def resend_events(faults: FaultStack, job_ids: list[str], count: int, rng: random.Random) -> int:
    s3, sqs = faults.target.clients.s3, faults.target.clients.sqs
    bucket = faults.stack.stack.input_bucket
    sent = 0
    for _ in range(count):
        job_id = rng.choice(job_ids)
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=job_segments_prefix(job_id))
        objects = listed.get("Contents", [])
        if objects and rng.random() < 0.5:
            obj, worker = rng.choice(objects), Worker.VIDEO
        else:
            obj = s3.list_objects_v2(Bucket=bucket, Prefix=f"input/{job_id}/")["Contents"][0]
            worker = Worker.CHUNKING
        body = s3_event(bucket, obj["Key"], obj["ETag"], obj["Size"])
        sqs.send_message(QueueUrl=faults.target.queue_url(worker), MessageBody=body)
        sent += 1
    return sent


def sigterm_one(faults: FaultStack, rng: random.Random) -> str:
    worker = rng.choice([w for w in faults.stack.workers if w.alive])
    assert worker.pid is not None
    os.kill(worker.pid, signal.SIGTERM)
    return worker.name


def log_time(line: dict[str, object]) -> float:
    return datetime.fromisoformat(str(line["time"])).timestamp()


def kill_recoveries(faults: FaultStack) -> list[float]:
    """Seconds from each kill to its replacement process's "runner started" line.

    Kills (marker files, wall clock) and the supervisor's restarts after a SIGKILL happen in
    the same order, so the n-th of one is the n-th of the other.
    """
    lines = faults.log_lines()
    started = [
        (log_time(x), x.get("worker")) for x in lines if x.get("message") == "runner started"
    ]
    killed_at = sorted(float(m.read_text().split()[1]) for m in faults.fault_dir.iterdir())
    recoveries = []
    for at, restart in zip(killed_at, faults.supervisor.kills(), strict=False):
        after = [t for t, name in started if t > at and name == f"{restart.worker}-worker"]
        if after:
            recoveries.append(min(after) - at)
    return recoveries


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    sources = [sample_video("carphone_pristine.mp4"), sample_video("bikes.mp4")]
    points = sorted(rng.sample(KILL_POINTS, k=max(1, len(KILL_POINTS) * 2 // 3)))
    env = {
        "VIDPIPE_FAULT_POINT": ",".join(points),
        "VIDPIPE_FAULT_TIMES": str(args.kills_per_point),
        "VIDPIPE_FAULT_CHANCE": str(args.kill_chance),
    }
    with tempfile.TemporaryDirectory(prefix="vidpipe-reliability-") as tmp:
        root = Path(tmp)
        with fault_stack(root, prefix="vidpipe-rel", env=env) as faults:
            started = time.monotonic()
            job_ids = [
                faults.submit(sources[n % len(sources)], f"rel-{args.seed}-{n}")
                for n in range(args.jobs)
            ]
            time.sleep(2)
            duplicates_sent = resend_events(faults, job_ids, args.duplicates, rng)
            terminated = sigterm_one(faults, rng)
            time.sleep(1)
            faults.stack.interrupt_aws()
            time.sleep(args.outage_seconds)
            faults.stack.resume_aws()
            resumed = time.monotonic()
            last_fault = resumed
            jobs = faults.wait_final(job_ids, timeout=args.timeout)
            finished = time.monotonic()
            faults.wait_queues_empty(timeout=60)
            correct, wrong = 0, {}
            for job_id in job_ids:
                try:
                    faults.check_completed_once(job_id, root / "out")
                    correct += 1
                except AssertionError as exc:
                    wrong[job_id] = str(exc).splitlines()[0][:200]
            dead = dead_letters(faults.target)
            kills = Counter(faults.fired())
            restarts = faults.supervisor.restarts
            duplicates = faults.duplicates_observed()
            second_webhooks = sum(
                1 for j in job_ids if faults.receiver.statuses(j).count("completed") > 1
            )
            recoveries = kill_recoveries(faults)
            print_report(
                args, points, jobs, correct, wrong, dead, kills, restarts, terminated,
                duplicates_sent, duplicates, second_webhooks, recoveries,
                finished - started, finished - last_fault,
            )  # fmt: skip


def print_report(
    args, points, jobs, correct, wrong, dead, kills, restarts, terminated,
    duplicates_sent, duplicates, second_webhooks, recoveries, wall, after_last_fault,
) -> None:  # fmt: skip
    print(f"machine: {os.cpu_count()} CPUs; seed {args.seed}")
    print(f"jobs run: {len(jobs)} (carphone_pristine.mp4 and bikes.mp4, SEGMENT_SECONDS=2)")
    print("faults injected by kind:")
    print(f"  kill -9 at a fault point: {sum(kills.values())}  (armed: {', '.join(points)};"
          f" chance {args.kill_chance})")  # fmt: skip
    for point, n in sorted(kills.items()):
        print(f"    {point}: {n}")
    print(f"  SIGTERM mid-batch: 1 ({terminated}-worker)")
    print(f"  duplicate S3 events re-sent: {duplicates_sent}")
    print(f"  AWS endpoint outage: 1 ({args.outage_seconds:g} s, connections refused)")
    print(f"  worker processes restarted by the supervisor: {len(restarts)}"
          f" (exit codes {sorted(Counter(r.returncode for r in restarts).items())})")  # fmt: skip
    print(f"jobs completed correctly: {correct} of {len(jobs)}")
    for job_id, reason in wrong.items():
        print(f"  NOT correct: {job_id}: {reason}")
    print(f"dead letters: {dead or 0}")
    print("duplicates observed (and absorbed):")
    for kind, n in sorted(duplicates.items()):
        print(f"  {kind}: {n}")
    print(f"  second 'completed' webhooks: {second_webhooks}")
    print("time to recover:")
    if recoveries:
        print(f"  kill -> replacement worker running: median {statistics.median(recoveries):.1f} s,"
              f" max {max(recoveries):.1f} s")  # fmt: skip
    print(f"  endpoint back -> every job final: {after_last_fault:.1f} s")
    print(f"  whole batch, upload to last job final: {wall:.1f} s")


if __name__ == "__main__":
    main()

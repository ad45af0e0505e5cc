"""The soak: many jobs on the local stack while every kind of fault is injected, then proof.

Stack: moto in this process, two replicas of every pipeline worker as processes with
MAX_CONCURRENT_JOBS=2, a supervisor that restarts any that exits (as ECS does), short timeouts
(the fault suite's), a signing secret, and a webhook receiver that fails on purpose.

Faults, all counted:
- kill -9 at every fault point the workers have (`VIDPIPE_FAULT_POINT` = all of them, each
  firing up to `kill_times` times over all processes, with `kill_chance` per call);
- SIGSTOP of a random worker for longer than the visibility timeout, then SIGCONT (its
  messages are taken by the other replica while it is frozen);
- duplicate and re-sent events: upload events, segment events, reassembly requests;
- AWS endpoint outages (moto's port refuses connections, then serves the same state);
- webhook receiver faults: 500s, time-outs (answer after the sender gave up), connections
  dropped without an answer, and outage windows of 503s.

An operator loop redrives the dead-letter queues every `redrive_every` seconds, as the runbook
says (`vidpipe dlq redrive`): a message killed at its fifth receive goes to its DLQ (nothing runs
in a process killed with -9, so only SQS's count ends its life) and the redrive brings it back;
the jobs that a bound failed meanwhile are reopened by the same command. STUCK_*_SECONDS are
shortened to `stuck_seconds` so that the bounds act within the run.

Then, for every job: completed exactly once (status, one completion per segment, one
`job.completed` event id, one "completed" log line), final.mp4 frame-exact against its source
by ffprobe (packet count and duration), metadata.json stating the record's `completed_at`,
every webhook event (`job.processing`, `job.completed`) delivered at least once with a valid
signature; lost jobs, duplicated completions and jobs still non-final after the sweeper.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import statistics
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vidpipe_aws import SIGNATURE_HEADER, verify
from vidpipe_cli import (
    CHUNKING_WORKER,
    MEDIA_WORKER,
    VIDEO_WORKER,
    LocalStack,
    fetch_outputs,
    file_sinks,
    sample_video,
    submit_file,
)
from vidpipe_cli.errors import UsageError
from vidpipe_types import JobStatus, ReassemblyPayload, Worker, job_segments_prefix

from ..e2e.support import dead_letters, measure
from ..faults.harness import FAULT_WORKER_ENV, KILL_POINTS, Supervisor
from ..faults.test_duplicates import s3_event

#: Every fault point, the outbox's and the completion's included.
SOAK_POINTS = (*KILL_POINTS, "media.completed", "outbox.performed")
SECRET = "whsec_soak_only"
EVENTS = ("job.processing", "job.completed")


@dataclass
class SoakConfig:
    jobs: int = 50
    bikes_every: int = 10  # every n-th job is bikes.mp4 (5 segments), the rest carphone (2)
    waves: int = 10
    kill_times: int = 14
    kill_chance: float = 0.3
    sigstops: int = 12
    duplicates: int = 30
    outages: int = 3
    outage_seconds: float = 4.0
    webhook_fail_chance: float = 0.3
    webhook_outages: int = 2
    replicas: int = 2
    concurrency: int = 2
    redrive_every: float = 15.0
    stuck_seconds: float = 600.0
    seed: int = 13
    timeout: float = 900.0


@dataclass
class Post:
    event_id: str
    type: str
    job_id: str
    signed: bool
    answer: str  # "2xx", "500", "timeout", "dropped", "outage"


class FlakyReceiver:
    """A loopback webhook receiver that fails on purpose and checks every signature."""

    def __init__(self, rng: random.Random, fail_chance: float, timeout_seconds: float) -> None:
        self.posts: list[Post] = []
        self.outage = threading.Event()
        self._lock = threading.Lock()
        self._rng = rng
        self._fail = fail_chance
        self._late = timeout_seconds + 0.5
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver._handle(self, body)

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler, body: bytes) -> None:
        document = json.loads(body)
        signed = verify(request.headers.get(SIGNATURE_HEADER, ""), body, SECRET)
        with self._lock:
            roll = self._rng.random()
            kind = self._rng.choice(("500", "timeout", "dropped"))
        if self.outage.is_set():
            answer = "outage"
        elif roll < self._fail:
            answer = kind
        else:
            answer = "2xx"
        with self._lock:
            self.posts.append(
                Post(document["id"], document["type"], document["job_id"], signed, answer)
            )
        if answer == "timeout":
            time.sleep(self._late)  # the sender has given up by now
        if answer == "dropped":
            request.connection.shutdown(socket.SHUT_RDWR)
            return
        status = 204 if answer in ("2xx", "timeout") else (503 if answer == "outage" else 500)
        try:
            request.send_response(status)
            request.end_headers()
        except OSError:
            return

    def delivered(self) -> list[Post]:
        with self._lock:
            return [p for p in self.posts if p.answer == "2xx"]

    def faults(self) -> Counter[str]:
        with self._lock:
            return Counter(p.answer for p in self.posts if p.answer != "2xx")


@dataclass
class SoakResult:
    config: SoakConfig
    jobs: int
    faults: Counter[str]
    kills_by_point: Counter[str]
    completed_once: int
    frame_exact: int
    metadata_matches: int
    wrong: dict[str, str]
    lost: list[str]
    duplicated_completions: list[str]
    stuck: list[str]
    webhooks: dict[str, dict[str, int]]
    invalid_signatures: int
    missing_events: list[str]
    dead_letters: dict[str, int]
    restarts: int
    kill_recoveries: list[float]
    after_last_fault: float
    wall: float
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def total_faults(self) -> int:
        return sum(self.faults.values())

    @property
    def proven(self) -> bool:
        return (
            not self.lost
            and not self.duplicated_completions
            and not self.stuck
            and not self.missing_events
            and self.invalid_signatures == 0
            and not self.wrong
        )


def run_soak(config: SoakConfig, root: Path) -> SoakResult:
    rng = random.Random(config.seed)
    fault_dir, log_dir, work_dir = root / "faults", root / "logs", root / "work"
    for folder in (fault_dir, log_dir, work_dir):
        folder.mkdir(parents=True, exist_ok=True)
    receiver = FlakyReceiver(random.Random(config.seed + 1), config.webhook_fail_chance, 1.0)
    env = {
        **FAULT_WORKER_ENV,
        "CALLBACK_URL": receiver.url,
        "WEBHOOK_SIGNING_SECRET": SECRET,
        "WEBHOOK_TIMEOUT_SECONDS": "1",
        "WEBHOOK_BACKOFF_BASE_SECONDS": "0.5",
        "WEBHOOK_BACKOFF_MAX_SECONDS": "4",
        "WEBHOOK_MAX_ATTEMPTS": "60",
        "MAX_CONCURRENT_JOBS": str(config.concurrency),
        "WORK_DIR": str(work_dir),
        "VIDPIPE_FAULT_DIR": str(fault_dir),
        "VIDPIPE_FAULT_POINT": ",".join(SOAK_POINTS),
        "VIDPIPE_FAULT_TIMES": str(config.kill_times),
        "VIDPIPE_FAULT_CHANCE": str(config.kill_chance),
        **{
            f"STUCK_{status}_SECONDS": str(config.stuck_seconds)
            for status in ("CREATED", "CHUNKING", "PROCESSING", "REASSEMBLING")
        },
    }
    workers = [(spec, config.replicas) for spec in (CHUNKING_WORKER, VIDEO_WORKER, MEDIA_WORKER)]
    stack = LocalStack(
        prefix="vidpipe-soak", workers=workers, worker_env=env, log_sink=file_sinks(log_dir)
    )
    stack.start()
    supervisor = Supervisor(stack).start()
    faults: Counter[str] = Counter()
    try:
        target = stack.target()
        sources = {
            "carphone": sample_video("carphone_pristine.mp4"),
            "bikes": sample_video("bikes.mp4"),
        }
        submitted: dict[str, Path] = {}
        started = time.monotonic()
        stop_chaos = threading.Event()
        last_fault = [time.monotonic()]
        chaos = threading.Thread(
            target=_chaos,
            args=(stack, target, receiver, submitted, config, rng, faults, stop_chaos, last_fault),
            daemon=True,
        )
        chaos.start()
        redriven: Counter[str] = Counter()
        redriver = threading.Thread(
            target=_redrive_loop, args=(target, config, redriven, stop_chaos), daemon=True
        )
        redriver.start()
        per_wave = max(1, config.jobs // config.waves)
        for n in range(config.jobs):
            name = "bikes" if config.bikes_every and n % config.bikes_every == 0 else "carphone"
            job_id = f"soak-{config.seed}-{n}"
            source = sources[name]
            _submit(target, source, job_id)
            submitted[job_id] = source
            if (n + 1) % per_wave == 0:
                time.sleep(2.0)
        final = _wait_final(target, list(submitted), config.timeout)
        stop_chaos.set()
        chaos.join(30)
        redriver.join(30)
        receiver.outage.clear()
        all_final = time.monotonic()
        _wait_webhooks(target, receiver, list(submitted), timeout=120)
        wall = time.monotonic() - started
        result = _check(
            config, stack, target, receiver, supervisor, submitted, final, faults, fault_dir,
            log_dir, root, wall, all_final - last_fault[0],
        )  # fmt: skip
        result.extra["dead letters redriven"] = dict(redriven)
        return result
    finally:
        supervisor.stop()
        stack.stop()
        receiver.stop()


def _redrive_loop(
    target: Any, config: SoakConfig, redriven: Counter[str], stop: threading.Event
) -> None:
    """The operator's `vidpipe dlq redrive`, every few seconds, until the jobs are final."""
    from vidpipe_cli.dlq import redrive

    while not stop.wait(config.redrive_every):
        for worker in (Worker.CHUNKING, Worker.VIDEO, Worker.REASSEMBLY):
            try:
                moved = redrive(target, worker)
            except Exception:  # noqa: BLE001 - an endpoint outage: next round
                continue
            if moved:
                redriven[worker.value] += moved


def _submit(target: Any, source: Path, job_id: str) -> None:
    """Upload as a client would: an endpoint outage (one of the faults) is retried."""
    for _ in range(120):
        try:
            submit_file(target, source, job_id=job_id, key=f"input/{job_id}/{source.name}")
            return
        except UsageError:
            return  # an earlier try's upload went through; its answer was lost to the outage
        except Exception:  # noqa: BLE001 - the client's own retry, as any uploader has
            time.sleep(0.5)
    raise RuntimeError(f"could not submit {job_id}")


def _chaos(
    stack: LocalStack,
    target: Any,
    receiver: FlakyReceiver,
    submitted: dict[str, Path],
    config: SoakConfig,
    rng: random.Random,
    faults: Counter[str],
    stop: threading.Event,
    last_fault: list[float],
) -> None:
    """Inject the faults that come from outside the workers, spread over the run."""
    budget = Counter(
        sigstop=config.sigstops,
        duplicate=config.duplicates,
        outage=config.outages,
        webhook_outage=config.webhook_outages,
    )
    visibility = float(FAULT_WORKER_ENV["VISIBILITY_TIMEOUT_SECONDS"])
    while not stop.wait(rng.uniform(0.5, 1.5)) and sum(budget.values()) > 0:
        if not submitted:
            continue
        kind = rng.choice([k for k, left in budget.items() if left > 0])
        budget[kind] -= 1
        try:
            if kind == "sigstop":
                alive = [w for w in stack.workers if w.alive and w.pid is not None]
                worker = rng.choice(alive)
                assert worker.pid is not None
                os.kill(worker.pid, signal.SIGSTOP)
                time.sleep(visibility + 2)
                os.kill(worker.pid, signal.SIGCONT)
                faults["SIGSTOP past the visibility timeout"] += 1
            elif kind == "duplicate":
                faults[_duplicate(target, stack, submitted, rng)] += 1
            elif kind == "outage":
                stack.interrupt_aws()
                time.sleep(config.outage_seconds)
                stack.resume_aws()
                faults["AWS endpoint outage"] += 1
            else:
                receiver.outage.set()
                time.sleep(config.outage_seconds)
                receiver.outage.clear()
                faults["webhook receiver outage window"] += 1
        except Exception:  # noqa: BLE001 - a fault that could not be injected is not counted
            continue
        last_fault[0] = time.monotonic()


def _duplicate(
    target: Any, stack: LocalStack, submitted: dict[str, Path], rng: random.Random
) -> str:
    s3, sqs = target.clients.s3, target.clients.sqs
    bucket = stack.stack.input_bucket
    job_id = rng.choice(list(submitted))
    choice = rng.random()
    if choice < 0.3:
        job = target.jobs.get(job_id)
        total = job.total_segments if job and job.total_segments else 1
        body = ReassemblyPayload(job_id=job_id, total_segments=total, reason="completion")
        sqs.send_message(
            QueueUrl=target.queue_url(Worker.REASSEMBLY), MessageBody=body.model_dump_json()
        )
        return "reassembly request re-sent"
    objects = s3.list_objects_v2(Bucket=bucket, Prefix=job_segments_prefix(job_id)).get(
        "Contents", []
    )
    if objects and choice < 0.65:
        obj, worker, kind = rng.choice(objects), Worker.VIDEO, "segment event re-sent"
    else:
        listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"input/{job_id}/").get("Contents", [])
        if not listed:
            raise LookupError(job_id)
        obj, worker, kind = listed[0], Worker.CHUNKING, "upload event re-sent"
    sqs.send_message(
        QueueUrl=target.queue_url(worker),
        MessageBody=s3_event(bucket, obj["Key"], obj["ETag"], obj["Size"]),
    )
    return kind


def _wait_final(target: Any, job_ids: list[str], timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    jobs: dict[str, Any] = {}
    while time.monotonic() < deadline:
        for job_id in job_ids:
            try:
                job = target.jobs.get(job_id)
            except Exception:  # noqa: BLE001 - the endpoint may be in an outage
                continue
            if job is not None:
                jobs[job_id] = job
        if all(j in jobs and jobs[j].settled for j in job_ids):
            break
        time.sleep(0.5)
    return jobs


def _wait_webhooks(
    target: Any, receiver: FlakyReceiver, job_ids: list[str], timeout: float
) -> None:
    """Until every event of every job was delivered and no outbox holds anything."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = {(p.job_id, p.type) for p in receiver.delivered()}
        pending = list(target.jobs.list_outbox_pending())
        if not pending and all((j, e) in seen for j in job_ids for e in EVENTS):
            return
        time.sleep(0.5)


def _log_lines(log_dir: Path) -> list[dict[str, Any]]:
    lines = []
    for path in sorted(log_dir.glob("*.log")):
        for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if raw.startswith("{"):
                try:
                    lines.append(json.loads(raw))
                except ValueError:
                    continue
    return lines


def _check(
    config: SoakConfig, stack: LocalStack, target: Any, receiver: FlakyReceiver,
    supervisor: Supervisor, submitted: dict[str, Path], final: dict[str, Any],
    faults: Counter[str], fault_dir: Path, log_dir: Path, root: Path, wall: float,
    after_last_fault: float,
) -> SoakResult:  # fmt: skip
    kills = Counter(p.name.rpartition(".")[0] for p in fault_dir.iterdir())
    faults["kill -9 at a fault point"] = sum(kills.values())
    for answer, n in receiver.faults().items():
        faults[f"webhook receiver {answer}"] = n
    lines = _log_lines(log_dir)
    completed_lines = Counter(
        str(x.get("job_id")) for x in lines if x.get("message", "").endswith(" completed")
        and str(x.get("message", "")).startswith("job ")
    )  # fmt: skip
    measured: dict[Path, Any] = {}
    completed_once = frame_exact = metadata_matches = 0
    wrong: dict[str, str] = {}
    lost, duplicated, stuck = [], [], []
    completed_ids: dict[str, set[str]] = defaultdict(set)
    for post in receiver.posts:
        if post.type == "job.completed":
            completed_ids[post.job_id].add(post.event_id)
    for job_id, source in submitted.items():
        job = target.jobs.get(job_id)
        if job is None:
            lost.append(job_id)
            continue
        if not job.status.is_final:
            stuck.append(job_id)
            continue
        if job.status is not JobStatus.COMPLETED:
            lost.append(job_id)
            wrong[job_id] = f"{job.status}: {job.error.reason if job.error else ''}"[:200]
            continue
        if len(completed_ids[job_id]) > 1 or completed_lines[job_id] > 1:
            duplicated.append(job_id)
        indices = sorted(c.segment_index for c in target.completions.list(job_id))
        if indices != list(range(job.total_segments or 0)):
            wrong[job_id] = f"completions {indices}"
            continue
        completed_once += 1
        files = {p.name: p for p in fetch_outputs(target, job_id, root / "out" / job_id)}
        if source not in measured:
            measured[source] = measure(source)
        want, got = measured[source], measure(files["final.mp4"])
        if (
            got.video.packets == want.video.packets
            and abs(got.video.duration - want.video.duration) < 0.002 + 1 / 25
        ):
            frame_exact += 1
        else:
            wrong[job_id] = f"final.mp4 {got.video.packets} packets, source {want.video.packets}"
        metadata = json.loads(files["metadata.json"].read_text(encoding="utf-8"))
        from vidpipe_types import format_utc

        if job.completed_at is not None and metadata.get("completed_at") == format_utc(
            job.completed_at
        ):
            metadata_matches += 1
        else:
            wrong[job_id] = "metadata.json does not match the job record"
    webhooks: dict[str, dict[str, int]] = {}
    for event in EVENTS:
        posts = [p for p in receiver.delivered() if p.type == event]
        per_job = Counter(p.job_id for p in posts)
        webhooks[event] = {
            "jobs delivered": sum(1 for j in submitted if per_job[j] > 0),
            "deliveries": len(posts),
            "duplicate deliveries": sum(n - 1 for n in per_job.values() if n > 1),
        }
    seen = {(p.job_id, p.type) for p in receiver.delivered()}
    missing = [f"{j} {e}" for j in submitted for e in EVENTS if (j, e) not in seen]
    invalid = sum(1 for p in receiver.posts if not p.signed)
    return SoakResult(
        config=config, jobs=len(submitted), faults=faults, kills_by_point=kills,
        completed_once=completed_once, frame_exact=frame_exact, metadata_matches=metadata_matches,
        wrong=wrong, lost=lost, duplicated_completions=duplicated, stuck=stuck, webhooks=webhooks,
        invalid_signatures=invalid, missing_events=missing, dead_letters=dead_letters(target),
        restarts=len(supervisor.restarts), kill_recoveries=_kill_recoveries(lines, fault_dir),
        after_last_fault=after_last_fault, wall=wall,
    )  # fmt: skip


def _kill_recoveries(lines: list[dict[str, Any]], fault_dir: Path) -> list[float]:
    """Seconds from each kill to the next worker process that started its runner."""
    started = sorted(
        datetime.fromisoformat(str(x["time"])).timestamp()
        for x in lines
        if x.get("message") == "runner started"
    )
    killed_at = []
    for marker in fault_dir.iterdir():
        # "<pid> <time>"; a process stopped or killed between creating and writing its marker
        # leaves it empty: that firing has no time to measure from.
        parts = marker.read_text().split()
        if len(parts) == 2:
            killed_at.append(float(parts[1]))
    killed_at.sort()
    recoveries = []
    for at in killed_at:
        after = [t for t in started if t > at]
        if after:
            recoveries.append(after[0] - at)
    return recoveries


def format_report(result: SoakResult) -> str:
    c = result.config
    out = [
        f"machine: {os.cpu_count()} CPUs; seed {c.seed}; {c.replicas} replicas of every worker, "
        f"MAX_CONCURRENT_JOBS={c.concurrency}",
        f"jobs: {result.jobs} (carphone_pristine.mp4, and bikes.mp4 every {c.bikes_every}th)",
        f"faults injected: {result.total_faults}",
    ]
    for kind, n in sorted(result.faults.items()):
        out.append(f"  {kind}: {n}")
        if kind.startswith("kill -9"):
            for point, k in sorted(result.kills_by_point.items()):
                out.append(f"    {point}: {k}")
    out += [
        f"  (worker processes restarted by the supervisor: {result.restarts})",
        f"jobs completed exactly once: {result.completed_once} of {result.jobs}"
        f" (final.mp4 frame-exact by ffprobe: {result.frame_exact};"
        f" metadata.json matches the record: {result.metadata_matches})",
        f"lost: {len(result.lost)}",
        f"duplicated completions: {len(result.duplicated_completions)}",
        f"stuck after the sweeper: {len(result.stuck)}",
        "webhooks delivered per event (every job at least once; duplicates counted):",
    ]
    for event, figures in result.webhooks.items():
        out.append(
            f"  {event}: {figures['jobs delivered']} of {result.jobs} jobs, "
            f"{figures['deliveries']} deliveries, {figures['duplicate deliveries']} duplicates"
        )
    redriven = result.extra.get("dead letters redriven")
    invalid = result.invalid_signatures
    signatures = "every one valid" if invalid == 0 else f"{invalid} INVALID"
    out += [
        f"  signatures: {signatures}",
        f"  events never delivered: {len(result.missing_events)}",
        f"dead letters redriven by the operator loop: {redriven or 0}",
        f"dead letters left at the end: {result.dead_letters or 0}",
        "time to recover:",
    ]
    if result.kill_recoveries:
        out.append(
            "  kill -> replacement worker running: median "
            f"{statistics.median(result.kill_recoveries):.1f} s,"
            f" max {max(result.kill_recoveries):.1f} s"
        )
    out += [
        f"  last injected fault -> every job final: {result.after_last_fault:.1f} s",
        f"  whole soak, first upload to last webhook: {result.wall:.1f} s",
    ]
    for job_id, reason in sorted(result.wrong.items()):
        out.append(f"  NOT right: {job_id}: {reason}")
    return "\n".join(out)

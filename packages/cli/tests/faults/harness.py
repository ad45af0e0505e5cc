"""A local stack for breaking things on purpose: short timeouts, a webhook receiver, a supervisor
that restarts dead workers (as ECS replaces a stopped task), and the checks of "completed
exactly once". Used by the fault suite and by bench/report_reliability.py.
"""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vidpipe_cli import LocalStack, Target, fetch_outputs, file_sinks, submit_file
from vidpipe_cli.dlq import queue_depth
from vidpipe_types import Job, JobStatus, Worker

from ..e2e.support import dead_letters, measure

#: Every point where the workers call `fault_point`, in the order a job meets them.
KILL_POINTS: tuple[str, ...] = (
    "chunking.downloaded",  # upload on local disk, nothing probed yet
    "chunking.segment_uploaded",  # some segments uploaded, total not recorded
    "chunking.total_recorded",  # job processing, reassembly not yet evaluated
    "video.downloaded",  # segment on disk, the model's ffmpeg about to run
    "video.uploaded",  # output segment uploaded, completion not written
    "video.completed",  # completion written, trigger not run
    "reassembly.decided",  # every segment complete, reassembly message not sent
    "media.joining",  # lease held, segments downloaded, concat about to run
    "media.uploaded",  # final.mp4 and co. staged, job not yet completed
    "media.completed",  # job completed, its outbox (promotion, webhook) not yet delivered
    "outbox.performed",  # an outbox entry took effect (webhook 2xx, sent), not yet cleared
)

#: Timeouts short enough that every recovery path acts within seconds.
FAULT_WORKER_ENV: dict[str, str] = {
    "SEGMENT_SECONDS": "2",
    "VISIBILITY_TIMEOUT_SECONDS": "3",
    "BACKOFF_BASE_SECONDS": "0.5",
    "BACKOFF_MAX_SECONDS": "3",
    "REASSEMBLY_LEASE_SECONDS": "5",
    "SWEEP_INTERVAL_SECONDS": "1",
    "SWEEP_STALE_SECONDS": "3",
    "SHUTDOWN_GRACE_SECONDS": "10",
}

# ffprobe rounds durations to the time base; one frame per segment boundary may move.
ROUNDING = 0.002


class WebhookReceiver:
    """A loopback HTTP server that records every webhook POSTed to it."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        receiver = self

        class _Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                with receiver._lock:
                    receiver.events.append(body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def statuses(self, job_id: str) -> list[str]:
        """The status of each distinct event of the job, in arrival order: webhooks are at
        least once, so a redelivery (the same event id again) is not a second transition."""
        seen: set[str] = set()
        statuses = []
        with self._lock:
            for event in self.events:
                if event.get("job_id") != job_id or event.get("id") in seen:
                    continue
                seen.add(str(event.get("id")))
                statuses.append(event["status"])
        return statuses


@dataclass
class Restart:
    worker: str
    returncode: int | None
    at: float


class Supervisor:
    """Restarts any worker process that exited, as ECS replaces a stopped task."""

    def __init__(self, stack: LocalStack, interval: float = 0.1) -> None:
        self._stack = stack
        self._interval = interval
        self._stop = threading.Event()
        self.restarts: list[Restart] = []
        self._thread = threading.Thread(target=self._loop, name="supervisor", daemon=True)

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            for worker in list(self._stack.workers):
                if worker.returncode is not None:
                    self.restarts.append(Restart(worker.name, worker.returncode, time.monotonic()))
                    worker.restart()

    def kills(self) -> list[Restart]:
        return [r for r in self.restarts if r.returncode == -signal.SIGKILL]


@dataclass
class FaultStack:
    stack: LocalStack
    target: Target
    receiver: WebhookReceiver
    supervisor: Supervisor
    fault_dir: Path
    log_dir: Path
    submitted: dict[str, Path] = field(default_factory=dict)

    def submit(self, source: Path, job_id: str, **kwargs: Any) -> str:
        key = kwargs.pop("key", f"input/{job_id}/{source.name}")
        submit_file(self.target, source, job_id=job_id, key=key, **kwargs)
        self.submitted[job_id] = source
        return job_id

    def wait_final(self, job_ids: list[str], timeout: float = 120.0) -> dict[str, Job]:
        """Every job once it is completed or failed; AssertionError naming the stuck ones."""
        deadline = time.monotonic() + timeout
        jobs: dict[str, Job] = {}
        while True:
            for job_id in job_ids:
                job = self.target.jobs.get(job_id)
                if job is not None:
                    jobs[job_id] = job
            if all(j in jobs and jobs[j].settled for j in job_ids):
                return jobs
            if time.monotonic() > deadline:
                stuck = {j: (jobs[j].status, jobs[j].stage) if j in jobs else None for j in job_ids}
                raise AssertionError(f"jobs not final after {timeout:.0f} s: {stuck}")
            time.sleep(0.3)

    def wait_queues_empty(self, timeout: float = 30.0) -> None:
        """Until no message is waiting or in flight on the pipeline's queues."""
        deadline = time.monotonic() + timeout
        sqs = self.target.clients.sqs
        while True:
            busy = {}
            for worker in (Worker.CHUNKING, Worker.VIDEO, Worker.REASSEMBLY):
                url = self.target.queue_url(worker)
                hidden = sqs.get_queue_attributes(
                    QueueUrl=url,
                    AttributeNames=[
                        "ApproximateNumberOfMessagesNotVisible",
                        "ApproximateNumberOfMessagesDelayed",
                    ],
                )["Attributes"]
                total = queue_depth(sqs, url) + sum(int(v) for v in hidden.values())
                if total:
                    busy[worker.value] = total
            if not busy:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"queues still busy after {timeout:.0f} s: {busy}")
            time.sleep(0.3)

    def fired(self) -> list[str]:
        """Fault points that fired (one entry per firing)."""
        return sorted(p.name.rpartition(".")[0] for p in self.fault_dir.iterdir())

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for path in sorted(self.log_dir.glob("*.log")):
            for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if raw.startswith("{"):
                    try:
                        lines.append(json.loads(raw))
                    except ValueError:
                        continue
        return lines

    def duplicates_observed(self) -> Counter[str]:
        """Deliveries that the pipeline recognised as repeats, by kind (from worker logs)."""
        found: Counter[str] = Counter()
        for line in self.log_lines():
            message = str(line.get("message", ""))
            if message == "message started" and int(line.get("receive_count", 1)) > 1:
                found["redelivered messages"] += 1
            elif "already processed" in message or "already recorded" in message:
                found["segments already done"] += 1
            elif "duplicate" in message:
                found["duplicate events or reassembly requests"] += 1
            elif "is being reassembled by" in message:
                found["reassembly requests waiting out a lease"] += 1
        return found

    def check_completed_once(self, job_id: str, out_dir: Path) -> Job:
        """The job completed exactly once with a right final.mp4 (see the fault suite)."""
        job = self.target.jobs.get(job_id)
        assert job is not None
        assert job.status is JobStatus.COMPLETED, (job.status, job.error)
        total = job.total_segments
        assert total is not None
        indices = [c.segment_index for c in self.target.completions.list(job_id)]
        assert sorted(indices) == list(range(total)), indices
        assert job.completed_segments == total
        files = {p.name: p for p in fetch_outputs(self.target, job_id, out_dir / job_id)}
        assert {"final.mp4", "thumbnail.jpg", "metadata.json"} <= set(files)
        source, final = measure(self.submitted[job_id]), measure(files["final.mp4"])
        tolerance = max(1, total - 1) * source.frame_seconds + ROUNDING
        assert abs(final.video.duration - source.video.duration) <= tolerance
        assert abs(final.video.packets - source.video.packets) <= max(1, total - 1)
        assert self.receiver.statuses(job_id).count("completed") == 1, self.receiver.statuses(
            job_id
        )
        return job

    def check_no_dead_letters(self) -> None:
        assert dead_letters(self.target) == {}


@contextmanager
def fault_stack(
    root: Path,
    *,
    prefix: str,
    env: dict[str, str] | None = None,
    workers: list[Any] | None = None,
):  # type: ignore[no-untyped-def]
    """A started local stack wired for fault tests; stops everything on exit."""
    fault_dir, log_dir, work_dir = root / "faults", root / "logs", root / "work"
    for folder in (fault_dir, log_dir, work_dir):
        folder.mkdir(parents=True, exist_ok=True)
    receiver = WebhookReceiver().start()
    worker_env = {
        **FAULT_WORKER_ENV,
        "CALLBACK_URL": receiver.url,
        "WORK_DIR": str(work_dir),
        "VIDPIPE_FAULT_DIR": str(fault_dir),
        **(env or {}),
    }
    stack = LocalStack(
        prefix=prefix, workers=workers, worker_env=worker_env, log_sink=file_sinks(log_dir)
    )
    stack.start()
    supervisor = Supervisor(stack).start()
    try:
        yield FaultStack(
            stack=stack,
            target=stack.target(),
            receiver=receiver,
            supervisor=supervisor,
            fault_dir=fault_dir,
            log_dir=log_dir,
        )
    finally:
        supervisor.stop()
        stack.stop()
        receiver.stop()

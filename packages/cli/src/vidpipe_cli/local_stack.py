"""The embedded local AWS: a moto server in this process, vidpipe's resources provisioned on it
from the shared topology, and each worker as its own process, as in a deployment.

`vidpipe demo`, `vidpipe up`, the end-to-end tests and the bench scripts all run the pipeline
through `LocalStack`:

    with LocalStack(log_sink=file_sinks(log_dir)) as stack:
        target = stack.target()
        ...

Workers are started with `python -m vidpipe_cli._launch <module>` in their own session, so a
Ctrl-C reaches only this process, which then stops them in order: SIGTERM, drain, moto last.
Start the stack from the main thread (or one that outlives it): on Linux the kernel sends the
workers SIGTERM when the thread that started them ends, so that a killed CLI leaves no orphans.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import boto3

from vidpipe_aws import (
    AwsClients,
    AwsSettings,
    AwsTarget,
    LocalAwsError,
    ProvisionedStack,
    provision,
    short_worker_name,
    worker_name,
)
from vidpipe_cli._launch_env import LAUNCHER_MODULE, PARENT_PID_VARIABLE
from vidpipe_cli.errors import LocalStackError, WorkerExitedError
from vidpipe_cli.target import Target
from vidpipe_cli.worker_logs import DiscardSink, FileSink, LogSink
from vidpipe_types import Mode, StackNames, Worker, format_modes
from vidpipe_types.topology import model_group_of_queue

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from types import TracebackType

logger = logging.getLogger(__name__)

#: moto accepts any credentials; these keep boto3 from looking for real ones.
FAKE_CREDENTIALS: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

#: Runner settings for workers on a laptop: short polls so that a stop is prompt, health on a
#: free loopback port (read back from the worker's log), quick retries.
LOCAL_RUNNER_ENV: dict[str, str] = {
    "WAIT_TIME_SECONDS": "1",
    "HEALTH_PORT": "0",
    "HEALTH_HOST": "127.0.0.1",
    "SHUTDOWN_GRACE_SECONDS": "20",
    "BACKOFF_BASE_SECONDS": "1",
    "BACKOFF_MAX_SECONDS": "30",
    "PYTHONUNBUFFERED": "1",
}


#: The launcher's file, for interpreters of other environments (which lack vidpipe_cli).
LAUNCHER_PATH = Path(__file__).with_name("_launch.py")


@dataclass(frozen=True)
class WorkerSpec:
    """A worker: its short name, the module `python -m` runs, and the queue it consumes.

    The short name (`chunking`) names its processes and log files; the worker's one name
    (`chunking-worker`, from the queue: `vidpipe_aws.worker_name`) is its WORKER_NAME, so its
    logs and metrics read the same as on AWS, whichever process of it wrote them.

    `python` is the interpreter of another environment to run it with (e.g. one holding a
    model plugin and torch; None: this CLI's own), and `env` what its processes get on top of
    the stack's environment (before the stack's `worker_env`).
    """

    name: str
    module: str
    queue: Worker
    python: Path | None = None
    env: tuple[tuple[str, str], ...] = ()

    @property
    def worker_name(self) -> str:
        return worker_name(self.queue)

    def argv(self) -> list[str]:
        """The command line of one process of this worker, started through the launcher."""
        if self.python is None:
            return [sys.executable, "-m", LAUNCHER_MODULE, self.module]
        # Another environment has no vidpipe_cli to `-m`: the launcher runs by path (it needs
        # nothing but the standard library).
        return [str(self.python), str(LAUNCHER_PATH), self.module]


def _spec(module: str, queue: Worker) -> WorkerSpec:
    return WorkerSpec(short_worker_name(queue), module, queue)


CHUNKING_WORKER = _spec("vidpipe_chunking", Worker.CHUNKING)
VIDEO_WORKER = _spec("vidpipe_video", Worker.VIDEO)
MEDIA_WORKER = _spec("vidpipe_media", Worker.REASSEMBLY)
#: The HTTP API's URL imports (the chunking-worker's package, its own entrypoint and queue).
IMPORT_WORKER = _spec("vidpipe_chunking.import_worker", Worker.IMPORT)
#: Run from the detection-worker's own environment (`vidpipe_cli.detection_local`).
DETECTION_WORKER = _spec("vidpipe_detection", Worker.DETECTION)
#: The workers of the segment pipeline, in the order a job meets them.
PIPELINE_WORKERS: tuple[WorkerSpec, ...] = (CHUNKING_WORKER, VIDEO_WORKER, MEDIA_WORKER)

SinkFactory: TypeAlias = Callable[[str], LogSink]
"""Gives the sink for a worker's output, by the worker's process name (`video-2`)."""


def file_sinks(log_dir: Path) -> SinkFactory:
    """One log file per worker process: `<log_dir>/<name>.log`."""
    return lambda name: FileSink(log_dir / f"{name}.log")


def local_clients(endpoint_url: str | Mapping[str, str], region: str) -> AwsClients:
    """Clients for a local endpoint, with fake credentials of their own (the process's
    environment, which may hold real ones, is left alone). `endpoint_url` is one URL, or the
    endpoint variables of an `AwsTarget` (AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>)."""
    session = boto3.session.Session(
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        region_name=region,
    )
    endpoints = (
        {"AWS_ENDPOINT_URL": endpoint_url} if isinstance(endpoint_url, str) else endpoint_url
    )
    # Only the given endpoints: per-service variables of this process must not redirect them.
    settings = AwsSettings.model_validate(
        {
            "AWS_REGION": region,
            "AWS_ENDPOINT_URL_S3": None,
            "AWS_ENDPOINT_URL_SQS": None,
            "AWS_ENDPOINT_URL_DYNAMODB": None,
            **endpoints,
        }
    )
    return AwsClients.from_settings(settings, session=session)


def _health_port(line: str) -> int | None:
    """The port in the runner's "health endpoint listening" line, if this is that line."""
    if '"health_port"' not in line:
        return None
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    port = entry.get("health_port") if isinstance(entry, dict) else None
    return port if isinstance(port, int) and port > 0 else None


class WorkerProcess:
    """One worker process, its output pumped line by line into a sink by a reader thread."""

    def __init__(
        self,
        spec: WorkerSpec,
        name: str,
        env: Mapping[str, str],
        sink: LogSink,
        *,
        check_health: bool = True,
    ) -> None:
        self.spec = spec
        self.name = name
        self._env = dict(env)
        self._sink = sink
        self._check_health = check_health
        self._recent: deque[str] = deque(maxlen=40)
        self._port_seen = threading.Event()
        self.health_port: int | None = None
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def returncode(self) -> int | None:
        return self._process.poll() if self._process else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        self._process = subprocess.Popen(
            self.spec.argv(),
            env=self._env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._pump, name=f"log-{self.name}", daemon=True)
        self._reader.start()

    def _pump(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        for raw in self._process.stdout:
            line = raw.rstrip("\n")
            self._recent.append(line)
            if self.health_port is None:
                port = _health_port(line)
                if port is not None:
                    self.health_port = port
                    self._port_seen.set()
            try:
                self._sink.write(line)
            except (OSError, ValueError):
                # A closed terminal or file must not block the worker on a full pipe.
                continue

    def recent_output(self) -> list[str]:
        return list(self._recent)

    def wait_ready(self, deadline: float) -> None:
        """Return once `/health/ready` answers 200 (or, with health off, the process runs)."""
        while True:
            if not self.alive:
                raise self._exited_error("exited while starting")
            if not self._check_health or (self.health_port and self._ready()):
                return
            if time.monotonic() > deadline:
                raise LocalStackError(
                    f"{self.name}-worker did not become ready in time; its last output:\n"
                    + "\n".join(self.recent_output()[-10:])
                )
            if self.health_port is None:
                self._port_seen.wait(0.1)
            else:
                time.sleep(0.1)

    def _ready(self) -> bool:
        url = f"http://127.0.0.1:{self.health_port}/health/ready"
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def check(self) -> None:
        if self._process is not None and not self.alive:
            raise self._exited_error("exited")

    def _exited_error(self, what: str) -> WorkerExitedError:
        tail = "\n".join(self.recent_output()[-10:])
        return WorkerExitedError(
            f"{self.name}-worker {what} with status {self.returncode}; its last output:\n{tail}"
        )

    def send_stop(self) -> None:
        if self.alive and self._process is not None:
            self._process.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float) -> int | None:
        """Wait for the process to end, killing it after `timeout`; close its sink."""
        if self._process is None:
            return None
        try:
            code = self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            logger.warning("%s-worker did not stop in %.0f s: killing it", self.name, timeout)
            self.kill()
            code = self._process.wait()
        if self._reader is not None:
            self._reader.join(5)
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._sink.close()
        return code

    def kill(self) -> None:
        if self.alive and self._process is not None:
            self._process.kill()

    def restart(self, *, wait_ready_until: float | None = None) -> None:
        """Start the process again after it exited (as ECS replaces a stopped task); the
        same name, environment and sink. With a deadline, wait until it is ready."""
        if self.alive:
            raise LocalStackError(f"{self.name}-worker is still running")
        if self._reader is not None:
            self._reader.join(5)
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()
        self.health_port = None
        self._port_seen.clear()
        self.start()
        if wait_ready_until is not None:
            self.wait_ready(wait_ready_until)


class LocalStack:
    """moto + provisioned resources + worker processes; see the module docstring.

    `target` is where the AWS is (default: what VIDPIPE_AWS_TARGET chooses, see
    `vidpipe_aws.targets`: the embedded moto server, or an external endpoint such as
    LocalStack for S3 and SQS with DynamoDB on moto).

    `workers` gives how many processes of each worker to run (default one of each pipeline
    worker); `worker_env` is added last to every worker's environment (e.g. MODEL,
    MAX_CONCURRENT_JOBS, SEGMENT_SECONDS, or HEALTH_PORT=-1 to rely on process liveness).
    """

    def __init__(
        self,
        *,
        prefix: str = "vidpipe",
        region: str = "us-east-1",
        host: str = "127.0.0.1",
        port: int = 0,
        workers: Iterable[tuple[WorkerSpec, int]] | None = None,
        worker_env: Mapping[str, str] | None = None,
        log_sink: SinkFactory | None = None,
        ready_timeout: float = 90.0,
        stop_timeout: float = 30.0,
        target: AwsTarget | None = None,
    ) -> None:
        self.names = StackNames(prefix=prefix)
        self.region = region
        self._aws = target or AwsTarget.from_environment(host=host, port=port)
        self._counts = list(workers) if workers is not None else [(w, 1) for w in PIPELINE_WORKERS]
        self._worker_env = dict(worker_env or {})
        self._sinks: SinkFactory = log_sink or (lambda _name: DiscardSink())
        self._ready_timeout = ready_timeout
        self._stop_timeout = stop_timeout
        self._stack: ProvisionedStack | None = None
        self._clients: AwsClients | None = None
        self.workers: list[WorkerProcess] = []

    # Lifecycle ----------------------------------------------------------------------

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> LocalStack:
        """Start moto, provision, start the workers and wait until each is ready."""
        try:
            self.start_aws()
            for spec, count in self._counts:
                for _ in range(count):
                    self.add_worker(spec, wait=False)
            deadline = time.monotonic() + self._ready_timeout
            for worker in self.workers:
                worker.wait_ready(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def start_aws(self) -> ProvisionedStack:
        """Start moto and provision the resources (no workers)."""
        try:
            self._aws.start()
        except LocalAwsError as exc:
            raise LocalStackError(str(exc)) from exc
        self._clients = local_clients(self._aws.env(), self.region)
        if self._aws.external_url and self._aws.fresh:
            # An external endpoint keeps what earlier stacks of this prefix left: start empty.
            self._aws.clear_stack(self._clients, self.names)
        self._stack = provision(self._clients, self.names)
        return self._stack

    def add_worker(self, spec: WorkerSpec, *, wait: bool = True) -> WorkerProcess:
        """Start one more process of `spec` (named `video`, `video-2`, ...)."""
        same = sum(1 for w in self.workers if w.spec == spec)
        name = spec.name if same == 0 else f"{spec.name}-{same + 1}"
        env = {**self.worker_env(spec), **dict(spec.env), **self._worker_env}
        check_health = env.get("HEALTH_PORT") != "-1"
        worker = WorkerProcess(spec, name, env, self._sinks(name), check_health=check_health)
        self.workers.append(worker)
        worker.start()
        if wait:
            worker.wait_ready(time.monotonic() + self._ready_timeout)
        return worker

    def stop(self) -> None:
        """SIGTERM every worker, wait for their drain (kill after stop_timeout), stop moto.

        A Ctrl-C while waiting kills what is left instead of waiting more.
        """
        workers, self.workers = self.workers, []
        try:
            for worker in workers:
                worker.send_stop()
            deadline = time.monotonic() + self._stop_timeout
            for worker in workers:
                worker.wait_stopped(max(0.1, deadline - time.monotonic()))
        except KeyboardInterrupt:
            for worker in workers:
                worker.kill()
            raise
        finally:
            self._aws.stop()

    # What the stack offers --------------------------------------------------------------

    @property
    def aws(self) -> AwsTarget:
        """Where this stack's AWS is (moto, or an external endpoint and moto)."""
        return self._aws

    @property
    def endpoint_url(self) -> str:
        if not self._aws.endpoint_url:
            raise LocalStackError("the local stack is not started")
        return self._aws.endpoint_url

    @property
    def stack(self) -> ProvisionedStack:
        if self._stack is None:
            raise LocalStackError("the local stack is not started")
        return self._stack

    @property
    def clients(self) -> AwsClients:
        if self._clients is None:
            raise LocalStackError("the local stack is not started")
        return self._clients

    def target(self) -> Target:
        return Target(names=self.names, clients=self.clients, endpoint_url=self.endpoint_url)

    def aws_settings(self) -> AwsSettings:
        return AwsSettings.model_validate(self.client_env())

    def client_env(self) -> dict[str, str]:
        """What a process exports to use this stack: endpoint, region, fake credentials,
        stack prefix and every resource name and queue URL."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint_url,
            **self._aws.env(),
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            **FAKE_CREDENTIALS,
            "VIDPIPE_STACK_PREFIX": self.names.prefix,
            **self.stack.env(),
        }

    def process_env(self) -> dict[str, str]:
        """The environment of any process of this stack (a worker, the API): the caller's,
        with this stack's endpoints, credentials and names, and nothing that would send it to
        another AWS."""
        env = {**os.environ, **self.client_env(), PARENT_PID_VARIABLE: str(os.getpid())}
        # A profile in the caller's environment would beat the fake keys in some set-ups.
        env.pop("AWS_PROFILE", None)
        # Nor may the caller's per-service endpoints send a process elsewhere than this stack.
        own_endpoints = self._aws.env() if self._aws.endpoint_url else {}
        for variable in (
            "AWS_ENDPOINT_URL_S3",
            "AWS_ENDPOINT_URL_SQS",
            "AWS_ENDPOINT_URL_DYNAMODB",
        ):
            if variable not in own_endpoints:
                env.pop(variable, None)
        return env

    def worker_env(self, spec: WorkerSpec) -> dict[str, str]:
        """The environment of each of `spec`'s processes (before `spec.env` and `worker_env`)."""
        env = {
            **self.process_env(),
            **LOCAL_RUNNER_ENV,
            # Set even though it is the entrypoint's default: one exported in the caller's
            # shell must not rename the worker.
            "WORKER_NAME": spec.worker_name,
            **self._worker_env,
        }
        group = model_group_of_queue(spec.queue)
        if group is not None:
            # A video-worker consumes VIDEO_QUEUE_URL: point it at its model group's queue
            # (S3 routes each mode's segments there), serving only that group's modes.
            url = env.get(AwsSettings.queue_url_setting(spec.queue))
            if url:
                env[AwsSettings.queue_url_setting(Worker.VIDEO)] = url
            env["ENABLED_MODELS"] = format_modes(group.modes)
        if spec.queue is Worker.CHUNKING:
            # Jobs of a mode no video-worker here serves fail at chunking with the reason.
            env["DEPLOYED_MODES"] = format_modes(self.served_modes())
        return env

    def served_modes(self) -> set[Mode]:
        """The modes of the model groups whose queue one of this stack's workers consumes."""
        specs = [spec for spec, _ in self._counts] + [worker.spec for worker in self.workers]
        groups = [model_group_of_queue(spec.queue) for spec in specs]
        return {mode for group in groups if group is not None for mode in group.modes}

    def interrupt_aws(self) -> None:
        """Make the AWS endpoint refuse connections, keeping its state (outage tests)."""
        try:
            self._aws.interrupt()
        except LocalAwsError as exc:
            raise LocalStackError(str(exc)) from exc

    def resume_aws(self) -> None:
        """Serve the AWS endpoint again after `interrupt_aws`, on the same port."""
        try:
            self._aws.resume()
        except (LocalAwsError, OSError) as exc:
            raise LocalStackError(str(exc)) from exc

    def check_workers(self) -> None:
        """Raise WorkerExitedError when a worker process has exited."""
        for worker in self.workers:
            worker.check()

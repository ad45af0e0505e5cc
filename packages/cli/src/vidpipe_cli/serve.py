"""`vidpipe up`: the local stack as a long-running service, worker logs on the terminal."""

from __future__ import annotations

import shlex
import signal
import sys
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.markup import escape

from vidpipe_cli.local_api import LocalApi
from vidpipe_cli.local_env import remove_local_env, write_local_env
from vidpipe_cli.local_stack import (
    CHUNKING_WORKER,
    IMPORT_WORKER,
    MEDIA_WORKER,
    VIDEO_WORKER,
    LocalStack,
    SinkFactory,
    WorkerSpec,
)
from vidpipe_cli.worker_logs import TerminalSink

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from types import FrameType

    from rich.console import Console

    from vidpipe_aws import AwsTarget


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Let SIGTERM (a service manager, `docker stop`, `kill`) stop the stack like Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def terminal_sinks() -> SinkFactory:
    lock = threading.Lock()
    return lambda name: TerminalSink(name, sys.stdout, lock)


def run_up(
    console: Console,
    *,
    host: str,
    port: int,
    video_workers: int,
    env_file: Path,
    prefix: str = "vidpipe",
    run_for: float | None = None,
    video_worker: WorkerSpec = VIDEO_WORKER,
    target: AwsTarget | None = None,
    detection: WorkerSpec | None = None,
    detection_workers: int = 1,
) -> int:
    """Run until Ctrl-C (or `run_for` seconds); exit 1 if a worker dies on its own.
    `video_worker` is the video-worker to run (`sam2_video_worker(...)` serves `mode=sam2`);
    `target` an external endpoint to run against (default: an embedded moto server);
    `detection` the detection-worker, when the stack serves `--detect` jobs."""
    workers = [
        (IMPORT_WORKER, 1),
        (CHUNKING_WORKER, 1),
        # With sam2, the plain video-worker still serves the CPU modes on their own queue.
        *([(VIDEO_WORKER, video_workers)] if video_worker != VIDEO_WORKER else []),
        (video_worker, video_workers),
        (MEDIA_WORKER, 1),
    ]
    if detection is not None:
        workers.append((detection, detection_workers))
    stack = LocalStack(
        prefix=prefix,
        host=host,
        port=port,
        workers=workers,
        log_sink=terminal_sinks(),
        target=target,
    )
    console.print("starting the local stack: moto server, resources, workers, the HTTP API")
    stack.start()
    api = LocalApi(stack, terminal_sinks()("api"))
    try:
        api.start()
        api_key = api.create_dev_key()
        env = stack.client_env()
        write_local_env(env_file, env)
        exports = "\n".join(f"export {name}={shlex.quote(value)}" for name, value in env.items())
        console.print(
            f"vidpipe is up: local AWS at [bold]{stack.endpoint_url}[/], "
            f"{len(stack.workers)} workers. In another terminal, vidpipe commands find it "
            f"through {escape(str(env_file))}; other tools need:\n{escape(exports)}\n"
            f"HTTP API at [bold]{api.url}[/] (docs at {api.url}/docs); a development key "
            f"(tenant dev): {api_key}\n"
            f"Web console: [bold]{api.url}/[/] (enter the key once)\n"
            "Ctrl-C stops everything.",
            highlight=False,
            # Wrapped lines would break the exports for copy and paste.
            soft_wrap=True,
        )
        deadline = None if run_for is None else time.monotonic() + run_for
        with _sigterm_as_interrupt():
            while deadline is None or time.monotonic() < deadline:
                stack.check_workers()
                api.check()
                time.sleep(0.5)
        return 0
    except KeyboardInterrupt:
        # Ctrl-C is how a long-running stack is meant to end: not an error.
        return 0
    finally:
        remove_local_env(env_file)
        console.print("stopping the API, the workers and the local AWS")
        api.stop()
        stack.stop()

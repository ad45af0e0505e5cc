"""Shared pieces of the runner's unit tests: a long-polling fake queue and a run harness."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from vidpipe_aws.fakes import InMemoryQueue
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_aws.runner import Runner, RunnerSettings


class PollingQueue(InMemoryQueue):
    """InMemoryQueue whose empty receive pauses briefly, as SQS's long poll would.

    Without it the runner's loop would spin on an empty fake queue and eat a core.
    """

    def receive(
        self, max_messages: int, wait_seconds: int, visibility_timeout: int | None = None
    ) -> list[ReceivedMessage]:
        received = super().receive(max_messages, wait_seconds, visibility_timeout)
        if not received:
            time.sleep(0.002)
        return received


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_settings(**overrides: Any) -> RunnerSettings:
    values: dict[str, Any] = {
        "WORKER_NAME": "test-worker",
        "WAIT_TIME_SECONDS": 0,
        "VISIBILITY_TIMEOUT_SECONDS": 60,
        "HEARTBEAT_INTERVAL_SECONDS": 50,  # beyond any test: tests call heartbeat_once()
        "BACKOFF_BASE_SECONDS": 100,
        "BACKOFF_MAX_SECONDS": 900,
        "SHUTDOWN_GRACE_SECONDS": 5,
        "HEALTH_PORT": -1,
    }
    values.update(overrides)
    return RunnerSettings(**values)


def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll until predicate() holds; the timeout only guards against a hung test."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.001)


@contextmanager
def running(runner: Runner) -> Iterator[threading.Thread]:
    """Run the runner on a thread; stop it and check run() returned when the block ends."""
    thread = threading.Thread(target=runner.run, name="runner-under-test", daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        runner.stop()
        thread.join(timeout=10)
    assert not thread.is_alive(), "run() did not return after stop()"

from __future__ import annotations

import json
import os
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from runner_support import PollingQueue, make_settings

from vidpipe_aws.queue import ReceivedMessage
from vidpipe_aws.runner import run_worker
from vidpipe_aws.testing import free_loopback_port


@pytest.fixture(autouse=True)
def _restore_signal_handlers() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _never_called(message: ReceivedMessage) -> None:
    raise AssertionError("no message may be handled")


def _ready_status(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_warm_up_runs_with_health_answering_not_ready_then_sigterm_stops_at_once() -> None:
    queue = PollingQueue()
    queue.send(json.dumps({"any": "body"}))
    port = free_loopback_port()
    settings = make_settings(HEALTH_PORT=port, HEALTH_HOST="127.0.0.1")
    loaded = False
    seen_during_warm_up: list[int] = []

    def warm_up() -> None:
        # The health server is up while models load: /health/ready says 503, not "refused".
        seen_during_warm_up.append(_ready_status(port))
        os.kill(os.getpid(), signal.SIGTERM)

    code = run_worker(queue, _never_called, settings, ready=lambda: loaded, warm_up=warm_up)

    assert code == 0
    assert seen_during_warm_up == [503]
    assert len(queue) == 1  # stopped before receiving anything


def test_a_failing_warm_up_stops_the_worker() -> None:
    queue = PollingQueue()

    def warm_up() -> None:
        raise RuntimeError("weights not found at /models/x.pt")

    with pytest.raises(RuntimeError, match="weights not found"):
        run_worker(queue, _never_called, make_settings(), warm_up=warm_up)


def test_for_worker_names_the_worker_unless_the_environment_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from vidpipe_aws.runner import RunnerSettings

    monkeypatch.delenv("WORKER_NAME", raising=False)
    assert RunnerSettings.for_worker("chunking").worker_name == "chunking"
    monkeypatch.setenv("WORKER_NAME", "chunking-7")
    assert RunnerSettings.for_worker("chunking").worker_name == "chunking-7"

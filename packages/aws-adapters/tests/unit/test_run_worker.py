from __future__ import annotations

import hashlib
import json
import os
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from runner_support import PollingQueue, make_settings

from vidpipe_aws.fakes import InMemoryObjectStorage
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_aws.runner import run_worker
from vidpipe_aws.testing import free_loopback_port
from vidpipe_aws.weights import ModelWeights, WeightsChecksumError, fetch_weights


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


class _ObservedStorage(InMemoryObjectStorage):
    """Records /health/ready while the weights download."""

    def __init__(self, port: int) -> None:
        super().__init__(["models"])
        self.port = port
        self.ready_during_download: list[int] = []

    def _download_file(self, bucket: str, key: str, path: Path) -> None:
        self.ready_during_download.append(_ready_status(self.port))
        super()._download_file(bucket, key, path)


def test_weights_download_in_the_warm_up_while_ready_answers_503(tmp_path: Path) -> None:
    port = free_loopback_port()
    storage = _ObservedStorage(port)
    (tmp_path / "w.pt").write_bytes(b"weights")
    storage.upload_file(tmp_path / "w.pt", "models", "w.pt")
    digest = hashlib.sha256(b"weights").hexdigest()
    loaded: list[Path] = []

    def warm_up(sha256: str) -> None:
        weights = ModelWeights("s3://models/w.pt", sha256, setting="SAM2_CHECKPOINT")
        loaded.append(fetch_weights(weights, storage, weights_dir=tmp_path / "scratch"))
        os.kill(os.getpid(), signal.SIGTERM)

    settings = make_settings(HEALTH_PORT=port, HEALTH_HOST="127.0.0.1")
    with pytest.raises(WeightsChecksumError):
        run_worker(
            PollingQueue(),
            _never_called,
            settings,
            ready=lambda: bool(loaded),
            warm_up=lambda: warm_up("0" * 64),
        )
    assert loaded == []  # a wrong checksum stops the worker before anything is loaded

    code = run_worker(
        PollingQueue(),
        _never_called,
        settings,
        ready=lambda: bool(loaded),
        warm_up=lambda: warm_up(digest),
    )
    assert code == 0
    assert storage.ready_during_download == [503, 503]
    assert loaded[0].read_bytes() == b"weights"

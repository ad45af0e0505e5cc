"""serve (the one worker bootstrap), the shared worker settings and the worker names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import Field, ValidationError

import vidpipe_aws.worker
from vidpipe_aws import (
    MissingSettingError,
    NotifyingFailureRecorder,
    ReceivedMessage,
    WorkerContext,
    WorkerParts,
    WorkerSettings,
    serve,
    short_worker_name,
    worker_name,
)
from vidpipe_types import Worker

QUEUE_URL = "http://127.0.0.1:1/123456789012/vidpipe-video"


class ExampleSettings(WorkerSettings):
    """A worker's own settings, as each worker derives them."""

    model_path: Path | None = Field(default=None, validation_alias="EXAMPLE_MODEL_PATH")
    ffmpeg_timeout_seconds: float = Field(
        default=3600.0, gt=0, validation_alias="FFMPEG_TIMEOUT_SECONDS"
    )


def test_each_worker_is_named_after_its_queue_but_the_media_worker() -> None:
    assert {queue: worker_name(queue) for queue in Worker} == {
        Worker.CHUNKING: "chunking-worker",
        Worker.VIDEO: "video-worker",
        Worker.REASSEMBLY: "media-worker",
        Worker.DETECTION: "detection-worker",
        Worker.VIDEO_GPU: "video-gpu-worker",
        Worker.IMPORT: "import-worker",
    }
    assert [short_worker_name(queue) for queue in Worker] == [
        "chunking",
        "video",
        "media",
        "detection",
        "video-gpu",
        "import",
    ]


def test_blank_optional_settings_are_unset_in_the_base_and_in_subclasses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for variable in ("WORK_DIR", "CALLBACK_URL", "EXAMPLE_MODEL_PATH"):
        monkeypatch.setenv(variable, "  ")

    settings = ExampleSettings()

    assert (settings.work_dir, settings.callback_url, settings.model_path) == (None, None, None)


def test_a_blank_required_setting_is_still_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FFMPEG_MEMORY_BYTES", "")

    with pytest.raises(ValidationError, match="ffmpeg_memory_bytes|FFMPEG_MEMORY_BYTES"):
        ExampleSettings()


def test_the_callback_must_be_an_http_url() -> None:
    with pytest.raises(ValidationError, match="CALLBACK_URL must be an http"):
        ExampleSettings(CALLBACK_URL="ftp://hooks.example")
    assert ExampleSettings(CALLBACK_URL="https://hooks.example").callback_url is not None


def test_a_worker_overrides_only_the_ffmpeg_default_it_needs() -> None:
    assert (WorkerSettings().ffmpeg_timeout_seconds, ExampleSettings().ffmpeg_timeout_seconds) == (
        600.0,
        3600.0,
    )
    assert ExampleSettings().ffmpeg_memory_bytes == WorkerSettings().ffmpeg_memory_bytes


class FakeRun:
    """Stands in for run_worker: records what serve passed, returns at once (or raises)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def __call__(self, queue: Any, handler: Any, settings: Any, **options: Any) -> int:
        self.calls.append({"queue": queue, "handler": handler, "settings": settings, **options})
        if self.error is not None:
            raise self.error
        return 0


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch) -> FakeRun:
    run = FakeRun()
    monkeypatch.setattr(vidpipe_aws.worker, "run_worker", run)
    monkeypatch.setenv("VIDEO_QUEUE_URL", QUEUE_URL)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("WORKER_NAME", raising=False)
    return run


def handle(message: ReceivedMessage) -> None:
    """A handler that does nothing."""


def test_serve_runs_the_built_handler_on_the_workers_queue_under_its_name(
    fake_run: FakeRun,
) -> None:
    seen: list[WorkerContext[ExampleSettings]] = []

    def build(worker: WorkerContext[ExampleSettings]) -> WorkerParts:
        seen.append(worker)
        return WorkerParts(handle, ready=lambda: False, warm_up=lambda: None)

    assert serve(Worker.VIDEO, ExampleSettings, build) == 0

    (worker,) = seen
    (call,) = fake_run.calls
    assert worker.name == "video-worker" == call["settings"].worker_name
    assert isinstance(worker.settings, ExampleSettings)
    assert call["queue"].url == QUEUE_URL == worker.queue.url
    assert call["handler"] is handle
    assert isinstance(call["failures"], NotifyingFailureRecorder)
    assert call["ready"]() is False and call["warm_up"] is not None


def test_worker_name_from_the_environment_still_wins(
    fake_run: FakeRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WORKER_NAME", "video-worker-canary")

    serve(Worker.VIDEO, ExampleSettings, lambda worker: WorkerParts(handle))

    assert fake_run.calls[0]["settings"].worker_name == "video-worker-canary"


def test_serve_stops_before_building_when_the_queue_url_is_unset(
    fake_run: FakeRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VIDEO_QUEUE_URL")
    built: list[object] = []

    with pytest.raises(MissingSettingError, match="VIDEO_QUEUE_URL is not set"):
        serve(Worker.VIDEO, ExampleSettings, lambda worker: WorkerParts(built.append(1) or handle))
    assert built == [] and fake_run.calls == []


def test_serve_creates_the_work_dir_and_flushes_webhooks_when_the_run_fails(
    fake_run: FakeRun, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    work_dir = tmp_path / "scratch" / "video"
    monkeypatch.setenv("WORK_DIR", str(work_dir))
    fake_run.error = RuntimeError("model failed to load")
    flushed: list[bool] = []

    def build(worker: WorkerContext[ExampleSettings]) -> WorkerParts:
        monkeypatch.setattr(worker.notifier, "flush", lambda: flushed.append(True) or True)
        return WorkerParts(handle)

    with pytest.raises(RuntimeError, match="model failed to load"):
        serve(Worker.VIDEO, ExampleSettings, build)
    assert work_dir.is_dir()
    assert flushed == [True]

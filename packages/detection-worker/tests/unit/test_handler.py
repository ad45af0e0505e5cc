"""What the handler decides before any model runs, on the in-memory fakes."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from vidpipe_aws import ReceivedMessage, RetryLater, Unparseable
from vidpipe_aws.fakes import InMemoryJobStore, InMemoryObjectStorage
from vidpipe_detection import DetectionHandler, DetectionSettings, build_detector
from vidpipe_types import DetectionRequest, DetectionState, Job, JobOptions


def _message(body: str) -> ReceivedMessage:
    return ReceivedMessage(
        message_id="m1", receipt_handle="r1", body=body, receive_count=1, sent_at=None
    )


@pytest.fixture
def jobs() -> InMemoryJobStore:
    return InMemoryJobStore()


@pytest.fixture
def storage() -> InMemoryObjectStorage:
    return InMemoryObjectStorage(["in", "out"])


@pytest.fixture
def handler(jobs: InMemoryJobStore, storage: InMemoryObjectStorage) -> DetectionHandler:
    return DetectionHandler(
        storage=storage,
        jobs=jobs,
        detector=build_detector(DetectionSettings()),  # never loaded here
        settings=DetectionSettings(),
        output_bucket="out",
    )


def _job(jobs: InMemoryJobStore, job_id: str) -> None:
    now = datetime.now(UTC)
    jobs.create_if_absent(Job.new(job_id, "in", "input/a.mp4", JobOptions(detect=True), now))


@pytest.mark.parametrize("body", ["not json", '{"job_id": "j1"}', '{"source_key": "a"}'])
def test_a_body_that_is_no_request_is_unparseable(handler: DetectionHandler, body: str) -> None:
    with pytest.raises(Unparseable, match="not a DetectionRequest"):
        handler(_message(body))


def test_a_request_for_a_vanished_job_is_dropped(
    handler: DetectionHandler,
    jobs: InMemoryJobStore,
    storage: InMemoryObjectStorage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="vidpipe_detection")

    # Returns (the runner deletes the message) instead of waiting for the unloaded models.
    handler(_message(DetectionRequest(job_id="gone", source_key="input/a.mp4").model_dump_json()))

    assert jobs.get("gone") is None  # no record is created for it
    assert list(storage.list_keys("out", "")) == []  # nothing is written
    assert "job no longer exists; detection dropped" in caplog.messages


def test_a_failed_job_is_not_detected_and_its_detection_stage_ends(
    handler: DetectionHandler, jobs: InMemoryJobStore, storage: InMemoryObjectStorage
) -> None:
    _job(jobs, "j1")
    jobs.fail("j1", "chunking", "not a video")
    handler.handle(DetectionRequest(job_id="j1", source_key="input/a.mp4"))
    job = jobs.get("j1")
    assert job is not None and job.detection is not None
    assert job.detection.state is DetectionState.FAILED
    assert job.detection.reason == "the job was failed before detection ran"
    assert job.finished  # nobody waits for a detection that will not run
    assert list(storage.list_keys("out", "")) == []


def test_models_still_loading_means_retry_later(
    handler: DetectionHandler, jobs: InMemoryJobStore
) -> None:
    _job(jobs, "j2")
    with pytest.raises(RetryLater, match="still loading"):
        handler.handle(DetectionRequest(job_id="j2", source_key="input/a.mp4"))


class _SteppingDetector:
    """A detector without models: each frame moves the fake clock one second and reports
    progress; it never finishes unless the handler lets it (then the test failed)."""

    ready = True

    def __init__(self, clock: list[float], frames: int, on_frame: dict[int, object]) -> None:
        self.clock = clock
        self.frames = frames
        self.on_frame = on_frame
        self.frames_done = 0

    def run(self, source: object, options: object, **kwargs: object) -> object:
        progress = kwargs["progress"]
        assert callable(progress)
        for frame in range(1, self.frames + 1):
            action = self.on_frame.get(frame)
            if callable(action):
                action()
            self.clock[0] += 1.0
            self.frames_done = frame
            progress(frame, self.frames)
        raise AssertionError("the detector was not stopped")


def test_a_cancel_stops_the_detection_between_frames(
    jobs: InMemoryJobStore, storage: InMemoryObjectStorage
) -> None:
    _job(jobs, "j3")
    storage.put_bytes("in", "input/a.mp4", b"video", content_type="video/mp4")
    clock = [0.0]
    detector = _SteppingDetector(clock, frames=10, on_frame={3: lambda: jobs.cancel("j3")})
    handler = DetectionHandler(
        storage=storage,
        jobs=jobs,
        detector=detector,  # type: ignore[arg-type]
        settings=DetectionSettings(),
        output_bucket="out",
        monotonic=lambda: clock[0],
    )

    handler(_message(DetectionRequest(job_id="j3", source_key="input/a.mp4").model_dump_json()))

    assert detector.frames_done == 3  # stopped right after the frame during which it was cancelled
    assert list(storage.list_keys("out", "")) == []
    job = jobs.get("j3")
    assert job is not None and job.status.value == "cancelled"


def test_a_cancelled_job_is_not_detected(handler: DetectionHandler, jobs: InMemoryJobStore) -> None:
    _job(jobs, "j4")
    jobs.cancel("j4")

    handler.handle(DetectionRequest(job_id="j4", source_key="input/a.mp4"))

    job = jobs.get("j4")
    # The stage ends too (failed, with the reason), so that nobody waits for it.
    assert job is not None and job.detection is not None
    assert job.detection.state.value == "failed"
    assert job.detection.reason == "the job was cancelled before detection ran"


def test_health_models_lists_each_model_and_whether_it_is_loaded() -> None:
    from vidpipe_detection.__main__ import models_body

    body = models_body(build_detector(DetectionSettings()))  # not loaded: cheap
    assert [m["name"] for m in body["models"]] == ["face", "pose", "embedder"]
    face = body["models"][0]
    assert face["backend"] == "mediapipe" and "mediapipe wheel" in face["weights"]
    assert all(m["loaded"] is False and m["load_ms"] is None for m in body["models"])

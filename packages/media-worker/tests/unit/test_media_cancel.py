"""A job cancelled while the media-worker works on it: no final.mp4, no completion, no
webhook; and what a job of the HTTP API carries downstream (user metadata)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from media_world import OUTPUT_BUCKET, World, message

from vidpipe_aws.fakes import InMemoryJobStore, InMemoryObjectStorage
from vidpipe_types import Job, JobOptions, JobStatus, build_job_output_key

JOB = "job-c"


class CancellingJobStore(InMemoryJobStore):
    """Cancels the job on its `cancel_on_read`-th read (1-based), to stop the handler there."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.cancel_on_read: int | None = None
        self.reads = 0

    def get(self, job_id: str) -> Job | None:
        self.reads += 1
        if self.reads == self.cancel_on_read:
            self.cancel(job_id)
        return super().get(job_id)


class CancellingStorage(InMemoryObjectStorage):
    """Cancels the job once a key ending in `name` was uploaded (a cancel that lands after
    the last check)."""

    def __init__(self, job_id: str, name: str) -> None:
        super().__init__()
        self._job_id, self._name = job_id, name
        self.jobs: InMemoryJobStore | None = None  # the world's, once it exists

    def _upload_file(
        self,
        path: Path,
        bucket: str,
        key: str,
        content_type: str | None,
        metadata: dict[str, str],
        tags: dict[str, str],
    ) -> None:
        super()._upload_file(path, bucket, key, content_type, metadata, tags)
        if key.endswith(self._name) and self.jobs is not None:
            self.jobs.cancel(self._job_id)


@pytest.fixture
def world(tmp_path: Path) -> World:
    world = World(tmp_path / "work")
    world.jobs = CancellingJobStore(clock=world.clock)
    return world


def job_outputs(world: World) -> set[str]:
    keys = world.storage.list_keys(OUTPUT_BUCKET, f"jobs/{JOB}/")
    return {key for key in keys if "/segments/" not in key}


def assert_cancelled_without_outputs(world: World) -> None:
    job = world.job(JOB)
    assert job.status is JobStatus.CANCELLED
    assert job.outputs == {} and job.completed_at is None
    assert job_outputs(world) == set()
    assert world.notifier.sent == []
    assert not world.work_dir.exists() or list(world.work_dir.iterdir()) == []


# The handler reads the job once before claiming; the checks read it again, in order.
@pytest.mark.parametrize(
    ("read", "step"), [(2, "before the join"), (3, "before the outputs are uploaded")]
)
def test_a_cancel_stops_the_reassembly(
    world: World, segments: list[Path], read: int, step: str
) -> None:
    world.ready_job(JOB, segments)
    assert isinstance(world.jobs, CancellingJobStore)
    world.jobs.reads, world.jobs.cancel_on_read = 0, read

    world.handler("worker-a")(message(JOB, len(segments)))

    assert_cancelled_without_outputs(world)
    assert world.tools is not None
    joined = len(world.tools.concats)
    assert joined == (0 if read == 2 else 1), step


def test_a_cancel_after_the_uploads_completes_nothing_and_sends_nothing(
    tmp_path: Path, segments: list[Path]
) -> None:
    storage = CancellingStorage(JOB, "/metadata.json")
    world = World(tmp_path / "work", storage)
    storage.jobs = world.jobs
    world.ready_job(JOB, segments)

    world.handler("worker-a")(message(JOB, len(segments)))

    job = world.job(JOB)
    assert job.status is JobStatus.CANCELLED
    assert job.outputs == {} and job.completed_at is None
    assert world.notifier.sent == []
    # The attempt staged its artifacts before the cancel; they never reach the job's keys
    # and the attempt deletes them.
    assert job_outputs(world) == set()
    assert list(world.storage.list_keys(OUTPUT_BUCKET, f"attempts/{JOB}/")) == []


def test_a_job_cancelled_before_the_message_is_left_alone(
    world: World, segments: list[Path]
) -> None:
    world.ready_job(JOB, segments)
    world.jobs.cancel(JOB)

    world.handler("worker-a")(message(JOB, len(segments)))

    assert_cancelled_without_outputs(world)


def test_user_metadata_goes_into_metadata_json_and_the_webhook(
    tmp_path: Path, segments: list[Path]
) -> None:
    world = World(tmp_path / "work")
    world.ready_job(JOB, segments)
    world.jobs.update_fields(JOB, user_metadata={"order": "A-17"})

    world.handler("worker-a")(message(JOB, len(segments)))

    key = build_job_output_key(JOB, "metadata.json")
    document = json.loads(world.storage.get_bytes(OUTPUT_BUCKET, key))
    assert document["user_metadata"] == {"order": "A-17"}
    (event,) = world.notifier.sent
    assert (event["status"], event["metadata"]) == ("completed", {"order": "A-17"})


def test_metadata_json_has_no_user_metadata_when_there_is_none(
    tmp_path: Path, segments: list[Path]
) -> None:
    world = World(tmp_path / "work")
    world.ready_job(JOB, segments, JobOptions())

    world.handler("worker-a")(message(JOB, len(segments)))

    key = build_job_output_key(JOB, "metadata.json")
    assert "user_metadata" not in json.loads(world.storage.get_bytes(OUTPUT_BUCKET, key))

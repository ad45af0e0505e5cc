"""A lease per attempt, not per process: two reassembly messages for one job in one process
(MAX_CONCURRENT_JOBS > 1) never both run, and only the attempt that completes the job leaves
artifacts at the job's keys, so metadata.json always matches the record."""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from media_world import OUTPUT_BUCKET, FakeMediaTools, World, message

from vidpipe_aws import RetryLater
from vidpipe_types import JobStatus, format_utc

JOB = "job-1"


class HeldTools(FakeMediaTools):
    """Holds the first concat until released, as a long ffmpeg run would."""

    def __init__(self) -> None:
        super().__init__()
        self.joining = threading.Event()
        self.release = threading.Event()
        self._first = True

    def concat(
        self, segments: Sequence[Path], dst: Path, starts: Sequence[float] | None = None
    ) -> None:
        if self._first:
            self._first = False
            self.joining.set()
            assert self.release.wait(10)
        super().concat(segments, dst, starts)


@pytest.fixture
def held(tmp_path: Path) -> tuple[World, HeldTools]:
    world = World(tmp_path / "work")
    tools = HeldTools()
    world.tools = tools
    return world, tools


def run_in_thread(
    world: World, worker_id: str, n: int, errors: list[BaseException]
) -> threading.Thread:
    def target() -> None:
        try:
            world.handler(worker_id)(message(JOB, 3, n=n))
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_a_second_message_in_the_same_process_waits_for_the_first(
    held: tuple[World, HeldTools], segments: list[Path]
) -> None:
    world, tools = held
    world.ready_job(JOB, segments)
    handler = world.handler("media-1")  # one process: one worker id, one handler
    errors: list[BaseException] = []
    first = threading.Thread(target=lambda: handler(message(JOB, len(segments))))
    first.start()
    assert tools.joining.wait(10)

    # The duplicate request arrives on the second handler slot of the same process.
    with pytest.raises(RetryLater, match="being reassembled by media-1:"):
        handler(message(JOB, len(segments), n=2))

    tools.release.set()
    first.join(10)
    assert errors == []
    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED
    assert len(tools.concats) == 1  # the reassembly ran once
    assert world.notifier.statuses == ["completed"]


def test_only_the_attempt_that_completes_leaves_its_metadata(
    held: tuple[World, HeldTools], segments: list[Path]
) -> None:
    world, tools = held
    world.ready_job(JOB, segments)
    errors: list[BaseException] = []
    slow = run_in_thread(world, "media-1", 1, errors)
    assert tools.joining.wait(10)

    # The slow attempt outlives its lease; a second attempt in the same process takes over,
    # completes, and its metadata is promoted.
    world.clock.advance(901)
    world.handler("media-1")(message(JOB, len(segments), n=2))
    won = world.job(JOB)
    assert won.status is JobStatus.COMPLETED

    # Then the slow one finishes: its complete fails and nothing of it reaches the job.
    world.clock.advance(30)
    tools.release.set()
    slow.join(10)
    assert errors == []

    job = world.job(JOB)
    assert job == won.model_copy(update={"outbox": job.outbox})
    metadata = json.loads(world.storage.get_bytes(OUTPUT_BUCKET, f"jobs/{JOB}/metadata.json"))
    assert job.completed_at is not None
    assert metadata["completed_at"] == format_utc(job.completed_at)
    assert world.notifier.statuses == ["completed"]
    # The loser's staged artifacts are gone; the winner's are what the record names.
    staged = set(world.storage.list_keys(OUTPUT_BUCKET, f"attempts/{JOB}/"))
    assert staged == set(job.staged_outputs.values())

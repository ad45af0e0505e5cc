"""MediaHandler on in-memory stores and fake media tools (real ffmpeg: tests/integration)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from media_world import OUTPUT_BUCKET, SEGMENT_FRAMES, World, fake_video, message

from vidpipe_aws.fakes import InMemoryObjectStorage
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_aws.runner.outcomes import BadInput, RetryLater, Unparseable
from vidpipe_media import MediaHandler
from vidpipe_types import JobStatus, build_job_output_key

JOB = "job-1"
KEYS = {
    "final": build_job_output_key(JOB, "final.mp4"),
    "thumbnail": build_job_output_key(JOB, "thumbnail.jpg"),
    "metadata": build_job_output_key(JOB, "metadata.json"),
}


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "work")


def output_keys(world: World) -> set[str]:
    """The job's artifacts in the output bucket (its processed segments left out)."""
    keys = world.storage.list_keys(OUTPUT_BUCKET, f"jobs/{JOB}/")
    return {key for key in keys if "/segments/" not in key}


def test_happy_path_uploads_outputs_completes_once_and_notifies_once(
    world: World, segments: list[Path], tmp_path: Path
) -> None:
    world.ready_job(JOB, segments)

    world.handler("worker-a")(message(JOB, len(segments)))

    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED
    assert job.outputs == KEYS
    assert job.reassembly_lease_owner is None
    assert output_keys(world) == set(KEYS.values())
    assert world.storage.head(OUTPUT_BUCKET, KEYS["final"]).content_type == "video/mp4"
    assert world.storage.head(OUTPUT_BUCKET, KEYS["thumbnail"]).content_type == "image/jpeg"
    assert world.storage.head(OUTPUT_BUCKET, KEYS["metadata"]).content_type == "application/json"

    final = tmp_path / "final.mp4"
    world.storage.download_file(OUTPUT_BUCKET, KEYS["final"], final)
    assert world.tools is not None
    assert [p.name for p in world.tools.concats[0]] == [f"{i:05d}.mp4" for i in range(4)]
    probed = world.tools.probe(final)
    assert probed.video is not None and probed.video.frame_count == 250
    metadata = json.loads(world.storage.get_bytes(OUTPUT_BUCKET, KEYS["metadata"]))
    assert metadata["size_bytes"] == final.stat().st_size == probed.size
    assert metadata["duration"] == 10.0
    assert (metadata["width"], metadata["height"], metadata["codec"]) == (640, 272, "h264")
    assert metadata["job_id"] == JOB and metadata["segment_count"] == len(segments)
    assert metadata["mode"] == "passthrough" and metadata["source_key"] == f"input/{JOB}.mp4"
    assert metadata["created_at"] == "2026-03-01T12:00:00.000000Z"
    assert metadata["timings_seconds"] == {
        "created": 1.0,
        "chunking": 1.0,
        "processing": 3.0,
        "reassembling": 0.0,
        "total": 5.0,
    }
    assert world.storage.get_bytes(OUTPUT_BUCKET, KEYS["thumbnail"])[:2] == b"\xff\xd8"

    assert len(world.notifier.sent) == 1
    event = world.notifier.sent[0]
    assert (event["job_id"], event["status"], event["error"]) == (JOB, "completed", None)
    assert event["result"] == {
        "outputs": KEYS,
        "duration": metadata["duration"],
        "size_bytes": metadata["size_bytes"],
        "sha256": metadata["sha256"],
    }
    assert list(world.work_dir.iterdir()) == []  # the per-message temp dir is gone


def test_duplicate_message_after_completion_is_dropped_without_a_second_webhook(
    world: World, segments: list[Path]
) -> None:
    world.ready_job(JOB, segments)
    world.handler("worker-a")(message(JOB, len(segments)))
    completed = world.job(JOB)
    world.clock.advance(5)

    world.handler("worker-b")(message(JOB, len(segments), reason="chunking", n=2))
    world.handler("worker-a")(message(JOB, len(segments), reason="sweeper", n=3))

    assert world.job(JOB) == completed
    assert len(world.notifier.sent) == 1


def test_a_live_lease_of_another_worker_means_retry_when_it_runs_out(
    world: World, segments: list[Path]
) -> None:
    world.ready_job(JOB, segments)
    assert world.jobs.claim_reassembly(JOB, "worker-a", 900) is not None
    world.clock.advance(300)

    with pytest.raises(RetryLater) as raised:
        world.handler("worker-b")(message(JOB, len(segments)))

    assert raised.value.delay_seconds == pytest.approx(601)
    assert "worker-a" in raised.value.reason
    job = world.job(JOB)
    assert job.status is JobStatus.REASSEMBLING and job.reassembly_lease_owner == "worker-a"
    assert output_keys(world) == set()
    assert world.notifier.sent == []


def test_an_expired_lease_is_taken_over_and_the_job_completed(
    world: World, segments: list[Path]
) -> None:
    world.ready_job(JOB, segments)
    assert world.jobs.claim_reassembly(JOB, "worker-a", 900) is not None
    world.clock.advance(901)

    world.handler("worker-b")(message(JOB, len(segments)))

    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED and job.outputs == KEYS
    assert [e["status"] for e in world.notifier.sent] == ["completed"]


class FailingStorage(InMemoryObjectStorage):
    """Dies once on the upload of a key ending in `fail_on`, or runs `hook` there instead."""

    def __init__(self, fail_on: str, error: type[BaseException] = ConnectionResetError) -> None:
        super().__init__()
        self.fail_on = fail_on
        self.error = error
        self.armed = True
        self.hook: object = None

    def _upload_file(self, path, bucket, key, content_type, metadata, tags):  # type: ignore[no-untyped-def]
        if self.armed and key.endswith(self.fail_on):
            self.armed = False
            if callable(self.hook):
                self.hook()
            else:
                raise self.error("worker killed mid-upload")
        super()._upload_file(path, bucket, key, content_type, metadata, tags)


def test_an_error_after_final_upload_releases_the_lease_and_completes_once(
    tmp_path: Path, segments: list[Path]
) -> None:
    world = World(tmp_path / "work", storage=FailingStorage("metadata.json"))
    world.ready_job(JOB, segments)
    first = message(JOB, len(segments))

    with pytest.raises(ConnectionResetError):
        world.handler("worker-a")(first)
    job = world.job(JOB)
    # A passing error gives the lease back: the retry need not wait for it to expire.
    assert job.status is JobStatus.REASSEMBLING and job.reassembly_lease_owner is None
    # Nothing of the failed attempt reached the job's keys: it only staged its artifacts.
    assert output_keys(world) == set()
    assert list(world.work_dir.iterdir()) == []  # cleaned up on the way out too

    # The redelivered message reaches another worker, which takes the job at once.
    world.clock.advance(5)
    world.handler("worker-b")(first)

    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED and job.outputs == KEYS
    assert output_keys(world) == set(KEYS.values())
    assert len(world.notifier.sent) == 1
    # A late duplicate changes nothing.
    world.handler("worker-a")(first)
    assert world.job(JOB) == job and len(world.notifier.sent) == 1


class _Killed(BaseException):
    """The process died (kill -9): no `except Exception` runs, so nothing is released."""


def test_a_killed_worker_keeps_its_lease_until_it_expires(
    tmp_path: Path, segments: list[Path]
) -> None:
    world = World(tmp_path / "work", storage=FailingStorage("metadata.json", error=_Killed))
    world.ready_job(JOB, segments)
    first = message(JOB, len(segments))

    with pytest.raises(_Killed):
        world.handler("worker-a")(first)
    owner = world.job(JOB).reassembly_lease_owner
    assert owner is not None and owner.startswith("worker-a:")  # one attempt of worker-a

    # The redelivered message reaches another worker while worker-a's lease is live ...
    world.clock.advance(60)
    with pytest.raises(RetryLater):
        world.handler("worker-b")(first)
    # ... and again after it ran out.
    world.clock.advance(900)
    world.handler("worker-b")(first)

    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED and job.outputs == KEYS
    assert len(world.notifier.sent) == 1


def test_a_worker_whose_lease_was_taken_over_does_not_complete_or_notify(
    tmp_path: Path, segments: list[Path]
) -> None:
    storage = FailingStorage("metadata.json")
    world = World(tmp_path / "work", storage=storage)
    world.ready_job(JOB, segments)

    def slow_upload() -> None:
        # worker-a stalls past its lease; worker-b takes the job over and finishes first.
        world.clock.advance(901)
        world.handler("worker-b")(message(JOB, len(segments), n=2))

    storage.hook = slow_upload
    world.handler("worker-a")(message(JOB, len(segments)))

    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED and job.outputs == KEYS
    assert len(world.notifier.sent) == 1


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"job_id": "j1"}',
        '{"job_id": "../x", "total_segments": 1, "reason": "completion"}',
        '{"job_id": "j1", "total_segments": 1, "reason": "completion", "extra": 1}',
    ],
)
def test_a_message_that_is_not_a_reassembly_payload_is_unparseable(world: World, body: str) -> None:
    with pytest.raises(Unparseable):
        world.handler("worker-a")(ReceivedMessage("m", "r", body, 1))


def test_an_unknown_job_is_dropped(world: World) -> None:
    world.handler("worker-a")(message("nobody", 3))
    assert world.jobs.get("nobody") is None and world.notifier.sent == []


def test_a_failed_job_is_dropped(world: World, segments: list[Path]) -> None:
    world.ready_job(JOB, segments)
    assert world.jobs.fail(JOB, "processing", "bad segment")
    failed = world.job(JOB)

    world.handler("worker-a")(message(JOB, len(segments)))

    assert world.job(JOB) == failed and output_keys(world) == set()


def test_missing_completions_mean_retry_later(world: World, segments: list[Path]) -> None:
    world.add_job(JOB, total=len(segments))
    world.add_processed(JOB, segments, range(len(segments) - 1))

    with pytest.raises(RetryLater, match=r"segment\(s\) 3"):
        world.handler("worker-a")(message(JOB, len(segments)))

    # The lease stays with this worker, whose retry takes it back at once.
    world.add_processed(JOB, segments, range(len(segments) - 1, len(segments)))
    world.handler("worker-a")(message(JOB, len(segments)))
    assert world.job(JOB).status is JobStatus.COMPLETED


def test_a_job_without_a_total_cannot_be_claimed_yet(world: World) -> None:
    world.add_job(JOB)
    with pytest.raises(RetryLater, match="cannot be reassembled yet") as raised:
        world.handler("worker-a")(message(JOB, 4))
    assert raised.value.delay_seconds is None  # the runner's backoff
    assert world.job(JOB).status is JobStatus.PROCESSING


@pytest.mark.parametrize(
    ("readable", "content", "reason"),
    [
        # Its index intact, its frames cut short: ffmpeg's concat ends the output there and
        # exits 0, so only the frame count shows it.
        (20, None, "output segment 2: truncated or corrupt: only 20 of its 50 frames"),
        (None, b"\0" * 4000, "output segment 2: not a playable video"),
    ],
    ids=["truncated", "garbage"],
)
def test_a_corrupt_segment_is_bad_input_naming_it(
    world: World,
    segments: list[Path],
    tmp_path: Path,
    readable: int | None,
    content: bytes | None,
    reason: str,
) -> None:
    corrupt = fake_video(tmp_path / "corrupt.mp4", 50, readable)
    if content is not None:
        corrupt.write_bytes(content)
    damaged = [*segments[:2], corrupt, *segments[3:]]
    world.ready_job(JOB, damaged)

    with pytest.raises(BadInput) as raised:
        world.handler("worker-a")(message(JOB, len(damaged)))

    assert raised.value.job_id == JOB and raised.value.stage == "reassembling"
    assert raised.value.reason.startswith(reason)
    assert output_keys(world) == set() and world.notifier.sent == []


def test_frame_counts_from_the_completions_spare_a_probe_of_every_segment(
    world: World, segments: list[Path]
) -> None:
    assert world.tools is not None
    world.add_job(JOB, total=len(segments))
    world.add_processed(JOB, segments, frame_counts=list(SEGMENT_FRAMES))

    world.handler("worker-a")(message(JOB, len(segments)))

    assert world.job(JOB).status is JobStatus.COMPLETED
    assert [path.name for path in world.tools.probes] == ["final.mp4"]  # the join, once
    # The completions' start times place each segment: nothing probes them for it either.
    assert world.tools.starts == [[0.0, 76 / 25, 137 / 25, 187 / 25]]


def test_a_truncated_segment_is_still_named_when_its_completion_has_a_frame_count(
    world: World, segments: list[Path], tmp_path: Path
) -> None:
    # Recorded whole by the video-worker, cut short in the bucket since: the join's frame
    # count differs from the completions' sum, and the blame probes each segment alone.
    damaged = [*segments[:2], fake_video(tmp_path / "cut.mp4", 50, 20), *segments[3:]]
    world.add_job(JOB, total=len(damaged))
    world.add_processed(JOB, damaged, frame_counts=[*SEGMENT_FRAMES[:2], 50, *SEGMENT_FRAMES[3:]])

    with pytest.raises(BadInput, match="output segment 2: truncated or corrupt: only 20 of"):
        world.handler("worker-a")(message(JOB, len(damaged)))


def test_a_failed_join_names_the_segment_that_does_not_copy(
    world: World, segments: list[Path], tmp_path: Path
) -> None:
    assert world.tools is not None
    world.tools.fail_concat = True
    world.ready_job(JOB, segments)

    with pytest.raises(BadInput, match="output segment 0: truncated or corrupt"):
        world.handler("worker-a")(message(JOB, len(segments)))

    # The join of all, then segment 0 alone, which fails too: the blame stops there.
    assert [len(c) for c in world.tools.concats] == [4, 1]


def test_a_join_that_loses_frames_of_whole_segments_is_kept_with_a_warning(
    world: World, segments: list[Path], caplog: pytest.LogCaptureFixture
) -> None:
    assert world.tools is not None
    tools = world.tools
    join = tools.concat

    def lossy(inputs: list[Path], dst: Path, starts: list[float] | None = None) -> None:
        join(inputs, dst, starts)
        if len(inputs) > 1:  # the full join drops one frame; each segment alone copies whole
            fake_video(dst, tools.probe(dst).video.frame_count - 1)  # type: ignore[union-attr]

    tools.concat = lossy  # type: ignore[method-assign]
    world.ready_job(JOB, segments)

    world.handler("worker-a")(message(JOB, len(segments)))

    assert world.job(JOB).status is JobStatus.COMPLETED
    assert "joined video has 249 frames, its segments 250" in caplog.text


def test_a_missing_segment_object_is_bad_input(world: World, segments: list[Path]) -> None:
    world.ready_job(JOB, segments)
    world.storage.delete(OUTPUT_BUCKET, f"jobs/{JOB}/segments/1.mp4")

    with pytest.raises(BadInput, match="output segment 1: .* does not exist"):
        world.handler("worker-a")(message(JOB, len(segments)))


def test_the_job_total_wins_over_the_message(world: World, segments: list[Path]) -> None:
    world.ready_job(JOB, segments)
    world.handler("worker-a")(message(JOB, 99))
    assert world.job(JOB).status is JobStatus.COMPLETED
    metadata = json.loads(world.storage.get_bytes(OUTPUT_BUCKET, KEYS["metadata"]))
    assert metadata["segment_count"] == len(segments)


def test_worker_id_comes_from_settings_unless_given(world: World) -> None:
    settings = world.settings(worker_id="from-settings")
    handler = MediaHandler(
        world.storage, world.jobs, world.completions, settings, output_bucket=OUTPUT_BUCKET
    )
    assert handler.worker_id == "from-settings"
    assert world.handler("explicit").worker_id == "explicit"

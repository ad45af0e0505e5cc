"""The handler wired to the in-memory fakes, and a small real video to chunk."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from vidpipe_aws.fakes import (
    InMemoryJobStore,
    InMemoryObjectStorage,
    InMemoryQueue,
    InMemorySegmentCompletionStore,
)
from vidpipe_aws.queue import ReceivedMessage
from vidpipe_chunking import ChunkingHandler, ChunkingSettings
from vidpipe_types import Job

from ..support import CountingTrigger, RecordingNotifier, make_test_video, s3_event_body

INPUT_BUCKET = "vidpipe-input"


class CountingStorage(InMemoryObjectStorage):
    """In-memory S3 that remembers each upload and download."""

    def __init__(self, buckets: list[str]) -> None:
        super().__init__(buckets)
        self.uploads: list[str] = []
        self.downloads: list[str] = []

    def _upload_file(
        self, path: Path, bucket: str, key: str, content_type: str | None, metadata: dict[str, str]
    ) -> None:
        self.uploads.append(key)
        super()._upload_file(path, bucket, key, content_type, metadata)

    def _download_file(self, bucket: str, key: str, path: Path) -> None:
        self.downloads.append(key)
        super()._download_file(bucket, key, path)


class RecordingJobStore(InMemoryJobStore):
    """In-memory jobs that remember the stages written by update_fields (progress)."""

    def __init__(self) -> None:
        super().__init__()
        self.stages: list[str] = []

    def update_fields(self, job_id: str, **fields: Any) -> Job:
        if "stage" in fields:
            self.stages.append(fields["stage"])
        return super().update_fields(job_id, **fields)


@pytest.fixture(scope="session")
def tiny_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 s, 160x120, 10 fps, a keyframe every second, with audio: 3 segments of 1 s."""
    return make_test_video(tmp_path_factory.mktemp("video") / "tiny.mp4")


@dataclass
class World:
    storage: CountingStorage
    jobs: RecordingJobStore
    completions: InMemorySegmentCompletionStore
    reassembly_queue: InMemoryQueue
    detection_queue: InMemoryQueue
    trigger: CountingTrigger
    notifier: RecordingNotifier
    work_dir: Path
    handler: ChunkingHandler

    def upload(
        self, key: str, path: Path, metadata: Mapping[str, str] | None = None
    ) -> ReceivedMessage:
        """Put a file in the input bucket; return the SQS message its S3 event would be."""
        self.storage.upload_file(path, INPUT_BUCKET, key, metadata=metadata)
        return message(s3_event_body(INPUT_BUCKET, key))

    def segment_keys(self, job_id: str) -> list[str]:
        return list(self.storage.list_keys(INPUT_BUCKET, f"segments/{job_id}/"))


def message(body: str, receive_count: int = 1) -> ReceivedMessage:
    return ReceivedMessage(
        message_id="m-1", receipt_handle="r-1", body=body, receive_count=receive_count
    )


def make_settings(work_dir: Path, **overrides: object) -> ChunkingSettings:
    values: dict[str, object] = {
        "MODEL": "passthrough",
        "SEGMENT_SECONDS": 1,
        "SPLIT_STRATEGY": "auto",
        "WORK_DIR": work_dir,
    }
    values.update(overrides)
    return ChunkingSettings(**values)  # type: ignore[arg-type]


def make_world(tmp_path: Path, *, with_detection_queue: bool = True, **overrides: object) -> World:
    storage = CountingStorage([INPUT_BUCKET])
    jobs = RecordingJobStore()
    completions = InMemorySegmentCompletionStore()
    reassembly_queue = InMemoryQueue(name="reassembly")
    detection_queue = InMemoryQueue(name="detection")
    trigger = CountingTrigger(jobs, completions, reassembly_queue)
    notifier = RecordingNotifier()
    work_dir = tmp_path / "work"
    handler = ChunkingHandler(
        storage,
        jobs,
        trigger,
        make_settings(work_dir, **overrides),
        detection_queue=detection_queue if with_detection_queue else None,
        notifier=notifier,
    )
    return World(
        storage,
        jobs,
        completions,
        reassembly_queue,
        detection_queue,
        trigger,
        notifier,
        work_dir,
        handler,
    )


@pytest.fixture
def world(tmp_path: Path) -> World:
    return make_world(tmp_path)

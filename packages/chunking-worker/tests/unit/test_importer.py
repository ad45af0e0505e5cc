"""ImportHandler over in-memory fakes, fetching from a loopback file server (reachable only
through the test-only switch of the fetch policy)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vidpipe_aws import BadInput, Unparseable
from vidpipe_aws.fakes import InMemoryObjectStorage
from vidpipe_aws.url_fetch import FetchPolicy
from vidpipe_aws.webhook import NotifyingFailureRecorder
from vidpipe_chunking import ImportHandler, ImportSettings
from vidpipe_testkit import LoopbackFileServer, RecordingNotifier, received_message
from vidpipe_types import ImportRequest, Job, JobOptions, JobStatus

from ..support import INPUT_BUCKET, RecordingJobStore

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
LOOPBACK_POLICY = FetchPolicy(allow_loopback_for_tests=True, max_bytes=100_000)
VIDEO_BYTES = b"\0\0\0\x18ftypisom" + bytes(50_000)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LoopbackFileServer]:
    files = tmp_path / "site"
    files.mkdir()
    (files / "clip.mp4").write_bytes(VIDEO_BYTES)
    with LoopbackFileServer(files) as running:
        yield running


class Importing:
    def __init__(self, tmp_path: Path, policy: FetchPolicy = LOOPBACK_POLICY) -> None:
        self.storage = InMemoryObjectStorage([INPUT_BUCKET])
        self.jobs = RecordingJobStore()
        self.notifier = RecordingNotifier()
        self.work_dir = tmp_path / "work"
        # Every chunk is a progress write, so that the tests see each one.
        self.handler = ImportHandler(
            self.storage,
            self.jobs,
            policy,
            work_dir=self.work_dir,
            progress_interval_seconds=0.0,
        )

    def job(self, job_id: str, url: str) -> ImportRequest:
        key = f"input/{job_id}/source.mp4"
        job = Job.new(
            job_id,
            INPUT_BUCKET,
            key,
            JobOptions(),
            now=NOW,
            tenant_id="acme",
            user_metadata={"order": "A-17"},
            source_url=url,
            stage="importing: queued",
        )
        self.jobs.create_if_absent(job)
        return ImportRequest(job_id=job_id, source_url=url, bucket=INPUT_BUCKET, key=key)

    def run(self, request: ImportRequest) -> None:
        self.handler(received_message(request.model_dump_json()))

    def fail_as_the_runner_does(self, bad: BadInput) -> None:
        assert bad.job_id is not None
        NotifyingFailureRecorder(self.jobs, self.notifier).fail(
            bad.job_id, bad.stage or "?", bad.reason
        )

    def stored(self, request: ImportRequest) -> bool:
        return self.storage.exists(request.bucket, request.key)


@pytest.fixture
def importing(tmp_path: Path) -> Importing:
    return Importing(tmp_path)


def test_the_url_is_uploaded_as_the_jobs_input_with_its_job_id(
    importing: Importing, server: LoopbackFileServer
) -> None:
    request = importing.job("job-i1", server.url("clip.mp4"))

    importing.run(request)

    info = importing.storage.head(request.bucket, request.key)
    assert (info.size, info.content_type) == (len(VIDEO_BYTES), "video/mp4")
    assert info.metadata == {"job-id": "job-i1"}
    assert importing.storage.get_bytes(request.bucket, request.key, 10**6) == VIDEO_BYTES
    stages = importing.jobs.stages
    assert stages[0] == "importing: fetching" and stages[-1] == "importing: uploading"
    assert f"importing: {len(VIDEO_BYTES)} of {len(VIDEO_BYTES)} bytes" in stages
    # The upload's S3 event starts the chunking, which moves the job on; until then: created.
    job = importing.jobs.get("job-i1")
    assert job is not None and job.status is JobStatus.CREATED
    assert list(importing.work_dir.iterdir()) == []


def test_a_missing_source_fails_the_job_at_importing_with_the_reason(
    importing: Importing, server: LoopbackFileServer
) -> None:
    request = importing.job("job-i2", server.url("gone.mp4"))

    with pytest.raises(BadInput) as raised:
        importing.run(request)
    importing.fail_as_the_runner_does(raised.value)

    job = importing.jobs.get("job-i2")
    assert job is not None and job.status is JobStatus.FAILED
    assert job.error is not None and job.error.stage == "importing"
    assert "HTTP 404" in job.error.reason
    (event,) = importing.notifier.sent
    assert event["status"] == "failed" and event["metadata"] == {"order": "A-17"}
    assert not importing.stored(request)


def test_a_source_over_the_size_cap_is_refused(tmp_path: Path, server: LoopbackFileServer) -> None:
    importing = Importing(tmp_path, FetchPolicy(allow_loopback_for_tests=True, max_bytes=1000))
    request = importing.job("job-i3", server.url("clip.mp4"))

    with pytest.raises(BadInput, match="at most 1000"):
        importing.run(request)
    assert not importing.stored(request)


def test_the_settings_policy_refuses_a_loopback_url(
    tmp_path: Path, server: LoopbackFileServer
) -> None:
    importing = Importing(tmp_path, ImportSettings().fetch_policy())
    request = importing.job("job-i4", server.url("clip.mp4"))

    with pytest.raises(BadInput, match="loopback") as raised:
        importing.run(request)
    assert raised.value.stage == "importing"
    assert server.requests == []
    assert not importing.stored(request)


def test_a_cancelled_job_is_not_fetched(importing: Importing, server: LoopbackFileServer) -> None:
    request = importing.job("job-i5", server.url("clip.mp4"))
    importing.jobs.cancel("job-i5")

    importing.run(request)

    assert server.requests == []
    assert not importing.stored(request)
    job = importing.jobs.get("job-i5")
    assert job is not None and (job.status, job.stage) == (JobStatus.CANCELLED, "cancelled")


def test_a_cancel_during_the_download_stops_it(
    importing: Importing, server: LoopbackFileServer
) -> None:
    request = importing.job("job-i6", server.url("clip.mp4"))
    importing.jobs.cancel_at_stage = f"importing: {len(VIDEO_BYTES)} of {len(VIDEO_BYTES)} bytes"

    importing.run(request)

    assert not importing.stored(request)
    job = importing.jobs.get("job-i6")
    assert job is not None and (job.status, job.stage) == (JobStatus.CANCELLED, "cancelled")
    assert "importing: uploading" not in importing.jobs.stages
    assert list(importing.work_dir.iterdir()) == []


def test_a_cancel_before_the_upload_uploads_nothing(
    importing: Importing, server: LoopbackFileServer
) -> None:
    request = importing.job("job-i7", server.url("clip.mp4"))
    importing.jobs.cancel_at_stage = "importing: uploading"

    importing.run(request)

    assert server.requests == ["/clip.mp4"]
    assert not importing.stored(request)


def test_a_redelivery_after_the_chunking_started_fetches_nothing(
    importing: Importing, server: LoopbackFileServer
) -> None:
    request = importing.job("job-i8", server.url("clip.mp4"))
    importing.jobs.transition(
        "job-i8", from_statuses=(JobStatus.CREATED,), to_status=JobStatus.CHUNKING
    )

    importing.run(request)

    assert server.requests == []


def test_a_request_for_another_key_than_the_jobs_is_refused(
    importing: Importing, server: LoopbackFileServer
) -> None:
    request = importing.job("job-i9", server.url("clip.mp4"))
    elsewhere = request.model_copy(update={"key": "input/someone-else/source.mp4"})

    with pytest.raises(BadInput, match="not the job's source"):
        importing.run(elsewhere)
    assert server.requests == []


def test_a_message_that_is_no_import_request_is_unparseable(importing: Importing) -> None:
    with pytest.raises(Unparseable, match="ImportRequest"):
        importing.handler(received_message('{"job_id": "x"}'))


def test_an_unknown_job_is_dropped(importing: Importing, server: LoopbackFileServer) -> None:
    request = ImportRequest(
        job_id="nobody", source_url=server.url("clip.mp4"), bucket=INPUT_BUCKET, key="input/x"
    )

    importing.run(request)

    assert server.requests == []

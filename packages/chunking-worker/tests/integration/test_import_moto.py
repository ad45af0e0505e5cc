"""A URL import against the moto server over HTTP: the fetched video lands on the job's input
key, its S3 event reaches the chunking queue, and the chunking-worker chunks the job the API
created (real adapters, real ffmpeg; the source is a loopback server, allowed by the
test-only switch of the fetch policy)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vidpipe_aws.url_fetch import FetchPolicy
from vidpipe_chunking import ImportHandler
from vidpipe_testkit import LoopbackFileServer, received_message
from vidpipe_types import ImportRequest, Job, JobOptions, JobStatus, Worker

from .conftest import Chunker, Stack, receive_until

pytestmark = pytest.mark.integration


def test_an_imported_url_is_chunked_like_an_upload(
    stack: Stack, chunker: Chunker, tiny_video: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy(tiny_video, site / "clip.mp4")
    key = "input/job-url/source.mp4"
    with LoopbackFileServer(site) as server:
        url = server.url("clip.mp4")
        job = Job.new(
            "job-url",
            stack.input_bucket,
            key,
            JobOptions(),
            now=datetime.now(UTC),
            source_url=url,
            stage="importing: queued",
        )
        stack.ctx.jobs.create_if_absent(job)
        request = ImportRequest(
            job_id="job-url", source_url=url, bucket=stack.input_bucket, key=key
        )
        importer = ImportHandler(
            stack.ctx.storage,
            stack.ctx.jobs,
            FetchPolicy(allow_loopback_for_tests=True),
            work_dir=tmp_path / "import",
        )
        importer(received_message(request.model_dump_json()))

    info = stack.ctx.storage.head(stack.input_bucket, key)
    assert info.size == tiny_video.stat().st_size
    assert info.metadata.get("job-id") == "job-url"
    for message, events in receive_until(stack.queue(Worker.CHUNKING), wanted=1):
        assert [event.key for event in events] in ([], [key])
        chunker.handler(message)
    chunked = stack.ctx.jobs.get("job-url")
    assert chunked is not None and chunked.status is JobStatus.PROCESSING
    assert chunked.source_url == url
    assert chunked.total_segments is not None and chunked.total_segments >= 1

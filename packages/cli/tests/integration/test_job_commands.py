"""submit, status, jobs and fetch against a moto server."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from vidpipe_aws import SqsQueue
from vidpipe_types import (
    ImportRequest,
    Job,
    JobOptions,
    JobStatus,
    Mode,
    Worker,
    build_job_output_key,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def video(tmp_path):
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"not really a video, the workers are not running")
    return path


def _store_job(harness, job_id: str, status: JobStatus = JobStatus.CREATED) -> Job:
    job = Job.new(job_id, "vidpipe-input", f"input/{job_id}.mp4", JobOptions(), datetime.now(UTC))
    job = job.model_copy(update={"status": status, "stage": status.value})
    stored, created = harness.target.jobs.create_if_absent(job)
    assert created
    return stored


def test_submit_uploads_under_input_with_the_job_id_and_options_as_metadata(harness, video):
    result = harness.run(
        "submit", str(video), "--mode", "grayscale", "--detect", "--analyze", "summary"
    )

    assert result.exit_code == 0, result.output
    job_id = result.output.strip()
    info = harness.target.storage.head("vidpipe-input", "input/clip.mp4")
    assert info.metadata["job-id"] == job_id
    options = JobOptions.from_metadata(info.metadata, default_mode=Mode.PASSTHROUGH)
    assert options == JobOptions(mode=Mode.GRAYSCALE, detect=True, analyze="summary")
    assert info.size == video.stat().st_size


def test_submit_with_a_job_id_and_key_uses_both(harness, video):
    result = harness.run("submit", str(video), "--job-id", "mine-1", "--key", "input/a/b.mp4")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "mine-1"
    info = harness.target.storage.head("vidpipe-input", "input/a/b.mp4")
    assert info.metadata["job-id"] == "mine-1"
    assert info.metadata["mode"] == "passthrough"


# A public address written as an IP: checked without a DNS lookup, never fetched here.
PUBLIC_URL = "https://93.184.215.14/clips/clip.mp4"


def test_submit_of_a_url_creates_the_job_and_asks_for_its_import(harness):
    result = harness.run("submit", PUBLIC_URL, "--mode", "grayscale", "--job-id", "url-1")

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "url-1"
    job = harness.target.jobs.get("url-1")
    assert job is not None
    assert (job.status, job.stage, job.source_url) == (
        JobStatus.CREATED,
        "importing: queued",
        PUBLIC_URL,
    )
    assert job.options.mode is Mode.GRAYSCALE
    queue = SqsQueue(harness.target.clients.sqs, harness.target.queue_url(Worker.IMPORT))
    (message,) = queue.receive(10, wait_seconds=1)
    assert ImportRequest.model_validate_json(message.body) == ImportRequest(
        job_id="url-1", source_url=PUBLIC_URL, bucket="vidpipe-input", key=job.source_key
    )
    assert job.source_key == "input/url-1/source"


def test_submit_refuses_a_url_to_a_private_address_before_creating_anything(harness):
    result = harness.run("submit", "http://169.254.169.254/latest/meta-data/", "--job-id", "u2")

    assert result.exit_code == 2
    assert "link-local" in result.output
    assert harness.target.jobs.get("u2") is None


def test_submit_refuses_a_job_id_in_use(harness, video):
    _store_job(harness, "taken")

    result = harness.run("submit", str(video), "--job-id", "taken")

    assert result.exit_code == 2
    assert "already exists" in result.output
    assert not harness.target.storage.exists("vidpipe-input", "input/clip.mp4")


def test_submit_wait_times_out_naming_the_missing_stage(harness, video):
    result = harness.run("submit", str(video), "--wait", "--timeout", "1")

    assert result.exit_code == 1
    assert "did not start within 1 s" in result.output


def test_status_prints_the_record(harness):
    _store_job(harness, "job-a", JobStatus.PROCESSING)

    as_table = harness.run("status", "job-a")
    as_json = harness.run("status", "job-a", "--json")

    assert as_table.exit_code == 0, as_table.output
    assert "processing" in as_table.output and "input/job-a.mp4" in as_table.output
    assert as_json.exit_code == 0, as_json.output
    record = Job.model_validate(json.loads(as_json.output))
    assert record.job_id == "job-a" and record.status is JobStatus.PROCESSING


def test_status_of_an_unknown_job_fails(harness):
    result = harness.run("status", "nope")

    assert result.exit_code == 1
    assert "no job nope" in result.output


def test_jobs_lists_every_status_or_one(harness):
    _store_job(harness, "job-created")
    _store_job(harness, "job-done", JobStatus.COMPLETED)

    everything = harness.run("jobs")
    completed = harness.run("jobs", "--status", "completed")

    assert everything.exit_code == 0, everything.output
    assert "job-created" in everything.output and "job-done" in everything.output
    assert "job-done" in completed.output and "job-created" not in completed.output


def test_fetch_downloads_outputs_but_not_segments_unless_asked(harness, tmp_path):
    storage = harness.target.storage
    _store_job(harness, "job-f", JobStatus.COMPLETED)
    storage.put_bytes("vidpipe-output", build_job_output_key("job-f", "metadata.json"), b"{}")
    storage.put_bytes("vidpipe-output", "jobs/job-f/final.mp4", b"final", "video/mp4")
    storage.put_bytes("vidpipe-output", "jobs/job-f/segments/0.mp4", b"seg", "video/mp4")
    storage.put_bytes("vidpipe-output", "jobs/job-fx/final.mp4", b"other job", "video/mp4")

    result = harness.run("fetch", "job-f", str(tmp_path / "out"))
    with_segments = harness.run("fetch", "job-f", str(tmp_path / "all"), "--segments")

    assert result.exit_code == 0, result.output
    got = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*"))
    assert got == ["final.mp4", "metadata.json"]
    assert (tmp_path / "out" / "final.mp4").read_bytes() == b"final"
    assert with_segments.exit_code == 0, with_segments.output
    assert (tmp_path / "all" / "segments" / "0.mp4").read_bytes() == b"seg"


def test_fetch_explains_why_there_is_nothing(harness, tmp_path):
    _store_job(harness, "job-p", JobStatus.PROCESSING)

    pending = harness.run("fetch", "job-p", str(tmp_path))
    unknown = harness.run("fetch", "job-x", str(tmp_path))

    assert pending.exit_code == 1 and "no outputs yet (status: processing)" in pending.output
    assert unknown.exit_code == 1 and "no job job-x" in unknown.output


def test_commands_on_an_unprovisioned_prefix_say_what_to_do(harness):
    result = harness.run("--prefix", "other", "dlq", "list")

    assert result.exit_code == 1
    assert "vidpipe provision" in result.output

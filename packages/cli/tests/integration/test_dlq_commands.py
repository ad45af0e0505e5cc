"""dlq list / redrive and provision against a moto server."""

from __future__ import annotations

import pytest

from vidpipe_cli.dlq import queue_depth
from vidpipe_types import Worker

pytestmark = pytest.mark.integration


def _dead_letters(harness, worker: Worker, bodies: list[str]) -> None:
    sqs = harness.target.clients.sqs
    for body in bodies:
        sqs.send_message(QueueUrl=harness.target.dlq_url(worker), MessageBody=body)


def _depths(harness, worker: Worker) -> tuple[int, int]:
    sqs = harness.target.clients.sqs
    return (
        queue_depth(sqs, harness.target.queue_url(worker)),
        queue_depth(sqs, harness.target.dlq_url(worker)),
    )


def test_dlq_list_shows_depths_and_peeks_without_removing(harness):
    _dead_letters(harness, Worker.VIDEO, ['{"dead": 1}', '{"dead": 2}'])

    first = harness.run("dlq", "list")
    second = harness.run("dlq", "list", "--peek", "1")

    assert first.exit_code == 0, first.output
    assert "vidpipe-video-dlq" in first.output
    assert '{"dead": 1}' in first.output and '{"dead": 2}' in first.output
    assert second.exit_code == 0
    assert second.output.count('{"dead"') == 1
    assert _depths(harness, Worker.VIDEO) == (0, 2)


def test_dlq_redrive_moves_every_dead_letter_back_to_its_queue(harness):
    _dead_letters(harness, Worker.VIDEO, [f"video-{n}" for n in range(13)])
    _dead_letters(harness, Worker.CHUNKING, ["chunk-0"])

    result = harness.run("dlq", "redrive")

    assert result.exit_code == 0, result.output
    assert "vidpipe-video-dlq -> vidpipe-video: 13 moved" in result.output
    assert _depths(harness, Worker.VIDEO) == (13, 0)
    assert _depths(harness, Worker.CHUNKING) == (1, 0)
    received = harness.target.clients.sqs.receive_message(
        QueueUrl=harness.target.queue_url(Worker.CHUNKING), WaitTimeSeconds=0
    )["Messages"]
    assert [m["Body"] for m in received] == ["chunk-0"]


def test_dlq_redrive_of_one_queue_with_a_limit(harness):
    _dead_letters(harness, Worker.REASSEMBLY, ["a", "b", "c"])
    _dead_letters(harness, Worker.VIDEO, ["v"])

    result = harness.run("dlq", "redrive", "--queue", "reassembly", "--limit", "2")

    assert result.exit_code == 0, result.output
    assert _depths(harness, Worker.REASSEMBLY) == (2, 1)
    assert _depths(harness, Worker.VIDEO) == (0, 1)


def test_provision_is_idempotent_and_prints_the_worker_environment(harness, tmp_path):
    env_file = tmp_path / "stack.env"

    result = harness.run("--prefix", "fresh", "provision", "--env-file", str(env_file))
    again = harness.run("--prefix", "fresh", "provision")

    assert result.exit_code == 0, result.output
    assert again.exit_code == 0, again.output
    assert "INPUT_BUCKET_NAME=fresh-input" in result.output
    assert (
        f"CHUNKING_QUEUE_URL={harness.target.queue_url(Worker.CHUNKING)}".replace(
            "vidpipe-", "fresh-"
        )
        in result.output
    )
    assert "AWS_ENDPOINT_URL=" in env_file.read_text()


def test_sweep_runs_the_media_workers_sweeper_once(harness):
    result = harness.run("sweep", "--stale-seconds", "0")

    assert result.exit_code == 0, result.output
    assert "re-triggered 0 job(s)" in result.output


def test_dlq_redrive_reopens_the_jobs_its_dead_letters_failed(harness):
    from datetime import UTC, datetime

    from vidpipe_types import Job, JobOptions, JobStatus

    jobs = harness.target.jobs
    now = datetime.now(UTC)
    for job_id in ("dead", "bad"):
        jobs.create_if_absent(Job.new(job_id, "b", f"input/{job_id}.mp4", JobOptions(), now))
        jobs.transition(
            job_id,
            from_statuses={JobStatus.CREATED},
            to_status=JobStatus.PROCESSING,
            total_segments=2,
        )
    # What the runner records when a segment message fails its fifth receive ...
    jobs.fail("dead", "processing", "processing failed 5 times", dead_letter_queue="vidpipe-video")
    # ... and a bad input, which no redrive may resume.
    jobs.fail("bad", "processing", "not a video")
    _dead_letters(harness, Worker.VIDEO, ["segment of dead"])

    result = harness.run("dlq", "redrive", "--queue", "video")

    assert result.exit_code == 0, result.output
    dead, bad = jobs.get("dead"), jobs.get("bad")
    assert dead is not None and dead.status is JobStatus.PROCESSING and dead.error is None
    assert bad is not None and bad.status is JobStatus.FAILED
    assert _depths(harness, Worker.VIDEO) == (1, 0)

"""The bad-input catalogue against the shared local stack (workers as processes).

Every upload of the catalogue (bad_inputs.py) is submitted at once, next to each other, and
each must end as its entry says: failed with a reason a person can act on, or completed with
a right final.mp4. Messages that are no upload at all (s3:TestEvent, malformed JSON, SNS
envelopes, keys outside the known prefixes, jobs that no longer exist) are sent straight to
the queues. Throughout, the workers stay up and nothing reaches a dead-letter queue.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from vidpipe_cli import fetch_outputs, submit_file, wait_for_job
from vidpipe_testkit.frames import compare_frames, frame_facts
from vidpipe_types import (
    Job,
    JobStatus,
    ReassemblyPayload,
    Worker,
    build_segment_key,
    derive_job_id,
)

from .bad_inputs import CASES, COMPARED, SECRET, Case
from .support import dead_letters

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

JOB_TIMEOUT = 240.0
FAILING = [case for case in CASES if case.reason is not None]
PROCESSED = [case for case in CASES if case.reason is None]


def _frames(path: Path) -> int:
    return frame_facts(path).frames


def video_fields(path: Path) -> dict[str, object]:
    output = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-of", "json",
         "-show_entries", "stream=codec_name,pix_fmt,width,height:stream_side_data=rotation",
         str(path)],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip
    stream = json.loads(output)["streams"][0]
    rotation = next(
        (int(s["rotation"]) for s in stream.get("side_data_list", []) if "rotation" in s), 0
    )
    return {**{k: stream.get(k) for k in COMPARED if k != "rotation"}, "rotation": rotation}


@pytest.fixture(scope="module")
def batch(local_stack, samples, tmp_path_factory):
    """Every catalogue upload submitted at once; name -> (source, final Job)."""
    target = local_stack.target()
    made = tmp_path_factory.mktemp("bad-inputs")
    suffix = str(int(time.time() * 1000))[-7:]
    sources, job_ids = {}, {}
    for case in CASES:
        folder = made / case.name
        folder.mkdir()
        sources[case.name] = case.make(samples, folder)
    for case in CASES:
        job_id = f"bad-{case.name}-{suffix}"
        key = case.key or f"input/{job_id}/{sources[case.name].name}"
        submit_file(target, sources[case.name], job_id=job_id, key=key, options=case.options)
        job_ids[case.name] = job_id
    jobs = {
        name: wait_for_job(target, job_id, timeout=JOB_TIMEOUT, check=local_stack.check_workers)
        for name, job_id in job_ids.items()
    }
    return {name: (sources[name], jobs[name]) for name in job_ids}


@pytest.mark.parametrize("case", FAILING, ids=lambda case: case.name)
def test_bad_upload_fails_with_an_actionable_reason(batch, target, local_stack, case: Case):
    _source, job = batch[case.name]
    assert job.status is JobStatus.FAILED, (job.status, job.outputs)
    assert job.error is not None
    assert case.reason in job.error.reason
    assert job.error.stage == "chunking"
    # Nothing was produced for it.
    listed = target.clients.s3.list_objects_v2(
        Bucket=local_stack.stack.output_bucket, Prefix=f"jobs/{job.job_id}/"
    )
    assert listed.get("KeyCount", 0) == 0
    local_stack.check_workers()


@pytest.mark.parametrize("case", PROCESSED, ids=lambda case: case.name)
def test_unusual_upload_is_processed_correctly(batch, target, local_stack, tmp_path, case: Case):
    source, job = batch[case.name]
    assert job.status is JobStatus.COMPLETED, job.error
    files = {p.name: p for p in fetch_outputs(target, job.job_id, tmp_path)}
    final = files["final.mp4"]
    # Frame-exact (every frame at its source time, audio samples kept); the encoding and a
    # stated change of size are compared below, against the case's expectations.
    problems = compare_frames(source, final, encoding="any")
    if {"width", "height"} & set(case.expect):
        problems = [p for p in problems if not p.startswith("geometry:")]
    if case.frames_lost is not None:
        lost, _why = case.frames_lost
        assert any(p.endswith(f"became {_frames(source) - lost}") for p in problems), problems
        problems = [p for p in problems if not p.startswith(("frame count", "video frame"))]
    assert not problems, problems
    expected = {**video_fields(source), **case.expect}
    assert video_fields(final) == expected
    indices = sorted(c.segment_index for c in target.completions.list(job.job_id))
    assert indices == list(range(job.total_segments or 0))
    local_stack.check_workers()


def test_playlists_never_leak_local_files_into_any_output(batch, target, local_stack):
    """The HLS/ffconcat attack end to end: no object in either bucket holds the secret."""
    s3 = target.clients.s3
    for bucket in (local_stack.stack.input_bucket, local_stack.stack.output_bucket):
        paginator = s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket):
            for obj in page.get("Contents", []):
                if obj["Key"].startswith("input/"):
                    continue  # the uploads themselves hold the playlist text, not the secret
                body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
                assert SECRET.encode() not in body, obj["Key"]
    for name in ("hls-playlist", "ffconcat-playlist"):
        _source, job = batch[name]
        listed = s3.list_objects_v2(
            Bucket=local_stack.stack.input_bucket, Prefix=f"segments/{job.job_id}/"
        )
        assert listed.get("KeyCount", 0) == 0


def test_upload_without_job_id_under_an_awkward_key(local_stack, target, samples, tmp_path):
    """No job-id metadata: the job id is derived from the key, here with spaces, unicode, `+`."""
    key = "input/vacances d'été/clip + son 100%.mp4"
    bucket = local_stack.stack.input_bucket
    target.clients.s3.upload_file(str(samples / "carphone_pristine.mp4"), bucket, key)
    etag = target.clients.s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    job_id = derive_job_id(bucket, key, etag)
    deadline = time.monotonic() + 30
    while target.jobs.get(job_id) is None:
        assert time.monotonic() < deadline, "no job was created for the upload"
        time.sleep(0.2)
    job = wait_for_job(target, job_id, timeout=JOB_TIMEOUT, check=local_stack.check_workers)
    assert job.status is JobStatus.COMPLETED, job.error
    assert job.source_key == key
    assert fetch_outputs(target, job_id, tmp_path)


# Messages that are not uploads ---------------------------------------------------------------


def _event(bucket: str, key: str) -> str:
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": bucket}, "object": {"key": quote_plus(key), "size": 10}},
    }
    return json.dumps({"Records": [record]})


def _outcome(local_stack, message_id: str, timeout: float = 30.0) -> str:
    """The runner's outcome for a message, read from the worker logs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in local_stack.log_dir.glob("*.log"):
            for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if message_id in raw and '"message finished"' in raw:
                    return str(json.loads(raw)["outcome"])
        time.sleep(0.2)
    raise AssertionError(f"message {message_id} was not handled in {timeout:.0f} s")


def _send(target, worker: Worker, body: str) -> str:
    sent = target.clients.sqs.send_message(QueueUrl=target.queue_url(worker), MessageBody=body)
    return str(sent["MessageId"])


def _messages(input_bucket: str) -> list[tuple[str, Worker, str, str]]:
    """(name, queue, body, expected runner outcome)."""
    test_event = json.dumps(
        {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": input_bucket}
    )
    ghost = "ghost-job-0001"
    segment = build_segment_key(ghost, 0, 2, "passthrough")
    sns = json.dumps({"Type": "Notification", "Message": test_event})
    return [
        ("test-event-chunking", Worker.CHUNKING, test_event, "success"),
        ("test-event-video", Worker.VIDEO, test_event, "success"),
        ("test-event-reassembly", Worker.REASSEMBLY, test_event, "unparseable"),
        ("malformed-json-chunking", Worker.CHUNKING, '{"Records": [', "success"),
        ("malformed-json-video", Worker.VIDEO, "not json at all", "success"),
        ("malformed-json-reassembly", Worker.REASSEMBLY, '{"job_id": ', "unparseable"),
        ("sns-wrapped-test-event", Worker.CHUNKING, sns, "success"),
        ("dot-dot-key", Worker.CHUNKING, _event(input_bucket, "input/../etc/passwd"), "success"),
        ("outside-prefix", Worker.CHUNKING, _event(input_bucket, "private/x.mp4"), "success"),
        ("segment-in-chunking", Worker.CHUNKING, _event(input_bucket, segment), "success"),
        ("input-in-video", Worker.VIDEO, _event(input_bucket, "input/a.mp4"), "success"),
        ("dot-dot-segment", Worker.VIDEO, _event(input_bucket, "segments/../x.mp4"), "success"),
        ("missing-job-segment", Worker.VIDEO, _event(input_bucket, segment), "success"),
        (
            "missing-job-reassembly",
            Worker.REASSEMBLY,
            ReassemblyPayload(job_id=ghost, total_segments=2, reason="sweeper").model_dump_json(),
            "success",
        ),
    ]


def test_messages_that_are_not_uploads_are_dropped_and_workers_stay_up(local_stack, target):
    jobs_before = {j.job_id for j in _all_jobs(target)}
    input_bucket = local_stack.stack.input_bucket
    sent = [
        (name, _send(target, worker, body), outcome)
        for name, worker, body, outcome in _messages(input_bucket)
    ]
    outcomes = {name: _outcome(local_stack, message_id) for name, message_id, _ in sent}
    assert outcomes == {name: outcome for name, _, outcome in sent}
    # No job appeared for any of them, nothing was dead-lettered, every worker is up.
    assert {j.job_id for j in _all_jobs(target)} == jobs_before
    assert dead_letters(target) == {}
    local_stack.check_workers()


def test_sns_wrapped_upload_event_is_processed(local_stack, target, samples):
    """An S3 event inside an SNS envelope (S3 -> SNS -> SQS fan-out) is the same event."""
    bucket = local_stack.stack.input_bucket
    key = "input/sns/carphone.mp4"
    # The upload's own event runs the job; the same event wrapped in SNS comes afterwards.
    target.clients.s3.upload_file(str(samples / "carphone_pristine.mp4"), bucket, key)
    etag = target.clients.s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"')
    job_id = derive_job_id(bucket, key, etag)
    job = wait_for_job(target, job_id, timeout=JOB_TIMEOUT, check=local_stack.check_workers)
    assert job.status is JobStatus.COMPLETED
    completed_at = job.completed_at
    envelope = json.dumps({"Type": "Notification", "Message": _event(bucket, key)})
    message_id = _send(target, Worker.CHUNKING, envelope)
    assert _outcome(local_stack, message_id) == "success"
    # Read as the same upload: the same job, already completed, left as it was.
    again = target.jobs.get(job_id)
    assert again is not None and again.status is JobStatus.COMPLETED
    assert again.completed_at == completed_at
    lines = [
        json.loads(raw)
        for path in local_stack.log_dir.glob("chunking*.log")
        for raw in path.read_text(encoding="utf-8").splitlines()
        if message_id in raw and raw.startswith("{")
    ]
    assert any("duplicate event" in str(line.get("message")) for line in lines)


def _all_jobs(target) -> list[Job]:
    found: list[Job] = []
    for status in JobStatus:
        found.extend(target.jobs.list_by_status(status))
    return found

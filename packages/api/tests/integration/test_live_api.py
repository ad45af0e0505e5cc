"""The API over real HTTP (uvicorn) against a moto server: uploads through the presigned form,
downloads through presigned URLs, tenants, bad input, cancel."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx2
import pytest

from vidpipe_types import ImportRequest, JobStatus, parse_s3_event_body

from .conftest import NAMES, LiveApi, chunking_queue_url

pytestmark = pytest.mark.integration

S = JobStatus
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"fake video bytes " * 100


def create_upload_job(api: LiveApi, **extra: Any) -> dict[str, Any]:
    response = api.http.post(
        "/v1/jobs", json={"upload": {"content_type": "video/mp4"}, **extra}, headers=api.acme
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def jobs_in_table(api: LiveApi) -> int:
    return int(api.clients.dynamodb.scan(TableName=NAMES.jobs_table, Select="COUNT")["Count"])


def test_a_browser_style_upload_lands_under_the_jobs_input_key(live_api: LiveApi) -> None:
    body = create_upload_job(live_api, metadata={"order": "17"})
    job, form = body["job"], body["upload"]

    uploaded = httpx2.post(
        form["url"],
        data=form["fields"],
        files={"file": ("clip.mp4", VIDEO, "video/mp4")},
        timeout=10,
    )

    assert uploaded.status_code in (200, 201, 204), uploaded.text
    key = f"input/{job['job_id']}/source.mp4"
    head = live_api.clients.s3.head_object(Bucket=NAMES.input_bucket, Key=key)
    assert head["ContentLength"] == len(VIDEO)
    assert head["ContentType"] == "video/mp4"
    assert head["Metadata"] == {"job-id": job["job_id"]}
    # The S3 event that starts the pipeline, exactly as for any upload.
    bodies: list[str] = []
    for _ in range(3):  # the queue also holds S3's test event from provisioning
        bodies += [
            message["Body"]
            for message in live_api.clients.sqs.receive_message(
                QueueUrl=chunking_queue_url(live_api), MaxNumberOfMessages=10, WaitTimeSeconds=1
            ).get("Messages", [])
        ]
    created = [event for body in bodies for event in parse_s3_event_body(body)]
    assert [(event.bucket, event.key) for event in created] == [(NAMES.input_bucket, key)]
    stored = live_api.jobs.get(job["job_id"])
    assert stored is not None and stored.tenant_id == "acme"
    assert stored.user_metadata == {"order": "17"}


def test_get_returns_presigned_urls_that_download_the_right_bytes(live_api: LiveApi) -> None:
    job_id = create_upload_job(live_api)["job"]["job_id"]
    final_key = f"jobs/{job_id}/final.mp4"
    live_api.clients.s3.put_object(Bucket=NAMES.output_bucket, Key=final_key, Body=VIDEO)
    jobs = live_api.jobs
    jobs.transition(job_id, from_statuses={S.CREATED}, to_status=S.PROCESSING, total_segments=1)
    jobs.claim_reassembly(job_id, "media-1", 60)
    assert jobs.complete(job_id, "media-1", {"final": final_key})

    job = live_api.http.get(f"/v1/jobs/{job_id}", headers=live_api.acme).json()

    assert job["status"] == "completed"
    link = job["outputs"]["final"]
    url = link["url"]
    expires_in = datetime.fromisoformat(link["expires_at"]) - datetime.now(UTC)
    assert 590 <= expires_in.total_seconds() <= 600  # DOWNLOAD_URL_EXPIRY_SECONDS
    downloaded = httpx2.get(url, timeout=10)
    assert downloaded.status_code == 200
    assert downloaded.content == VIDEO


def test_tenants_do_not_see_each_others_jobs(live_api: LiveApi) -> None:
    job_id = create_upload_job(live_api)["job"]["job_id"]
    http = live_api.http

    assert http.get(f"/v1/jobs/{job_id}", headers=live_api.beta).status_code == 404
    assert http.post(f"/v1/jobs/{job_id}/cancel", headers=live_api.beta).status_code == 404
    assert http.delete(f"/v1/jobs/{job_id}", headers=live_api.beta).status_code == 404
    assert http.get("/v1/jobs", headers=live_api.beta).json()["jobs"] == []
    assert [j["job_id"] for j in http.get("/v1/jobs", headers=live_api.acme).json()["jobs"]] == [
        job_id
    ]
    assert http.get(f"/v1/jobs/{job_id}", headers=live_api.acme).status_code == 200


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"upload": {"content_type": "video/mp4"}, "extra": 1}, 422, "extra"),
        ({"upload": {"content_type": ["video/mp4"]}}, 422, "string"),
        ({"upload": {"content_type": "video/mp4"}, "metadata": {"k": "v" * 513}}, 422, "512"),
        ({"upload": {"content_type": "video/mp4"}, "options": {"mode": "sam2"}}, 422, "deployed"),
        ({"upload": {"content_type": "text/html"}}, 422, "video type"),
        ({"source_url": "http://169.254.169.254/latest/meta-data/"}, 422, "link-local"),
        ({"source_url": "http://[::ffff:10.0.0.1]/v.mp4"}, 422, "private"),
    ],
)
def test_bad_input_is_refused_over_http_and_nothing_is_created(
    live_api: LiveApi, body: dict[str, Any], status: int, message: str
) -> None:
    response = live_api.http.post("/v1/jobs", json=body, headers=live_api.acme)
    assert response.status_code == status, response.text
    assert message in response.text
    assert jobs_in_table(live_api) == 0
    queued = live_api.clients.sqs.receive_message(QueueUrl=live_api.import_queue_url)
    assert queued.get("Messages", []) == []


def test_a_url_job_queues_its_import_request(live_api: LiveApi) -> None:
    response = live_api.http.post(
        "/v1/jobs", json={"source_url": "https://93.184.216.34/clip.mp4"}, headers=live_api.acme
    )
    assert response.status_code == 201, response.text
    job = response.json()["job"]
    [message] = live_api.clients.sqs.receive_message(QueueUrl=live_api.import_queue_url)["Messages"]
    request = ImportRequest.model_validate_json(message["Body"])
    assert (request.job_id, request.key) == (job["job_id"], f"input/{job['job_id']}/source")


def test_cancel_is_idempotent_and_a_final_job_is_409(live_api: LiveApi) -> None:
    job_id = create_upload_job(live_api)["job"]["job_id"]
    http = live_api.http

    first = http.post(f"/v1/jobs/{job_id}/cancel", headers=live_api.acme)
    second = http.post(f"/v1/jobs/{job_id}/cancel", headers=live_api.acme)
    other = create_upload_job(live_api)["job"]["job_id"]
    live_api.jobs.fail(other, "chunking", "no video stream")
    conflict = http.post(f"/v1/jobs/{other}/cancel", headers=live_api.acme)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["status"] == second.json()["status"] == "cancelled"
    assert conflict.status_code == 409
    assert conflict.json()["status"] == "failed"


def test_events_stream_over_http_until_the_job_is_final(live_api: LiveApi) -> None:
    job_id = create_upload_job(live_api)["job"]["job_id"]
    live_api.http.post(f"/v1/jobs/{job_id}/cancel", headers=live_api.acme)

    lines: list[str] = []
    with live_api.http.stream(
        "GET", f"/v1/jobs/{job_id}/events", headers=live_api.acme
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line.startswith("data: ")]

    events = [json.loads(line.removeprefix("data: ")) for line in lines]
    assert [event["status"] for event in events] == ["cancelled", "cancelled"]


def test_delete_removes_the_uploaded_source_and_the_record(live_api: LiveApi) -> None:
    body = create_upload_job(live_api)
    job_id, form = body["job"]["job_id"], body["upload"]
    httpx2.post(form["url"], data=form["fields"], files={"file": ("c.mp4", VIDEO)}, timeout=10)

    response = live_api.http.delete(f"/v1/jobs/{job_id}", headers=live_api.acme)

    assert response.status_code == 204
    listed = live_api.clients.s3.list_objects_v2(Bucket=NAMES.input_bucket, Prefix="input/")
    assert listed.get("KeyCount", 0) == 0
    assert live_api.jobs.get(job_id) is None


def test_health_and_readiness_over_http(live_api: LiveApi) -> None:
    assert live_api.http.get("/health").json() == {"status": "ok"}
    assert live_api.http.get("/health/ready").json() == {"status": "ready"}

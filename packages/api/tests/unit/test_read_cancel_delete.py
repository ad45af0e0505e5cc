"""Reading, listing, cancelling and deleting jobs; tenants never see each other's jobs."""

from __future__ import annotations

from typing import Any

import pytest

from vidpipe_aws import OutboxDeliverer
from vidpipe_types.analysis import Analysis, AnalysisState, AnalysisStatus
from vidpipe_types.job import DetectionState, DetectionStatus, JobStatus
from vidpipe_types.payloads import SegmentCompletion

from .conftest import INPUT, OUTPUT, Api

S = JobStatus


def complete(api: Api, job_id: str, outputs: dict[str, str]) -> None:
    api.jobs.transition(job_id, from_statuses={S.CREATED}, to_status=S.PROCESSING, total_segments=1)
    api.jobs.claim_reassembly(job_id, "media-1", 60)
    assert api.jobs.complete(job_id, "media-1", outputs)


def test_get_shows_status_stages_and_presigned_outputs(api: Api) -> None:
    job_id = api.upload_job(metadata={"order": "17"})["job_id"]
    prefix = f"jobs/{job_id}"
    api.jobs.update_fields(
        job_id,
        detection=DetectionStatus(
            state=DetectionState.COMPLETED,
            outputs={
                "detections.json": f"s3://{OUTPUT}/{prefix}/detections.json",
                "detections-preview.mp4": f"s3://{OUTPUT}/{prefix}/detections-preview.mp4",
            },
        ),
        analysis=AnalysisStatus(
            state=AnalysisState.COMPLETED,
            profile=Analysis.SUMMARY,
            output_key=f"{prefix}/analysis.json",
        ),
    )
    complete(
        api,
        job_id,
        {
            "final": f"{prefix}/final.mp4",
            "thumbnail": f"{prefix}/thumbnail.jpg",
            "metadata": f"{prefix}/metadata.json",
            "analysis": f"{prefix}/analysis.json",
        },
    )

    response = api.client.get(f"/v1/jobs/{job_id}", headers=api.acme)

    assert response.status_code == 200, response.text
    job = response.json()
    assert (job["status"], job["progress_percent"], job["metadata"]) == (
        "completed",
        100.0,
        {"order": "17"},
    )
    assert {"created", "processing", "reassembling", "completed"} <= set(job["stages"])
    assert job["detection"]["state"] == "completed"
    assert job["analysis"]["profile"] == "summary"
    links = {name: link["url"] for name, link in job["outputs"].items()}
    expiry = api.context.settings.download_url_expiry_seconds
    assert links == {
        "final": f"memory://{OUTPUT}/{prefix}/final.mp4?expires_in={expiry}",
        "thumbnail": f"memory://{OUTPUT}/{prefix}/thumbnail.jpg?expires_in={expiry}",
        "metadata": f"memory://{OUTPUT}/{prefix}/metadata.json?expires_in={expiry}",
        "analysis": f"memory://{OUTPUT}/{prefix}/analysis.json?expires_in={expiry}",
        "detections": f"memory://{OUTPUT}/{prefix}/detections.json?expires_in={expiry}",
        "detections_preview": (
            f"memory://{OUTPUT}/{prefix}/detections-preview.mp4?expires_in={expiry}"
        ),
    }
    # Internal fields stay internal.
    assert not {"source_bucket", "source_key", "reassembly_lease_owner", "tenant_id"} & set(job)


def test_an_output_outside_the_jobs_folder_is_never_signed(api: Api) -> None:
    job_id = api.upload_job()["job_id"]
    complete(api, job_id, {"final": "jobs/someone-else/final.mp4"})
    job = api.client.get(f"/v1/jobs/{job_id}", headers=api.acme).json()
    assert job["outputs"] == {}


def test_sam2_frames_are_counted_paginated_and_the_primary_marked(api: Api) -> None:
    job_id = api.upload_job(options={"mode": "sam2", "prompt": {"text": "the mug"}})["job_id"]
    for n in range(5):
        api.storage.put_bytes(OUTPUT, f"jobs/{job_id}/frames/frame_{n:04d}.png", b"png")
    api.storage.put_bytes(OUTPUT, f"jobs/{job_id}/frames/segment_0.json", b"{}")
    primary = f"jobs/{job_id}/frames/frame_0003.png"
    complete(api, job_id, {"primary_image": primary})

    first = api.client.get(f"/v1/jobs/{job_id}?frames_limit=2", headers=api.acme).json()
    cursor = first["frames"]["next_cursor"]
    second = api.client.get(
        f"/v1/jobs/{job_id}?frames_limit=3&frames_cursor={cursor}", headers=api.acme
    ).json()

    assert first["frames"]["count"] == 5
    assert [f["number"] for f in first["frames"]["items"]] == [0, 1]
    assert [f["number"] for f in second["frames"]["items"]] == [2, 3, 4]
    assert second["frames"]["next_cursor"] is None
    assert [f["primary"] for f in second["frames"]["items"]] == [False, True, False]
    assert "primary_image" in second["outputs"]
    bad = api.client.get(f"/v1/jobs/{job_id}?frames_cursor=abc", headers=api.acme)
    assert bad.status_code == 400


def test_list_is_newest_first_with_a_cursor_and_a_status_filter(api: Api) -> None:
    ids = [api.upload_job()["job_id"] for _ in range(3)]
    api.jobs.fail(ids[0], "chunking", "no video stream")

    first = api.client.get("/v1/jobs?limit=2", headers=api.acme).json()
    second = api.client.get(
        f"/v1/jobs?limit=2&cursor={first['next_cursor']}", headers=api.acme
    ).json()
    failed = api.client.get("/v1/jobs?status=failed", headers=api.acme).json()

    assert [j["job_id"] for j in first["jobs"] + second["jobs"]] == ids[::-1]
    assert second["next_cursor"] is None
    assert [j["job_id"] for j in failed["jobs"]] == [ids[0]]


@pytest.mark.parametrize(
    "query", ["status=finished", "limit=0", "limit=101", "cursor=not-base64!", "cursor=e30"]
)
def test_bad_list_queries_are_4xx(api: Api, query: str) -> None:
    response = api.client.get(f"/v1/jobs?{query}", headers=api.acme)
    assert response.status_code in (400, 422), response.text


def test_another_tenants_cursor_is_refused(api: Api) -> None:
    for _ in range(2):
        api.upload_job()
    cursor = api.client.get("/v1/jobs?limit=1", headers=api.acme).json()["next_cursor"]
    response = api.client.get(f"/v1/jobs?cursor={cursor}", headers=api.beta)
    assert response.status_code == 400


def test_another_tenants_job_is_not_found_for_every_route(api: Api) -> None:
    job_id = api.upload_job()["job_id"]
    routes: list[tuple[str, str]] = [
        ("GET", f"/v1/jobs/{job_id}"),
        ("POST", f"/v1/jobs/{job_id}/cancel"),
        ("DELETE", f"/v1/jobs/{job_id}"),
        ("GET", f"/v1/jobs/{job_id}/events"),
    ]
    for method, path in routes:
        response = api.client.request(method, path, headers=api.beta)
        assert response.status_code == 404, (method, path)
        assert response.json() == {"detail": f"no job {job_id!r}"}
    assert api.client.get("/v1/jobs", headers=api.beta).json()["jobs"] == []
    job = api.jobs.get(job_id)
    assert job is not None and job.status is S.CREATED


def test_a_missing_or_malformed_job_id_is_not_found(api: Api) -> None:
    assert api.client.get("/v1/jobs/nope", headers=api.acme).status_code == 404
    assert api.client.get("/v1/jobs/..%2Fx", headers=api.acme).status_code == 404


def test_cancel_is_idempotent_and_sends_one_webhook(api: Api) -> None:
    job_id = api.upload_job(metadata={"order": "17"})["job_id"]

    first = api.client.post(f"/v1/jobs/{job_id}/cancel", headers=api.acme)
    second = api.client.post(f"/v1/jobs/{job_id}/cancel", headers=api.acme)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["status"] == second.json()["status"] == "cancelled"
    assert api.notifier.sent == [
        {"job_id": job_id, "status": "cancelled", "metadata": {"order": "17"}}
    ]


@pytest.mark.parametrize("final", ["completed", "failed"])
def test_cancelling_a_final_job_is_a_conflict_naming_its_status(api: Api, final: str) -> None:
    job_id = api.upload_job()["job_id"]
    if final == "completed":
        complete(api, job_id, {})
    else:
        api.jobs.fail(job_id, "chunking", "no video stream")

    response = api.client.post(f"/v1/jobs/{job_id}/cancel", headers=api.acme)

    assert response.status_code == 409
    assert response.json()["status"] == final
    assert f"already {final}" in response.json()["detail"]
    assert api.notifier.sent == []


def test_delete_cancels_then_removes_objects_and_records(api: Api) -> None:
    job_id = api.upload_job()["job_id"]
    other_id = api.upload_job()["job_id"]
    source_key = f"input/{job_id}/source.mp4"
    api.storage.put_bytes(INPUT, source_key, b"video")
    api.storage.put_bytes(INPUT, f"segments/{job_id}/00000_00001_passthrough.mp4", b"s")
    api.storage.put_bytes(OUTPUT, f"jobs/{job_id}/segments/0.mp4", b"s")
    api.storage.put_bytes(OUTPUT, f"jobs/{other_id}/final.mp4", b"keep")
    api.completions.put(
        SegmentCompletion(
            job_id=job_id,
            segment_index=0,
            output_s3_uri=f"s3://{OUTPUT}/jobs/{job_id}/segments/0.mp4",
            completed_at=api.context.clock(),
            total_segments=1,
        )
    )

    response = api.client.delete(f"/v1/jobs/{job_id}", headers=api.acme)

    assert response.status_code == 204
    assert api.jobs.get(job_id) is None
    assert list(api.storage.list_keys(INPUT)) == []
    assert list(api.storage.list_keys(OUTPUT)) == [f"jobs/{other_id}/final.mp4"]
    assert api.completions.count(job_id) == 0
    assert [event["status"] for event in api.notifier.sent] == ["cancelled"]
    assert api.client.get(f"/v1/jobs/{job_id}", headers=api.acme).status_code == 404


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwdw=="},
        {"Authorization": "Bearer vpk_0123456789abcdef_" + "a" * 43},
        {"Authorization": "Bearer not-a-key"},
    ],
)
def test_requests_without_a_valid_key_are_401(api: Api, headers: dict[str, str]) -> None:
    response = api.client.get("/v1/jobs", headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "API key" in response.json()["detail"]


def test_a_revoked_key_is_401(api: Api) -> None:
    record, plaintext = api.keys.create("acme", "soon revoked")
    headers = {"Authorization": f"Bearer {plaintext}"}
    assert api.client.get("/v1/jobs", headers=headers).status_code == 200
    api.keys.revoke(record.key_id)
    assert api.client.get("/v1/jobs", headers=headers).status_code == 401


def test_health_and_readiness_and_docs(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok"}
    assert api.client.get("/health/ready").json() == {"status": "ready"}
    schema: dict[str, Any] = api.client.get("/openapi.json").json()
    assert {"/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/cancel"} <= set(schema["paths"])
    assert api.client.get("/docs").status_code == 200


def test_deleting_a_final_job_sends_no_cancel_webhook(api: Api) -> None:
    job_id = api.upload_job()["job_id"]
    api.jobs.fail(job_id, "chunking", "no video stream")

    assert api.client.delete(f"/v1/jobs/{job_id}", headers=api.acme).status_code == 204
    assert api.jobs.get(job_id) is None
    assert api.notifier.sent == []


def test_a_completed_job_reads_as_reassembling_until_its_outputs_are_promoted(api: Api) -> None:
    job_id = api.upload_job()["job_id"]
    final_key, staged_key = f"jobs/{job_id}/final.mp4", f"attempts/{job_id}/a1/final.mp4"
    api.storage.put_bytes(OUTPUT, staged_key, b"video", content_type="video/mp4")
    api.jobs.transition(job_id, from_statuses={S.CREATED}, to_status=S.PROCESSING, total_segments=1)
    api.jobs.claim_reassembly(job_id, "media-1", 60)
    # The winner's `complete` owes the copy of its staged final.mp4 to the job's key.
    assert api.jobs.complete(
        job_id, "media-1", {"final": final_key}, staged={final_key: staged_key}
    )

    pending = api.client.get(f"/v1/jobs/{job_id}", headers=api.acme).json()
    listed = api.client.get("/v1/jobs", headers=api.acme).json()["jobs"]

    assert pending["status"] == "reassembling"
    assert [j["status"] for j in listed if j["job_id"] == job_id] == ["reassembling"]
    OutboxDeliverer(api.jobs, None, storage=api.storage, output_bucket=OUTPUT).deliver(job_id)
    promoted = api.client.get(f"/v1/jobs/{job_id}", headers=api.acme).json()
    assert promoted["status"] == "completed"
    assert api.storage.get_bytes(OUTPUT, final_key) == b"video"

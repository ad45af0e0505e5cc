"""POST /v1/jobs: upload and URL-import jobs, idempotency, and every bad input (4xx, nothing
written)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from vidpipe_api import ApiSettings
from vidpipe_types.payloads import ImportRequest

from .conftest import INPUT, Api, make_api


def policy_conditions(fields: dict[str, str]) -> list[Any]:
    conditions: list[Any] = json.loads(base64.b64decode(fields["policy"]))["conditions"]
    return conditions


def test_an_upload_job_gets_a_form_bound_to_its_key(api: Api) -> None:
    response = api.create(
        {
            "upload": {"content_type": "video/mp4"},
            "options": {
                "mode": "sam2",
                "prompt": {"box": [1.0, 2.0, 30.0, 40.0]},
                "detection": {"frame_interval_seconds": 0.5, "poses": False},
                "analysis": {"profile": "summary", "depth": "deep"},
            },
            "metadata": {"order": "A-17"},
        }
    )

    assert response.status_code == 201, response.text
    body = response.json()
    job, form = body["job"], body["upload"]
    assert (job["status"], job["stage"], job["mode"]) == (
        "created",
        "created: waiting for the upload",
        "sam2",
    )
    assert job["metadata"] == {"order": "A-17"}
    assert job["source"] == {"type": "upload", "url": None}
    key = f"input/{job['job_id']}/source.mp4"
    assert form["fields"]["key"] == key
    assert form["fields"]["x-amz-meta-job-id"] == job["job_id"]
    assert (form["content_type"], form["max_bytes"]) == (
        "video/mp4",
        ApiSettings().max_upload_bytes,
    )
    conditions = policy_conditions(form["fields"])
    assert {"key": key} in conditions
    assert {"Content-Type": "video/mp4"} in conditions
    assert ["content-length-range", 1, ApiSettings().max_upload_bytes] in conditions

    stored = api.jobs.get(job["job_id"])
    assert stored is not None
    assert (stored.tenant_id, stored.source_bucket, stored.source_key) == ("acme", INPUT, key)
    assert stored.user_metadata == {"order": "A-17"}
    options = stored.options
    assert (options.detect, options.analyze, options.analysis_depth) == (True, "summary", "deep")
    assert options.detection is not None and options.detection.frame_interval_seconds == 0.5
    assert (options.detection.faces, options.detection.poses) == (True, False)
    assert options.prompt_box == (1.0, 2.0, 30.0, 40.0)


def test_the_upload_size_range_follows_max_upload_bytes() -> None:
    for api in make_api(ApiSettings(MAX_UPLOAD_BYTES=1234)):
        form = api.create({"upload": {"content_type": "video/webm"}}).json()["upload"]
        assert ["content-length-range", 1, 1234] in policy_conditions(form["fields"])
        assert form["fields"]["key"].endswith("/source.webm")


def test_a_url_job_is_created_importing_and_its_import_is_queued(api: Api) -> None:
    response = api.create({"source_url": "https://videos.example/clip.mp4?sig=abc"})

    assert response.status_code == 201, response.text
    body = response.json()
    job = body["job"]
    assert body["upload"] is None
    assert (job["status"], job["stage"]) == ("created", "importing: queued")
    assert job["source"] == {"type": "url", "url": "https://videos.example/clip.mp4?sig=abc"}
    [message] = api.imports.bodies()
    assert ImportRequest.model_validate_json(message) == ImportRequest(
        job_id=job["job_id"],
        source_url="https://videos.example/clip.mp4?sig=abc",
        bucket=INPUT,
        key=f"input/{job['job_id']}/source",
    )


def test_the_same_idempotency_key_returns_the_same_job(api: Api) -> None:
    body = {"upload": {"content_type": "video/mp4"}, "metadata": {"n": "1"}}
    first = api.create(body, {"Idempotency-Key": "order-17"})
    second = api.create(body, {"Idempotency-Key": "order-17"})
    other = api.create(body, {"Idempotency-Key": "order-18"})

    assert (first.status_code, second.status_code, other.status_code) == (201, 200, 201)
    assert first.json()["job"]["job_id"] == second.json()["job"]["job_id"]
    assert other.json()["job"]["job_id"] != first.json()["job"]["job_id"]
    # The replay gets a fresh form for the same key.
    assert second.json()["upload"]["fields"]["key"] == first.json()["upload"]["fields"]["key"]


def test_an_idempotency_key_is_per_tenant(api: Api) -> None:
    body = {"upload": {"content_type": "video/mp4"}}
    mine = api.create(body, {"Idempotency-Key": "same"}).json()["job"]["job_id"]
    theirs = api.client.post("/v1/jobs", json=body, headers={**api.beta, "Idempotency-Key": "same"})
    assert theirs.status_code == 201
    assert theirs.json()["job"]["job_id"] != mine


def test_an_idempotency_key_reused_for_another_request_conflicts(api: Api) -> None:
    api.create({"upload": {"content_type": "video/mp4"}}, {"Idempotency-Key": "k"})
    response = api.create(
        {"upload": {"content_type": "video/mp4"}, "metadata": {"x": "y"}},
        {"Idempotency-Key": "k"},
    )
    assert response.status_code == 409
    assert "different request" in response.json()["detail"]


def test_the_url_import_of_a_replayed_key_is_queued_once(api: Api) -> None:
    body = {"source_url": "https://videos.example/a.mp4"}
    api.create(body, {"Idempotency-Key": "imp"})
    api.create(body, {"Idempotency-Key": "imp"})
    assert len(api.imports) == 1


BAD_BODIES = [
    pytest.param(
        {"upload": {"content_type": "video/mp4"}, "colour": "red"}, 422, "extra", id="unknown-field"
    ),
    pytest.param(
        {"upload": {"content_type": "video/mp4"}, "options": {"modee": "x"}},
        422,
        "extra",
        id="unknown-option",
    ),
    pytest.param({}, 422, "exactly one source", id="no-source"),
    pytest.param(
        {"upload": {"content_type": "video/mp4"}, "source_url": "https://a.example/v.mp4"},
        422,
        "exactly one source",
        id="two-sources",
    ),
    pytest.param({"upload": {"content_type": 7}}, 422, "string", id="wrong-type-content-type"),
    pytest.param(
        {"upload": {"content_type": "video/mp4"}, "options": {"detection": {"faces": "yes"}}},
        422,
        "boolean",
        id="wrong-type-bool",
    ),
    pytest.param(
        {"upload": {"content_type": "video/mp4"}, "options": {"prompt": {"box": ["1", 2, 3, 4]}}},
        422,
        "number",
        id="wrong-type-number",
    ),
    pytest.param(
        {"upload": {"content_type": "video/mp4"}, "options": {"mode": "blur"}},
        422,
        "passthrough",
        id="unknown-mode",
    ),
    pytest.param(
        {"upload": {"content_type": "video/mp4"}, "metadata": {"k": "v" * 600}},
        422,
        "at most 512 allowed",
        id="oversized-metadata-value",
    ),
    pytest.param(
        {"upload": {"content_type": "video/mp4"}, "metadata": {f"k{i}": "v" for i in range(17)}},
        422,
        "at most 16 allowed",
        id="too-many-metadata-entries",
    ),
    pytest.param(
        {"upload": {"content_type": "video/mp4"}, "metadata": {"k": 1}},
        422,
        "string",
        id="metadata-not-strings",
    ),
    pytest.param(
        {"upload": {"content_type": "image/png"}},
        422,
        "not an accepted video type",
        id="content-type",
    ),
    pytest.param(
        {
            "upload": {"content_type": "video/mp4"},
            "options": {"prompt": {"box": [5.0, 5.0, 1.0, 1.0]}},
        },
        422,
        "x2 must exceed x1",
        id="inverted-box",
    ),
    pytest.param(
        {
            "upload": {"content_type": "video/mp4"},
            "options": {"analysis": {"profile": "everything"}},
        },
        422,
        "summary",
        id="unknown-analysis",
    ),
    pytest.param(
        {"source_url": "ftp://videos.example/a.mp4"}, 422, "only http and https", id="ftp-url"
    ),
    pytest.param(
        {"source_url": "http://169.254.169.254/latest/meta-data/"},
        422,
        "link-local",
        id="metadata-url",
    ),
    pytest.param({"source_url": "http://127.0.0.1:8080/a.mp4"}, 422, "loopback", id="loopback-url"),
    pytest.param(
        {"source_url": "https://user:pw@videos.example/a.mp4"},
        422,
        "password",
        id="credentials-url",
    ),
]


@pytest.mark.parametrize(("body", "status", "message"), BAD_BODIES)
def test_bad_input_is_a_4xx_that_says_what_to_fix_and_writes_nothing(
    api: Api, body: dict[str, Any], status: int, message: str
) -> None:
    response = api.create(body)

    assert response.status_code == status, response.text
    assert message in response.text
    assert api.jobs.list_for_tenant("acme")[0] == []
    assert len(api.imports) == 0


def test_a_host_resolving_to_a_private_address_is_refused(api: Api) -> None:
    api.resolved["internal.example"] = ["10.0.0.5"]
    response = api.create({"source_url": "https://internal.example/a.mp4"})
    assert response.status_code == 422
    assert "resolves to 10.0.0.5, a private address" in response.json()["detail"]
    assert api.jobs.list_for_tenant("acme")[0] == []


def test_a_mode_that_is_not_deployed_is_refused() -> None:
    for api in make_api(ApiSettings(DEPLOYED_MODES="passthrough")):
        response = api.create(
            {"upload": {"content_type": "video/mp4"}, "options": {"mode": "sam2"}}
        )
        assert response.status_code == 422
        assert response.json()["detail"] == (
            "mode 'sam2' is not deployed here; deployed modes: passthrough"
        )
        assert api.jobs.list_for_tenant("acme")[0] == []


def test_url_import_without_an_import_queue_is_not_enabled() -> None:
    for api in make_api(import_queue=None):
        response = api.create({"source_url": "https://videos.example/a.mp4"})
        assert response.status_code == 501
        assert "IMPORT_QUEUE_URL" in response.json()["detail"]
        assert api.jobs.list_for_tenant("acme")[0] == []


def test_a_bad_idempotency_key_is_refused(api: Api) -> None:
    response = api.create({"upload": {"content_type": "video/mp4"}}, {"Idempotency-Key": "x" * 201})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]

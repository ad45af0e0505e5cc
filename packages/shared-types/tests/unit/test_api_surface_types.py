"""The types the HTTP API adds: tenants, user metadata, API keys, job options and statuses."""

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from vidpipe_types import (
    MAX_USER_METADATA_BYTES,
    MAX_USER_METADATA_ENTRIES,
    ApiKey,
    DetectionOptions,
    ImportRequest,
    InvalidApiKeyError,
    Job,
    JobOptions,
    JobStatus,
    Mode,
    UserMetadata,
    WebhookEvent,
    api_key_matches,
    generate_api_key,
    hash_api_key,
    is_valid_tenant_id,
    parse_api_key,
    progress_for,
    validate_tenant_id,
    webhook_event_for,
)

NOW = datetime(2024, 1, 1, tzinfo=UTC)
METADATA = TypeAdapter(UserMetadata)


@pytest.mark.parametrize("value", ["acme", "a", "team-7", "0" * 63])
def test_valid_tenant_ids(value: str) -> None:
    assert is_valid_tenant_id(value)
    assert validate_tenant_id(value) == value


@pytest.mark.parametrize("value", ["", "Acme", "-acme", "a/b", "a b", "0" * 64, "acme\n"])
def test_invalid_tenant_ids_say_what_is_allowed(value: str) -> None:
    with pytest.raises(ValueError, match="lower-case letters, digits or '-'"):
        validate_tenant_id(value)


def test_user_metadata_within_limits_is_kept_as_given() -> None:
    metadata = {"order": "A-17", "customer.id": "42", "note": "ünïcode"}
    assert METADATA.validate_python(metadata) == metadata


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({f"k{i}": "v" for i in range(MAX_USER_METADATA_ENTRIES + 1)}, "at most 16 allowed"),
        ({"bad key": "v"}, "metadata key 'bad key' is invalid"),
        ({"": "v"}, "metadata key '' is invalid"),
        ({"k" * 65: "v"}, "is invalid"),
        ({"k": "v" * 513}, "at most 512 allowed"),
        ({f"k{i}": "v" * 500 for i in range(9)}, f"at most {MAX_USER_METADATA_BYTES} allowed"),
    ],
)
def test_user_metadata_over_a_limit_is_refused(metadata: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        METADATA.validate_python(metadata)


def test_generated_keys_parse_and_match_only_their_hash() -> None:
    first, second = generate_api_key(), generate_api_key()
    assert first.key_id != second.key_id
    assert parse_api_key(first.plaintext) == first.key_id
    assert api_key_matches(first.plaintext, hash_api_key(first.plaintext))
    assert not api_key_matches(second.plaintext, hash_api_key(first.plaintext))


@pytest.mark.parametrize(
    "presented",
    ["", "vpk_", "Bearer x", "vpk_0123456789abcdef_short-secret", "vpk_XYZ_" + "a" * 43],
)
def test_malformed_keys_are_refused_without_echoing_them(presented: str) -> None:
    with pytest.raises(InvalidApiKeyError, match="not a vidpipe API key") as info:
        parse_api_key(presented)
    # A mistyped key is still mostly a secret: the message never repeats it.
    assert len(presented) < 8 or presented not in str(info.value)


def test_api_key_record_hides_its_hash_from_repr() -> None:
    key = generate_api_key()
    record = ApiKey(
        key_id=key.key_id, tenant_id="acme", key_hash=hash_api_key(key.plaintext), created_at=NOW
    )
    assert record.active
    assert record.key_hash not in repr(record)
    assert not record.model_copy(update={"revoked_at": NOW}).active


def test_cancelled_is_final_with_no_progress() -> None:
    assert JobStatus.CANCELLED.is_final
    assert progress_for(JobStatus.CANCELLED, 3, 4) == 0.0


def test_api_job_fields_round_trip_through_json() -> None:
    options = JobOptions(
        mode=Mode.GRAYSCALE,
        detect=True,
        detection=DetectionOptions(frame_interval_seconds=0.5, poses=False),
        analysis_depth="deep",
    )
    job = Job.new(
        "job-1",
        "vidpipe-input",
        "input/job-1/source.mp4",
        options,
        NOW,
        tenant_id="acme",
        user_metadata={"order": "17"},
        stage="created: waiting for the upload",
    )
    again = Job.model_validate_json(job.model_dump_json())
    assert again == job
    assert (again.tenant_id, again.user_metadata, again.stage) == (
        "acme",
        {"order": "17"},
        "created: waiting for the upload",
    )


def test_a_plain_upload_job_has_no_tenant_and_empty_metadata() -> None:
    job = Job.new("job-1", "b", "input/a.mp4", JobOptions(), NOW)
    assert (job.tenant_id, job.user_metadata, job.source_url) == (None, {}, None)


@pytest.mark.parametrize("interval", [0.0, 0.05, 61.0])
def test_detection_interval_out_of_bounds_is_refused(interval: float) -> None:
    with pytest.raises(ValidationError, match="frame_interval_seconds"):
        DetectionOptions(frame_interval_seconds=interval)


def test_webhook_event_names() -> None:
    assert [e.value for e in WebhookEvent] == [
        "job.processing",
        "job.completed",
        "job.failed",
        "job.cancelled",
        "detection.completed",
        "detection.failed",
        "analysis.completed",
    ]
    assert webhook_event_for("cancelled") is WebhookEvent.CANCELLED
    assert webhook_event_for(JobStatus.CHUNKING) is None


def test_import_request_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="extra"):
        ImportRequest.model_validate(
            {"job_id": "j1", "source_url": "https://x", "bucket": "b", "key": "k", "more": 1}
        )

"""S3 "object created" notifications, read from an SQS message body.

The body comes from outside (S3, SNS, LocalStack, moto, or a person with the SQS console), so
parsing never raises: anything that is not an object-created record is "nothing to do" and
yields no event. Keys arrive URL-encoded, differently per sender: AWS writes a space as ``+``,
LocalStack as ``%20``, and moto also encodes ``/`` as ``%2F``. ``unquote_plus`` decodes all three.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

from pydantic import BaseModel, ConfigDict, ValidationError

from vidpipe_types.payloads import ChunkingPayload

_CREATED_PREFIX = "ObjectCreated:"


class ObjectCreated(BaseModel):
    """One created object. ``size`` is 0 and ``etag`` empty when the sender left them out;
    ``head_object`` gives authoritative values (and the user metadata events never carry)."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    key: str
    size: int = 0
    etag: str = ""
    version_id: str | None = None
    event_name: str
    event_time: datetime | None = None

    @property
    def version_token(self) -> str:
        """What identifies this upload of the key: the version id, else the ETag (may be empty)."""
        return self.version_id or self.etag

    def to_chunking_payload(self) -> ChunkingPayload:
        return ChunkingPayload(
            bucket=self.bucket,
            key=self.key,
            size=self.size,
            etag=self.etag,
            version_id=self.version_id,
        )


def parse_s3_event_body(body: str) -> list[ObjectCreated]:
    """Zero or more object-created events from an SQS body; never raises.

    Accepts the plain S3 notification and the same notification wrapped in an SNS envelope
    (``{"Type": "Notification", "Message": "<json>"}``). ``s3:TestEvent``, bodies without
    ``Records``, non-JSON, other event names (removals, restores) and records missing the
    bucket or key give no events.
    """
    document = _unwrap_sns(_load_json(body))
    if not isinstance(document, dict):
        return []
    records = document.get("Records")
    if not isinstance(records, list):
        return []
    events = (_parse_record(record) for record in records)
    return [event for event in events if event is not None]


def _load_json(text: object) -> object:
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    # RecursionError: deeply nested arrays; ValueError also covers over-long integer literals.
    except (ValueError, RecursionError):
        return None


def _unwrap_sns(document: object) -> object:
    if isinstance(document, dict) and document.get("Type") == "Notification":
        return _load_json(document.get("Message"))
    return document


def _parse_record(record: object) -> ObjectCreated | None:
    if not isinstance(record, dict):
        return None
    event_name = record.get("eventName")
    if not isinstance(event_name, str):
        return None
    event_name = event_name.removeprefix("s3:")
    if not event_name.startswith(_CREATED_PREFIX):
        return None
    s3 = _dict(record.get("s3"))
    bucket = _dict(s3.get("bucket")).get("name")
    obj = _dict(s3.get("object"))
    raw_key = obj.get("key")
    if not isinstance(bucket, str) or not bucket or not isinstance(raw_key, str):
        return None
    key = unquote_plus(raw_key)
    if not key:
        return None
    try:
        return ObjectCreated(
            bucket=bucket,
            key=key,
            size=_size(obj.get("size")),
            etag=_etag(obj.get("eTag", obj.get("etag"))),
            version_id=_optional_str(obj.get("versionId")),
            event_name=event_name,
            event_time=_event_time(record.get("eventTime")),
        )
    except ValidationError:
        return None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _size(value: object) -> int:
    # bool is an int subclass; a JSON true is no size.
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return 0


def _etag(value: object) -> str:
    return value.strip('"') if isinstance(value, str) else ""


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _event_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
        # S3 always writes UTC ("...Z"); a time without a zone is read as UTC too.
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    # OverflowError: an offset that pushes year 1 or 9999 out of range.
    except (ValueError, OverflowError):
        return None

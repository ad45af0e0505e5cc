"""Job ids: their format, how they are derived, and how uploads name them."""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Annotated

from pydantic import AfterValidator

from vidpipe_types._metadata import normalize_metadata
from vidpipe_types.errors import InvalidJobIdError

if TYPE_CHECKING:
    from collections.abc import Mapping

# No "/", "." or other path characters: a job id is spliced into S3 keys and table keys.
JOB_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_JOB_ID_RE = re.compile(JOB_ID_PATTERN)

#: Name of the S3 user-metadata entry (``x-amz-meta-job-id`` on the wire) that names a job.
JOB_ID_METADATA_KEY = "job-id"

_DERIVED_HEX_CHARS = 23


def is_valid_job_id(value: str) -> bool:
    return _JOB_ID_RE.fullmatch(value) is not None


def validate_job_id(value: str) -> str:
    """Return ``value`` unchanged, or raise InvalidJobIdError saying what is allowed."""
    if not is_valid_job_id(value):
        raise InvalidJobIdError(
            f"invalid job id {value!r}: use 1 to 64 letters, digits, '_' or '-', "
            "starting with a letter or digit"
        )
    return value


JobId = Annotated[str, AfterValidator(validate_job_id)]


def derive_job_id(bucket: str, key: str, etag_or_version: str) -> str:
    """A deterministic job id for one version of one object.

    A duplicate S3 event for the same upload maps to the same job, while a re-upload (new ETag
    or version) starts a new one. The parts are hashed as a JSON array so that no choice of
    bucket, key or ETag can collide with a different split of the same characters. Quotes
    around an ETag are dropped: ``head_object`` returns ``"abc"`` where events carry ``abc``.
    """
    etag = etag_or_version.strip('"')
    encoded = json.dumps([bucket, key, etag], ensure_ascii=False).encode("utf-8")
    return "j" + hashlib.sha256(encoded).hexdigest()[:_DERIVED_HEX_CHARS]


def job_id_from_metadata(metadata: Mapping[str, str]) -> str | None:
    """The job id an upload names in its ``job-id`` metadata, or None when it names none.

    Raises InvalidJobIdError when the entry is present but not a valid id: silently deriving
    another id would hide the uploader's mistake.
    """
    value = normalize_metadata(metadata).get(JOB_ID_METADATA_KEY)
    if value is None:
        return None
    return validate_job_id(value)

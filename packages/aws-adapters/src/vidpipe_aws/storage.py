"""The ObjectStorage port: files in and out of S3 by streaming, plus small JSON documents.

The base class owns the rules every adapter shares (location checks, the presign cap, the
size limit on in-memory documents, the retention tag of intermediate objects, error
translation at the edge); an adapter implements the small private methods at the bottom.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from vidpipe_aws._edge import AdapterEdge
from vidpipe_aws.errors import AwsAdapterError, NotFoundError
from vidpipe_types.topology import retention_tags

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

# SigV4 presigned URLs cannot live longer than this; a longer request is capped, not refused.
MAX_PRESIGN_SECONDS = 7 * 24 * 60 * 60
DEFAULT_PRESIGN_SECONDS = 15 * 60
#: A presigned POST policy condition, as S3 reads it: ``{"field": "exact"}`` or a list such as
#: ``["content-length-range", 1, 100]``.
PostCondition = dict[str, str] | list[str | int]
# put_bytes/get_bytes hold the whole object in memory: they are for small JSON documents
# (metadata.json, detections.json), never for video. Anything bigger goes through a file.
SMALL_OBJECT_MAX_BYTES = 8 * 1024 * 1024
_MAX_KEY_BYTES = 1024
# S3's limits on an object's tags.
_MAX_TAGS = 10
_MAX_TAG_KEY = 128
_MAX_TAG_VALUE = 256


class InvalidObjectLocationError(AwsAdapterError, ValueError):
    """A bucket or key that S3 would reject or that would escape its prefix (caller's mistake)."""


class ObjectTooLargeError(AwsAdapterError):
    """A document is over the limit of the in-memory helpers (put_bytes/get_bytes)."""


@dataclass(frozen=True)
class PresignedPost:
    """A browser-style upload (HTML form POST) straight to S3: POST ``fields`` and then the
    file as multipart/form-data to ``url`` before ``expires_at``. The signed policy in the
    fields binds the key, the content type, the metadata and the size range."""

    url: str
    fields: dict[str, str]
    expires_at: datetime


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    etag: str
    content_type: str | None
    metadata: dict[str, str] = field(default_factory=dict)
    last_modified: datetime | None = None


def check_location(bucket: str, key: str) -> None:
    """Reject what S3 would reject, and keys that are not plain relative paths."""
    if not bucket:
        raise InvalidObjectLocationError("bucket name is empty")
    if not key:
        raise InvalidObjectLocationError(f"empty key in bucket {bucket!r}")
    if key.startswith("/"):
        raise InvalidObjectLocationError(f"key {key!r} starts with '/'")
    if ".." in key.split("/"):
        raise InvalidObjectLocationError(f"key {key!r} contains a '..' part")
    if len(key.encode("utf-8")) > _MAX_KEY_BYTES:
        raise InvalidObjectLocationError(f"key is longer than {_MAX_KEY_BYTES} bytes")


def object_tags(key: str, tags: Mapping[str, str] | None = None) -> dict[str, str]:
    """The tags an upload to ``key`` carries: the retention tag of an intermediate key
    (``vidpipe_types.keys.is_intermediate_key``), then ``tags``. Raises
    InvalidObjectLocationError for tags S3 would refuse."""
    merged = {**retention_tags(key), **dict(tags or {})}
    if len(merged) > _MAX_TAGS:
        raise InvalidObjectLocationError(f"{len(merged)} tags on {key!r}: S3 allows {_MAX_TAGS}")
    for name, value in merged.items():
        if not 0 < len(name) <= _MAX_TAG_KEY or len(value) > _MAX_TAG_VALUE:
            raise InvalidObjectLocationError(
                f"tag {name[:40]!r} on {key!r}: keys take 1-{_MAX_TAG_KEY} characters, "
                f"values up to {_MAX_TAG_VALUE}"
            )
    return merged


class ObjectStorage(AdapterEdge, ABC):
    """Objects in buckets. Errors: NotFoundError, RetryableAwsError, AwsAdapterError.

    Every write of an intermediate key (input and processed segments, frame scores) is tagged
    ``vidpipe-retention=intermediate`` here, whoever writes it: the buckets' lifecycle rules
    expire those objects, and only those.
    """

    def upload_file(
        self,
        path: str | Path,
        bucket: str,
        key: str,
        *,
        content_type: str | None = None,
        metadata: Mapping[str, str] | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """Stream a local file to bucket/key (multipart for large files, in the adapter),
        with ``tags`` (and the retention tag of an intermediate key) as its object tags."""
        check_location(bucket, key)
        all_tags = object_tags(key, tags)
        source = Path(path)
        if not source.is_file():
            raise FileNotFoundError(f"cannot upload {source}: not a file")
        with self._edge(f"upload to s3://{bucket}/{key}"):
            self._upload_file(source, bucket, key, content_type, dict(metadata or {}), all_tags)

    def download_file(self, bucket: str, key: str, path: str | Path) -> int:
        """Stream bucket/key to a local file and return its size in bytes."""
        check_location(bucket, key)
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with self._edge(f"download s3://{bucket}/{key}"):
            self._download_file(bucket, key, target)
        return target.stat().st_size

    def exists(self, bucket: str, key: str) -> bool:
        try:
            self.head(bucket, key)
        except NotFoundError:
            return False
        return True

    def head(self, bucket: str, key: str) -> ObjectInfo:
        check_location(bucket, key)
        with self._edge(f"head s3://{bucket}/{key}"):
            return self._head(bucket, key)

    def list_keys(self, bucket: str, prefix: str = "") -> Iterator[str]:
        """Every key under prefix, page by page, in S3's (lexicographic) order."""
        if not bucket:
            raise InvalidObjectLocationError("bucket name is empty")
        with self._edge(f"list s3://{bucket}/{prefix}"):
            yield from self._list_keys(bucket, prefix)

    def presigned_get_url(
        self, bucket: str, key: str, expires_in: int = DEFAULT_PRESIGN_SECONDS
    ) -> str:
        """A GET URL valid for expires_in seconds (capped at 7 days, S3's limit)."""
        check_location(bucket, key)
        if expires_in <= 0:
            raise ValueError(f"expires_in must be positive, got {expires_in}")
        with self._edge(f"presign s3://{bucket}/{key}"):
            return self._presigned_get_url(bucket, key, min(expires_in, MAX_PRESIGN_SECONDS))

    def presigned_post(
        self,
        bucket: str,
        key: str,
        *,
        content_type: str,
        max_bytes: int,
        min_bytes: int = 1,
        metadata: Mapping[str, str] | None = None,
        expires_in: int = DEFAULT_PRESIGN_SECONDS,
    ) -> PresignedPost:
        """An upload form bound to exactly this key, this content type and these user-metadata
        entries, for a body of min_bytes..max_bytes, valid for expires_in seconds (capped at
        7 days). S3 refuses an upload that breaks any of these conditions."""
        check_location(bucket, key)
        if expires_in <= 0:
            raise ValueError(f"expires_in must be positive, got {expires_in}")
        if not 0 <= min_bytes <= max_bytes:
            raise ValueError(f"need 0 <= min_bytes <= max_bytes, got {min_bytes}..{max_bytes}")
        expires_in = min(expires_in, MAX_PRESIGN_SECONDS)
        fields = {"Content-Type": content_type}
        fields.update({f"x-amz-meta-{name}": value for name, value in (metadata or {}).items()})
        conditions: list[PostCondition] = [{name: value} for name, value in fields.items()]
        conditions.append(["content-length-range", min_bytes, max_bytes])
        expires_at = datetime.now(UTC) + timedelta(seconds=expires_in)
        with self._edge(f"presign upload to s3://{bucket}/{key}"):
            url, signed_fields = self._presigned_post(bucket, key, fields, conditions, expires_in)
        return PresignedPost(url=url, fields=signed_fields, expires_at=expires_at)

    def delete_prefix(self, bucket: str, prefix: str) -> int:
        """Delete every key under prefix (a folder such as ``jobs/{job_id}/``); how many.

        The prefix must end with ``/`` and be a safe location, so that a mistake can never
        empty a bucket or reach a sibling (``jobs/j1`` would also match ``jobs/j10/...``).
        """
        check_location(bucket, prefix)
        if not prefix.endswith("/"):
            raise InvalidObjectLocationError(f"prefix {prefix!r} must end with '/'")
        keys = list(self.list_keys(bucket, prefix))
        for key in keys:
            self.delete(bucket, key)
        return len(keys)

    def put_bytes(
        self,
        bucket: str,
        key: str,
        data: bytes,
        content_type: str = "application/json",
        *,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        """Write a small document (at most SMALL_OBJECT_MAX_BYTES) from memory, tagged as
        ``upload_file`` tags."""
        check_location(bucket, key)
        all_tags = object_tags(key, tags)
        if len(data) > SMALL_OBJECT_MAX_BYTES:
            raise ObjectTooLargeError(
                f"{len(data)} bytes for s3://{bucket}/{key}: put_bytes is for documents of at"
                f" most {SMALL_OBJECT_MAX_BYTES} bytes; upload a file instead"
            )
        with self._edge(f"put s3://{bucket}/{key}"):
            self._put_bytes(bucket, key, data, content_type, all_tags)

    def get_bytes(self, bucket: str, key: str, max_bytes: int = SMALL_OBJECT_MAX_BYTES) -> bytes:
        """Read a small document; ObjectTooLargeError when it is over max_bytes."""
        check_location(bucket, key)
        with self._edge(f"get s3://{bucket}/{key}"):
            data = self._get_bytes(bucket, key, max_bytes)
        if len(data) > max_bytes:
            raise ObjectTooLargeError(
                f"s3://{bucket}/{key} is over {max_bytes} bytes; download it to a file instead"
            )
        return data

    def tags(self, bucket: str, key: str) -> dict[str, str]:
        """The object's tags (NotFoundError when it is missing)."""
        check_location(bucket, key)
        with self._edge(f"get tags of s3://{bucket}/{key}"):
            return self._tags(bucket, key)

    def delete(self, bucket: str, key: str) -> None:
        """Delete bucket/key; deleting a missing key is not an error (as in S3)."""
        check_location(bucket, key)
        with self._edge(f"delete s3://{bucket}/{key}"):
            self._delete(bucket, key)

    def copy(self, bucket: str, source_key: str, key: str) -> None:
        """Copy bucket/source_key to bucket/key inside S3 (server side, any size), keeping its
        content type. NotFoundError when the source is missing."""
        check_location(bucket, source_key)
        check_location(bucket, key)
        with self._edge(f"copy s3://{bucket}/{source_key} to {key}"):
            self._copy(bucket, source_key, key)

    # What an adapter implements --------------------------------------------------------

    @abstractmethod
    def _upload_file(
        self,
        path: Path,
        bucket: str,
        key: str,
        content_type: str | None,
        metadata: dict[str, str],
        tags: dict[str, str],
    ) -> None: ...

    @abstractmethod
    def _download_file(self, bucket: str, key: str, path: Path) -> None: ...

    @abstractmethod
    def _head(self, bucket: str, key: str) -> ObjectInfo:
        """Raise NotFoundError (or a native error that translates to it) when missing."""

    @abstractmethod
    def _list_keys(self, bucket: str, prefix: str) -> Iterator[str]: ...

    @abstractmethod
    def _presigned_get_url(self, bucket: str, key: str, expires_in: int) -> str: ...

    @abstractmethod
    def _presigned_post(
        self,
        bucket: str,
        key: str,
        fields: dict[str, str],
        conditions: list[PostCondition],
        expires_in: int,
    ) -> tuple[str, dict[str, str]]:
        """The form's URL and every field to POST (the given ones, the key and the signature)."""

    @abstractmethod
    def _put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str, tags: dict[str, str]
    ) -> None: ...

    @abstractmethod
    def _tags(self, bucket: str, key: str) -> dict[str, str]: ...

    @abstractmethod
    def _get_bytes(self, bucket: str, key: str, max_bytes: int) -> bytes:
        """Return at most max_bytes + 1 bytes, so the base can tell an oversized object."""

    @abstractmethod
    def _delete(self, bucket: str, key: str) -> None: ...

    @abstractmethod
    def _copy(self, bucket: str, source_key: str, key: str) -> None: ...

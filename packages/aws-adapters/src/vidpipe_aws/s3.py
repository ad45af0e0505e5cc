"""S3Storage: the ObjectStorage port on an injected boto3 S3 client."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlencode

from boto3.exceptions import Boto3Error, S3UploadFailedError
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError

from vidpipe_aws._translate import translate_client_error
from vidpipe_aws.storage import ObjectInfo, ObjectStorage

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from mypy_boto3_s3 import S3Client

    from vidpipe_aws.errors import AwsAdapterError
    from vidpipe_aws.storage import PostCondition

MIB = 1024 * 1024


def _object_size(response: Any) -> int:
    """The whole object's size from a ranged GET (`Content-Range: bytes 0-99/12345`)."""
    content_range = str(response.get("ContentRange") or "")
    total = content_range.rpartition("/")[2]
    return int(total) if total.isdigit() else int(response.get("ContentLength", 0))


def default_transfer_config() -> TransferConfig:
    """Multipart above 16 MiB, 16 MiB parts, a few parts in flight; files stream from disk."""
    return TransferConfig(
        multipart_threshold=16 * MIB,
        multipart_chunksize=16 * MIB,
        max_concurrency=4,
        use_threads=True,
    )


class S3Storage(ObjectStorage):
    """`page_size` bounds each ListObjectsV2 page (tests make it small to force paging)."""

    _native_errors: ClassVar[tuple[type[Exception], ...]] = (
        ClientError,
        BotoCoreError,
        Boto3Error,
    )

    def __init__(
        self,
        client: S3Client,
        *,
        transfer_config: TransferConfig | None = None,
        page_size: int = 1000,
    ) -> None:
        self._client = client
        self._transfer = transfer_config or default_transfer_config()
        self._page_size = page_size

    def _translate(self, exc: Exception, what: str) -> AwsAdapterError:
        # boto3's transfer manager wraps the ClientError that says why an upload failed
        # (NoSuchBucket, SlowDown...) in a code-less S3UploadFailedError: look inside.
        inner = exc.__cause__ or exc.__context__
        if isinstance(exc, S3UploadFailedError) and isinstance(inner, ClientError):
            return translate_client_error(inner, what)
        return translate_client_error(exc, what)

    def _upload_file(
        self,
        path: Path,
        bucket: str,
        key: str,
        content_type: str | None,
        metadata: dict[str, str],
        tags: dict[str, str],
    ) -> None:
        extra: dict[str, Any] = {}
        if content_type:
            extra["ContentType"] = content_type
        if metadata:
            extra["Metadata"] = metadata
        if tags:
            # Set with the object (also on a multipart upload): never an untagged moment.
            extra["Tagging"] = urlencode(tags)
        self._client.upload_file(
            str(path), bucket, key, ExtraArgs=extra or None, Config=self._transfer
        )

    def _download_file(self, bucket: str, key: str, path: Path) -> None:
        # One ranged GET first: an object below the multipart threshold (a segment, most
        # uploads) is then fetched in one request, where boto3's download_file HEADs it first.
        # A larger one goes through the transfer manager's parallel ranged GETs.
        threshold = self._transfer.multipart_threshold
        partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.part")
        try:
            response = self._client.get_object(
                Bucket=bucket, Key=key, Range=f"bytes=0-{threshold - 1}"
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "InvalidRange":
                raise
            path.write_bytes(b"")  # an empty object has no byte 0 to range over
            return
        body = response["Body"]
        if _object_size(response) > threshold:
            body.close()
            # boto3 writes to a temporary name next to `path` and renames it when complete,
            # so a failed download never leaves a truncated file under the real name.
            self._client.download_file(bucket, key, str(path), Config=self._transfer)
            return
        try:
            with partial.open("wb") as out:
                for chunk in body.iter_chunks(MIB):
                    out.write(chunk)
            partial.replace(path)  # the same promise: never a truncated file under `path`
        finally:
            body.close()
            partial.unlink(missing_ok=True)

    def _head(self, bucket: str, key: str) -> ObjectInfo:
        response = self._client.head_object(Bucket=bucket, Key=key)
        return ObjectInfo(
            size=int(response.get("ContentLength", 0)),
            etag=str(response.get("ETag", "")).strip('"'),
            content_type=response.get("ContentType"),
            metadata=dict(response.get("Metadata", {})),
            last_modified=response.get("LastModified"),
        )

    def _list_keys(self, bucket: str, prefix: str) -> Iterator[str]:
        paginator = self._client.get_paginator("list_objects_v2")
        pages = paginator.paginate(
            Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": self._page_size}
        )
        for page in pages:
            for entry in page.get("Contents", []):
                yield entry["Key"]

    def _presigned_get_url(self, bucket: str, key: str, expires_in: int) -> str:
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
        )

    def _presigned_post(
        self,
        bucket: str,
        key: str,
        fields: dict[str, str],
        conditions: list[PostCondition],
        expires_in: int,
    ) -> tuple[str, dict[str, str]]:
        # boto3 adds the bucket and the exact key to the policy's conditions itself.
        response = self._client.generate_presigned_post(
            Bucket=bucket,
            Key=key,
            Fields=dict(fields),
            Conditions=list(conditions),
            ExpiresIn=expires_in,
        )
        return response["url"], {name: str(value) for name, value in response["fields"].items()}

    def _put_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str, tags: dict[str, str]
    ) -> None:
        extra: dict[str, Any] = {"Tagging": urlencode(tags)} if tags else {}
        self._client.put_object(
            Bucket=bucket, Key=key, Body=data, ContentType=content_type, **extra
        )

    def _tags(self, bucket: str, key: str) -> dict[str, str]:
        response = self._client.get_object_tagging(Bucket=bucket, Key=key)
        return {tag["Key"]: tag["Value"] for tag in response.get("TagSet", [])}

    def _get_bytes(self, bucket: str, key: str, max_bytes: int) -> bytes:
        response = self._client.get_object(Bucket=bucket, Key=key)
        body = response["Body"]
        try:
            # Never read more than one byte past the limit, whatever ContentLength claims.
            return body.read(max_bytes + 1)
        finally:
            body.close()

    def _delete(self, bucket: str, key: str) -> None:
        self._client.delete_object(Bucket=bucket, Key=key)

    def _copy(self, bucket: str, source_key: str, key: str) -> None:
        # The managed copy: CopyObject up to the multipart threshold, UploadPartCopy above it
        # (CopyObject alone stops at 5 GB).
        self._client.copy({"Bucket": bucket, "Key": source_key}, bucket, key, Config=self._transfer)

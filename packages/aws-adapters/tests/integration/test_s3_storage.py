"""What only real S3 (here a moto server over HTTP) can show: multipart, presigned GETs."""

from __future__ import annotations

import os
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import pytest
from boto3.s3.transfer import TransferConfig

from vidpipe_aws.clients import AwsClients
from vidpipe_aws.errors import NotFoundError
from vidpipe_aws.s3 import S3Storage
from vidpipe_aws.storage import MAX_PRESIGN_SECONDS

pytestmark = pytest.mark.integration

BUCKET = "vidpipe-s3-test"
MIB = 1024 * 1024


@pytest.fixture
def s3(aws_clients: AwsClients) -> AwsClients:
    aws_clients.s3.create_bucket(Bucket=BUCKET)
    return aws_clients


def test_large_file_goes_up_in_parts_and_comes_back_whole(s3: AwsClients, tmp_path: Path) -> None:
    # S3's smallest part is 5 MiB; a 5 MiB threshold makes an 11 MiB file take 3 parts.
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    storage = S3Storage(s3.s3, transfer_config=config)
    data = os.urandom(11 * MIB)
    source = tmp_path / "big.mp4"
    source.write_bytes(data)

    storage.upload_file(source, BUCKET, "input/big.mp4")
    size = storage.download_file(BUCKET, "input/big.mp4", tmp_path / "back.mp4")

    assert storage.head(BUCKET, "input/big.mp4").etag.endswith("-3")
    assert size == len(data)
    assert (tmp_path / "back.mp4").read_bytes() == data


def test_a_multipart_upload_of_an_intermediate_segment_is_tagged(
    s3: AwsClients, tmp_path: Path
) -> None:
    config = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
    storage = S3Storage(s3.s3, transfer_config=config)
    source = tmp_path / "segment.mp4"
    source.write_bytes(os.urandom(6 * MIB))
    key = "segments/job-0123456789abcdef/00000_00001_passthrough.mp4"

    storage.upload_file(source, BUCKET, key, content_type="video/mp4")

    assert storage.head(BUCKET, key).etag.endswith("-2")
    assert storage.tags(BUCKET, key) == {"vidpipe-retention": "intermediate"}


def test_presigned_url_downloads_the_object(s3: AwsClients) -> None:
    storage = S3Storage(s3.s3)
    storage.put_bytes(BUCKET, "jobs/j1/metadata.json", b'{"ok": true}')

    url = storage.presigned_get_url(BUCKET, "jobs/j1/metadata.json", expires_in=60)
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()

    assert body == b'{"ok": true}'


def test_upload_to_a_missing_bucket_is_translated_from_the_transfer_manager(
    s3: AwsClients, tmp_path: Path
) -> None:
    source = tmp_path / "f.mp4"
    source.write_bytes(b"x")

    with pytest.raises(NotFoundError, match="NoSuchBucket"):
        S3Storage(s3.s3).upload_file(source, "missing-bucket", "input/f.mp4")


def _expires_at(url: str) -> float:
    """When a presigned URL stops working: SigV2 states the instant, SigV4 a duration."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    if "Expires" in query:
        return float(query["Expires"][0])
    signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return signed.timestamp() + float(query["X-Amz-Expires"][0])


def test_presigned_urls_carry_their_expiry_and_it_is_capped(s3: AwsClients) -> None:
    # S3 refuses a URL after this instant (moto serves it anyway, so the instant is checked).
    storage = S3Storage(s3.s3)
    storage.put_bytes(BUCKET, "jobs/j1/final.mp4", b"video")
    now = time.time()

    short = storage.presigned_get_url(BUCKET, "jobs/j1/final.mp4", expires_in=60)
    long = storage.presigned_get_url(BUCKET, "jobs/j1/final.mp4", expires_in=10**9)

    assert now + 55 <= _expires_at(short) <= now + 65
    assert _expires_at(long) <= time.time() + MAX_PRESIGN_SECONDS + 5


def test_a_small_object_downloads_in_one_request(s3: AwsClients, tmp_path: Path) -> None:
    storage = S3Storage(s3.s3)
    source = tmp_path / "segment.mp4"
    source.write_bytes(os.urandom(300_000))
    storage.upload_file(source, BUCKET, "segments/j1/00000_00001_passthrough.mp4")
    calls: list[str] = []

    def record(model: object, **_: object) -> None:
        calls.append(getattr(model, "name", "?"))

    s3.s3.meta.events.register("before-call.s3", record)
    try:
        storage.download_file(BUCKET, "segments/j1/00000_00001_passthrough.mp4", tmp_path / "b")
    finally:
        s3.s3.meta.events.unregister("before-call.s3", record)

    assert calls == ["GetObject"]  # no HEAD before it
    assert (tmp_path / "b").read_bytes() == source.read_bytes()

"""fetch_weights against S3 on a moto server over HTTP: the download, the digest check."""

from __future__ import annotations

import hashlib
import os
from typing import TYPE_CHECKING

import pytest

from vidpipe_aws import ModelWeights, S3Storage, WeightsChecksumError, WeightsError, fetch_weights

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_aws.clients import AwsClients

pytestmark = pytest.mark.integration

BUCKET = "acme-models"
KEY = "yolo/face.onnx"


@pytest.fixture
def uploaded(aws_clients: AwsClients) -> bytes:
    data = os.urandom(256 * 1024)
    aws_clients.s3.create_bucket(Bucket=BUCKET)
    aws_clients.s3.put_object(Bucket=BUCKET, Key=KEY, Body=data)
    return data


def weights(sha256: str) -> ModelWeights:
    return ModelWeights(
        f"s3://{BUCKET}/{KEY}",
        sha256,
        setting="YOLO_MODEL_PATH",
        sha256_setting="YOLO_MODEL_SHA256",
    )


def test_weights_come_down_from_s3_and_are_verified(
    aws_clients: AwsClients, uploaded: bytes, tmp_path: Path
) -> None:
    storage = S3Storage(aws_clients.s3)

    path = fetch_weights(
        weights(hashlib.sha256(uploaded).hexdigest()), storage, weights_dir=tmp_path
    )

    assert path.suffix == ".onnx"
    assert path.read_bytes() == uploaded


def test_an_object_that_is_not_the_configured_file_is_refused(
    aws_clients: AwsClients, uploaded: bytes, tmp_path: Path
) -> None:
    storage = S3Storage(aws_clients.s3)
    expected = hashlib.sha256(b"the file we meant").hexdigest()

    with pytest.raises(WeightsChecksumError, match="YOLO_MODEL_SHA256") as caught:
        fetch_weights(weights(expected), storage, weights_dir=tmp_path)

    assert hashlib.sha256(uploaded).hexdigest() in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_object_is_a_weights_error(aws_clients: AwsClients, tmp_path: Path) -> None:
    aws_clients.s3.create_bucket(Bucket=BUCKET)
    with pytest.raises(WeightsError, match="does not exist"):
        fetch_weights(weights("0" * 64), S3Storage(aws_clients.s3), weights_dir=tmp_path)

"""ObjectStorage contract: the same tests against the in-memory fake and S3 on a moto server.

Passing both is what makes the fake trustworthy in other packages' unit tests.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from vidpipe_aws.errors import NotFoundError
from vidpipe_aws.fakes import InMemoryObjectStorage
from vidpipe_aws.s3 import S3Storage
from vidpipe_aws.storage import (
    MAX_PRESIGN_SECONDS,
    InvalidObjectLocationError,
    ObjectStorage,
    ObjectTooLargeError,
)

BUCKET = "vidpipe-test-bucket"


@pytest.fixture(params=["memory", pytest.param("s3", marks=pytest.mark.integration)])
def storage(request: pytest.FixtureRequest) -> ObjectStorage:
    if request.param == "memory":
        return InMemoryObjectStorage(buckets=[BUCKET], page_size=2)
    clients = request.getfixturevalue("aws_clients")
    clients.s3.create_bucket(Bucket=BUCKET)
    return S3Storage(clients.s3, page_size=2)


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_upload_then_download_round_trips_bytes(storage: ObjectStorage, tmp_path: Path) -> None:
    data = bytes(range(256)) * 1000
    source = write(tmp_path / "in.bin", data)

    storage.upload_file(source, BUCKET, "jobs/j1/final.mp4", content_type="video/mp4")
    size = storage.download_file(BUCKET, "jobs/j1/final.mp4", tmp_path / "out" / "copy.bin")

    assert size == len(data)
    assert (tmp_path / "out" / "copy.bin").read_bytes() == data


@pytest.mark.parametrize("size", [0, 1, 5000])
def test_small_and_empty_objects_download_whole(
    storage: ObjectStorage, tmp_path: Path, size: int
) -> None:
    data = bytes(range(256)) * (size // 256) + bytes(size % 256)
    storage.upload_file(write(tmp_path / "in.bin", data), BUCKET, "segments/j1/a.mp4")

    target = tmp_path / "copy.bin"
    assert storage.download_file(BUCKET, "segments/j1/a.mp4", target) == size
    assert target.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.bin", "in.bin"]  # no .part


def test_head_reports_size_etag_type_and_lowercased_metadata(
    storage: ObjectStorage, tmp_path: Path
) -> None:
    data = b"frames"
    source = write(tmp_path / "a.mp4", data)
    storage.upload_file(
        source, BUCKET, "input/a b+c.mp4", content_type="video/mp4", metadata={"Job-Id": "abc"}
    )

    info = storage.head(BUCKET, "input/a b+c.mp4")

    assert info.size == len(data)
    assert info.etag == hashlib.md5(data, usedforsecurity=False).hexdigest()
    assert info.content_type == "video/mp4"
    assert info.metadata == {"job-id": "abc"}
    assert info.last_modified is not None


def test_missing_object_is_not_found_everywhere(storage: ObjectStorage, tmp_path: Path) -> None:
    assert storage.exists(BUCKET, "nope") is False
    with pytest.raises(NotFoundError):
        storage.head(BUCKET, "nope")
    with pytest.raises(NotFoundError):
        storage.download_file(BUCKET, "nope", tmp_path / "x")
    with pytest.raises(NotFoundError):
        storage.get_bytes(BUCKET, "nope")
    assert not (tmp_path / "x").exists()


def test_missing_bucket_is_not_found(storage: ObjectStorage, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        storage.upload_file(write(tmp_path / "f", b"x"), "no-such-bucket-here", "k")
    with pytest.raises(NotFoundError):
        list(storage.list_keys("no-such-bucket-here", ""))


def test_list_keys_pages_through_everything_under_the_prefix(storage: ObjectStorage) -> None:
    wanted = [f"segments/j1/{i:05d}_00007_passthrough.mp4" for i in range(7)]
    for key in [*wanted, "segments/j2/00000_00001_passthrough.mp4", "input/x.mp4"]:
        storage.put_bytes(BUCKET, key, b"{}")

    # page_size is 2, so 7 keys take 4 pages: a single-page read would miss some.
    assert list(storage.list_keys(BUCKET, "segments/j1/")) == wanted
    assert list(storage.list_keys(BUCKET, "nothing/")) == []


def test_put_and_get_bytes_for_small_documents(storage: ObjectStorage) -> None:
    document = json.dumps({"duration": 5.3}).encode()
    storage.put_bytes(BUCKET, "jobs/j1/metadata.json", document)

    assert storage.get_bytes(BUCKET, "jobs/j1/metadata.json") == document
    assert storage.head(BUCKET, "jobs/j1/metadata.json").content_type == "application/json"


def test_get_bytes_refuses_a_document_over_the_limit(storage: ObjectStorage) -> None:
    storage.put_bytes(BUCKET, "big.json", b"x" * 100)

    with pytest.raises(ObjectTooLargeError):
        storage.get_bytes(BUCKET, "big.json", max_bytes=99)
    assert storage.get_bytes(BUCKET, "big.json", max_bytes=100) == b"x" * 100


def test_put_bytes_refuses_video_sized_data(storage: ObjectStorage) -> None:
    with pytest.raises(ObjectTooLargeError):
        storage.put_bytes(BUCKET, "huge.json", b"x" * (8 * 1024 * 1024 + 1))


def test_delete_removes_and_is_idempotent(storage: ObjectStorage) -> None:
    storage.put_bytes(BUCKET, "a.json", b"{}")

    storage.delete(BUCKET, "a.json")
    storage.delete(BUCKET, "a.json")

    assert storage.exists(BUCKET, "a.json") is False


def test_presigned_url_names_the_key(storage: ObjectStorage) -> None:
    storage.put_bytes(BUCKET, "jobs/j1/final.mp4", b"v")

    url = storage.presigned_get_url(BUCKET, "jobs/j1/final.mp4", expires_in=60)

    assert "jobs/j1/final.mp4" in url


@pytest.mark.parametrize(
    ("bucket", "key"),
    [("", "k"), (BUCKET, ""), (BUCKET, "/abs"), (BUCKET, "a/../b"), (BUCKET, "k" * 1025)],
)
def test_invalid_locations_are_refused_before_any_call(
    storage: ObjectStorage, bucket: str, key: str
) -> None:
    with pytest.raises(InvalidObjectLocationError):
        storage.put_bytes(bucket, key, b"{}")
    with pytest.raises(InvalidObjectLocationError):
        storage.head(bucket, key)


def test_upload_of_a_missing_local_file_is_a_file_error(
    storage: ObjectStorage, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        storage.upload_file(tmp_path / "absent.mp4", BUCKET, "k")


def test_presign_expiry_is_capped_and_must_be_positive() -> None:
    storage = InMemoryObjectStorage()
    url = storage.presigned_get_url("b", "k", expires_in=MAX_PRESIGN_SECONDS * 10)
    assert url.endswith(f"expires_in={MAX_PRESIGN_SECONDS}")
    with pytest.raises(ValueError, match="positive"):
        storage.presigned_get_url("b", "k", expires_in=0)


def test_lenient_fake_accepts_any_bucket(tmp_path: Path) -> None:
    storage = InMemoryObjectStorage()
    storage.upload_file(write(tmp_path / "f", b"abc"), "anything", "k")
    assert storage.head("anything", "k").size == 3


# Retention tags: every intermediate upload is tagged, whoever writes it ----------------------

INTERMEDIATE_TAGS = {"vidpipe-retention": "intermediate"}
JOB = "job-0123456789abcdef"


@pytest.mark.parametrize(
    "key",
    [
        f"segments/{JOB}/00000_00002_passthrough.mp4",
        f"jobs/{JOB}/segments/1.mp4",
        f"jobs/{JOB}/frames/segment_1.json",
    ],
)
def test_intermediate_uploads_carry_the_retention_tag(
    storage: ObjectStorage, tmp_path: Path, key: str
) -> None:
    storage.upload_file(write(tmp_path / "part", b"part"), BUCKET, key)

    assert storage.tags(BUCKET, key) == INTERMEDIATE_TAGS


@pytest.mark.parametrize(
    "key", ["input/clip.mp4", f"jobs/{JOB}/final.mp4", f"jobs/{JOB}/frames/frame_0001.png"]
)
def test_uploads_and_final_outputs_carry_no_tag(
    storage: ObjectStorage, tmp_path: Path, key: str
) -> None:
    storage.upload_file(write(tmp_path / "file", b"kept"), BUCKET, key)

    assert storage.tags(BUCKET, key) == {}


def test_put_bytes_tags_like_upload_file_and_adds_the_callers_tags(
    storage: ObjectStorage,
) -> None:
    storage.put_bytes(BUCKET, f"jobs/{JOB}/frames/segment_0.json", b"{}", tags={"team": "a b"})
    storage.put_bytes(BUCKET, f"jobs/{JOB}/metadata.json", b"{}")

    assert storage.tags(BUCKET, f"jobs/{JOB}/frames/segment_0.json") == {
        **INTERMEDIATE_TAGS,
        "team": "a b",
    }
    assert storage.tags(BUCKET, f"jobs/{JOB}/metadata.json") == {}


def test_tags_s3_would_refuse_are_refused_before_the_upload(
    storage: ObjectStorage, tmp_path: Path
) -> None:
    source = write(tmp_path / "file", b"x")
    with pytest.raises(InvalidObjectLocationError, match="S3 allows 10"):
        storage.upload_file(source, BUCKET, "input/a.mp4", tags={f"t{i}": "v" for i in range(11)})
    with pytest.raises(InvalidObjectLocationError, match="tag"):
        storage.upload_file(source, BUCKET, "input/a.mp4", tags={"": "v"})
    assert not storage.exists(BUCKET, "input/a.mp4")
    with pytest.raises(NotFoundError):
        storage.tags(BUCKET, "input/a.mp4")

"""fetch_weights with the in-memory storage fake: download once, verify, reuse, refuse."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import pytest

from vidpipe_aws import (
    AwsAdapterError,
    ModelWeights,
    WeightsChecksumError,
    WeightsError,
    WeightsSettingError,
    check_weights_setting,
    default_weights_dir,
    fetch_weights,
    is_s3_location,
)
from vidpipe_aws.fakes import InMemoryObjectStorage

if TYPE_CHECKING:
    from pathlib import Path

BUCKET = "acme-models"
KEY = "sam2/sam2.1_hiera_tiny.pt"
DATA = b"not really a checkpoint, but bytes all the same" * 100
SHA = hashlib.sha256(DATA).hexdigest()
URI = f"s3://{BUCKET}/{KEY}"


class CountingStorage(InMemoryObjectStorage):
    def __init__(self) -> None:
        super().__init__([BUCKET])
        self.downloads = 0

    def _download_file(self, bucket: str, key: str, path: Path) -> None:
        self.downloads += 1
        super()._download_file(bucket, key, path)


@pytest.fixture
def storage(tmp_path: Path) -> CountingStorage:
    storage = CountingStorage()
    source = tmp_path / "upload.pt"
    source.write_bytes(DATA)
    storage.upload_file(source, BUCKET, KEY)
    return storage


def weights(sha256: str | None = SHA, location: str = URI) -> ModelWeights:
    return ModelWeights(
        location, sha256, setting="SAM2_CHECKPOINT", sha256_setting="SAM2_CHECKPOINT_SHA256"
    )


def test_s3_weights_are_downloaded_verified_and_renamed_into_the_scratch_dir(
    storage: CountingStorage, tmp_path: Path
) -> None:
    folder = tmp_path / "scratch" / "weights"

    path = fetch_weights(weights(), storage, weights_dir=folder)

    assert path.parent == folder
    assert path.name.endswith("sam2.1_hiera_tiny.pt")  # the suffix tells loaders the format
    assert path.read_bytes() == DATA
    assert [p.name for p in folder.iterdir()] == [path.name]  # no partial file left
    assert storage.downloads == 1


def test_a_file_already_there_with_the_right_digest_is_reused(
    storage: CountingStorage, tmp_path: Path
) -> None:
    first = fetch_weights(weights(), storage, weights_dir=tmp_path)
    again = fetch_weights(weights(), storage, weights_dir=tmp_path)

    assert again == first
    assert storage.downloads == 1


def test_a_damaged_local_copy_is_downloaded_again(storage: CountingStorage, tmp_path: Path) -> None:
    path = fetch_weights(weights(), storage, weights_dir=tmp_path)
    path.write_bytes(b"truncated")

    assert fetch_weights(weights(), storage, weights_dir=tmp_path).read_bytes() == DATA
    assert storage.downloads == 2


def test_a_wrong_checksum_is_refused_with_what_where_and_what_to_do(
    storage: CountingStorage, tmp_path: Path
) -> None:
    wrong = "0" * 64
    folder = tmp_path / "weights"

    with pytest.raises(WeightsChecksumError) as caught:
        fetch_weights(weights(wrong), storage, weights_dir=folder)

    message = str(caught.value)
    assert isinstance(caught.value, AwsAdapterError)  # the package's root
    assert URI in message and SHA in message and wrong in message
    assert "SAM2_CHECKPOINT_SHA256" in message and "sha256sum" in message
    assert list(folder.iterdir()) == []  # nothing left to be loaded by mistake


def test_the_storage_factory_is_called_only_for_an_s3_location(
    storage: CountingStorage, tmp_path: Path
) -> None:
    local = tmp_path / "model.pt"
    local.write_bytes(DATA)
    calls: list[str] = []

    def factory() -> InMemoryObjectStorage:
        calls.append("built")
        return storage

    assert fetch_weights(weights(None, str(local)), factory) == local
    assert calls == []
    fetch_weights(weights(), factory, weights_dir=tmp_path / "w")
    assert calls == ["built"]


def test_local_paths_keep_working_unchanged_and_are_checked_when_a_digest_is_given(
    tmp_path: Path,
) -> None:
    local = tmp_path / "model.pt"
    local.write_bytes(DATA)

    assert fetch_weights(weights(None, str(local))) == local
    assert fetch_weights(weights(SHA.upper(), str(local))) == local
    with pytest.raises(WeightsChecksumError, match=str(local)):
        fetch_weights(weights("f" * 64, str(local)))
    # A missing local file is the loader's to report, as before.
    assert fetch_weights(weights(None, str(tmp_path / "absent.pt"))) == tmp_path / "absent.pt"


def test_a_missing_object_says_where_it_was_looked_for(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="does not exist") as caught:
        fetch_weights(weights(), InMemoryObjectStorage([BUCKET]), weights_dir=tmp_path)
    assert URI in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_an_s3_location_without_storage_is_a_setting_error(tmp_path: Path) -> None:
    with pytest.raises(WeightsSettingError, match="no S3 access"):
        fetch_weights(weights(), None, weights_dir=tmp_path)


@pytest.mark.parametrize(
    ("location", "sha256", "reason"),
    [
        (URI, None, "set SAM2_CHECKPOINT_SHA256"),
        (URI, "abc", "64 hexadecimal digits"),
        ("s3://only-a-bucket", SHA, "bucket and a key"),
        (None, SHA, "SAM2_CHECKPOINT is not"),
    ],
)
def test_settings_that_cannot_work_are_refused(
    location: str | None, sha256: str | None, reason: str
) -> None:
    with pytest.raises(WeightsSettingError, match=reason):
        check_weights_setting(
            location, sha256, setting="SAM2_CHECKPOINT", sha256_setting="SAM2_CHECKPOINT_SHA256"
        )
    assert issubclass(WeightsSettingError, ValueError)  # pydantic validators report it


def test_helpers() -> None:
    assert is_s3_location(URI) and not is_s3_location("/models/x.pt") and not is_s3_location(None)
    assert weights(SHA.upper()).sha256 == SHA
    assert check_weights_setting("/models/x.pt", None, setting="A", sha256_setting="B") is None
    assert default_weights_dir().name == "vidpipe-weights"

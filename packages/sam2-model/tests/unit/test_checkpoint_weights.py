"""SAM2_CHECKPOINT as an S3 URI: validated at start-up, fetched and verified when the model
loads (the worker's warm-up), never before; the predictor is built from the local file."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pytest
from pydantic import ValidationError

import vidpipe_sam2.model as sam2_model
from vidpipe_aws import WeightsChecksumError
from vidpipe_aws.fakes import InMemoryObjectStorage
from vidpipe_sam2 import Sam2Model, Sam2Settings

if TYPE_CHECKING:
    from pathlib import Path

DATA = b"sam2 checkpoint bytes" * 64
SHA = hashlib.sha256(DATA).hexdigest()
URI = "s3://acme-models/sam2/sam2.1_hiera_tiny.pt"


@pytest.fixture
def storage(tmp_path: Path) -> InMemoryObjectStorage:
    storage = InMemoryObjectStorage(["acme-models"])
    source = tmp_path / "upload.pt"
    source.write_bytes(DATA)
    storage.upload_file(source, "acme-models", "sam2/sam2.1_hiera_tiny.pt")
    return storage


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Path | None]:
    """The checkpoints build_predictor was given (it is not run: no torch load here)."""
    monkeypatch.setenv("TMPDIR", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    calls: list[Path | None] = []

    def fake_build(settings: Sam2Settings, checkpoint: Path | None) -> tuple[Any, str]:
        calls.append(checkpoint)
        return object(), "cpu"

    monkeypatch.setattr(sam2_model, "build_predictor", fake_build)
    return calls


def settings(**values: str) -> Sam2Settings:
    return Sam2Settings.model_validate(values)


def test_an_s3_checkpoint_is_fetched_into_scratch_when_the_model_loads(
    storage: InMemoryObjectStorage, built: list[Path | None], tmp_path: Path
) -> None:
    model = Sam2Model(
        settings(SAM2_CHECKPOINT=URI, SAM2_CHECKPOINT_SHA256=SHA), storage=lambda: storage
    )
    assert built == []  # constructing the model (create_model) downloads nothing

    model.load()

    (checkpoint,) = built
    assert checkpoint is not None
    assert checkpoint.read_bytes() == DATA
    assert checkpoint.is_relative_to(tmp_path / "scratch")


def test_a_wrong_checksum_stops_the_load_before_the_predictor_is_built(
    storage: InMemoryObjectStorage, built: list[Path | None]
) -> None:
    model = Sam2Model(
        settings(SAM2_CHECKPOINT=URI, SAM2_CHECKPOINT_SHA256="a" * 64), storage=storage
    )

    with pytest.raises(WeightsChecksumError, match="SAM2_CHECKPOINT_SHA256"):
        model.load()
    assert built == []


def test_a_local_checkpoint_is_passed_on_unchanged(
    built: list[Path | None], tmp_path: Path
) -> None:
    local = tmp_path / "sam2.pt"
    local.write_bytes(DATA)

    Sam2Model(settings(SAM2_CHECKPOINT=str(local))).load()

    assert built == [local]


def test_an_s3_checkpoint_without_its_digest_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="SAM2_CHECKPOINT_SHA256"):
        settings(SAM2_CHECKPOINT=URI)

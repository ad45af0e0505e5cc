"""Model weights named by a setting: a local file, or an S3 object verified by its SHA-256.

A model setting (``SAM2_CHECKPOINT``, ``YOLO_MODEL_PATH``) holds a path or an
``s3://bucket/key`` URI; an S3 URI needs the file's SHA-256 beside it
(``SAM2_CHECKPOINT_SHA256``, ``YOLO_MODEL_SHA256``), so that a replaced or corrupt object can
never be loaded. ``fetch_weights`` runs in a worker's warm-up (``/health/ready`` answers 503
meanwhile): it downloads the object once into the scratch directory under a temporary name,
checks the digest and renames the file into place, and the loader then reads the local path.
A file already there with the right digest (a restarted process on the same instance) is
reused without a download. Local paths are returned as they are (checked too when a digest
is given).
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from vidpipe_aws.errors import AwsAdapterError, NotFoundError
from vidpipe_aws.storage import ObjectStorage
from vidpipe_types.errors import InvalidKeyError
from vidpipe_types.keys import parse_s3_uri

if TYPE_CHECKING:
    import os
    from collections.abc import Callable

logger = logging.getLogger(__name__)

S3_SCHEME = "s3://"
#: Where weights are downloaded under the scratch directory.
WEIGHTS_FOLDER = "vidpipe-weights"
_SHA256 = re.compile(r"[0-9a-f]{64}")
_CHUNK = 1024 * 1024


class WeightsError(AwsAdapterError):
    """Model weights cannot be had as configured."""


class WeightsSettingError(WeightsError, ValueError):
    """A weights setting that cannot work: an S3 URI without its SHA-256, a malformed digest
    or URI (the operator's mistake, found at start-up or at synth)."""


class WeightsChecksumError(WeightsError):
    """The weights file's SHA-256 is not the configured one: it is not loaded."""


def is_s3_location(location: str | os.PathLike[str] | None) -> bool:
    """True for an ``s3://`` URI (a setting's value); False for a path or None."""
    return location is not None and str(location).startswith(S3_SCHEME)


def check_weights_setting(
    location: str | None, sha256: str | None, *, setting: str, sha256_setting: str
) -> str | None:
    """The digest, normalised (lower case); raises WeightsSettingError (a ValueError, so a
    settings class's validator reports it) when the pair cannot work."""
    digest = sha256.strip().lower() if sha256 and sha256.strip() else None
    if digest is not None and not _SHA256.fullmatch(digest):
        raise WeightsSettingError(
            f"{sha256_setting} must be the 64 hexadecimal digits of a SHA-256 "
            "(as `sha256sum FILE` prints them)"
        )
    if is_s3_location(location):
        try:
            parse_s3_uri(str(location))
        except InvalidKeyError as exc:
            raise WeightsSettingError(f"{setting}: {exc}") from None
        if digest is None:
            raise WeightsSettingError(
                f"{setting} is an S3 URI ({location}): set {sha256_setting} to the file's "
                "SHA-256 (`sha256sum FILE`) so that only that file is ever loaded"
            )
    elif digest is not None and location is None:
        raise WeightsSettingError(f"{sha256_setting} is set but {setting} is not")
    return digest


@dataclass(frozen=True)
class ModelWeights:
    """Where one model's weights are, and the settings that said so (named in errors)."""

    location: str
    sha256: str | None = None
    setting: str = "weights"
    sha256_setting: str = "weights SHA-256"

    def __post_init__(self) -> None:
        digest = check_weights_setting(
            self.location, self.sha256, setting=self.setting, sha256_setting=self.sha256_setting
        )
        object.__setattr__(self, "sha256", digest)

    @property
    def is_remote(self) -> bool:
        return is_s3_location(self.location)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def default_weights_dir(scratch_dir: Path | None = None) -> Path:
    """``<scratch>/vidpipe-weights``: WORK_DIR when given, else the temporary directory
    (TMPDIR, the task's scratch volume in a deployment)."""
    return (scratch_dir or Path(tempfile.gettempdir())) / WEIGHTS_FOLDER


def fetch_weights(
    weights: ModelWeights,
    storage: ObjectStorage | Callable[[], ObjectStorage] | None = None,
    *,
    weights_dir: Path | None = None,
) -> Path:
    """The local file of ``weights``, downloaded and verified first when it is in S3.

    ``storage`` is used (a factory is called) only for an S3 location. Raises
    WeightsChecksumError when the digest differs (a download is deleted, never renamed into
    place), WeightsError when the object is missing; other AWS errors propagate.
    """
    if not weights.is_remote:
        path = Path(weights.location)
        if weights.sha256 is not None and path.is_file():
            _verify(path, weights, where=str(path))
        return path
    assert weights.sha256 is not None  # ModelWeights refuses an S3 URI without one
    bucket, key = parse_s3_uri(weights.location)
    folder = weights_dir or default_weights_dir()
    # The digest in the name: two configured versions never share a file.
    target = folder / f"{weights.sha256[:16]}-{PurePosixPath(key).name}"
    if target.is_file() and sha256_of(target) == weights.sha256:
        logger.info("weights %s reused from %s", weights.location, target)
        return target
    if storage is None:
        raise WeightsSettingError(
            f"{weights.setting} is an S3 URI ({weights.location}) but no S3 access was given"
        )
    source = storage if isinstance(storage, ObjectStorage) else storage()
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{target.name}.{uuid.uuid4().hex}.part"
    try:
        try:
            size = source.download_file(bucket, key, partial)
        except NotFoundError as exc:
            raise WeightsError(
                f"{weights.setting} {weights.location} does not exist ({exc}): upload the "
                f"weights there, or point {weights.setting} at where they are"
            ) from exc
        _verify(partial, weights, where=weights.location)
        # Atomic on one filesystem: a reader sees no file or the whole verified file.
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    logger.info(
        "weights %s downloaded to %s", weights.location, target, extra={"weights_bytes": size}
    )
    return target


def _verify(path: Path, weights: ModelWeights, *, where: str) -> None:
    actual = sha256_of(path)
    if actual != weights.sha256:
        raise WeightsChecksumError(
            f"{weights.setting} {where} has SHA-256 {actual}, but {weights.sha256_setting} is "
            f"{weights.sha256}: the file is not the one this deployment was configured with "
            "(replaced, truncated or corrupt), so it is not loaded. Upload the intended file "
            f"there, or set {weights.sha256_setting} to the digest of the file you mean "
            "(`sha256sum FILE`)"
        )

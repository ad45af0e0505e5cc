"""S3 user metadata as it reaches us.

boto3's ``head_object`` returns user metadata lower-cased and without the ``x-amz-meta-``
prefix, but raw HTTP headers and hand-written test fixtures keep both. Normalising here lets
every reader look up plain lower-case names.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

_HEADER_PREFIX = "x-amz-meta-"


def normalize_metadata(metadata: Mapping[str, str]) -> dict[str, str]:
    normalized: dict[str, str] = {}
    for name, value in metadata.items():
        key = name.strip().lower()
        key = key.removeprefix(_HEADER_PREFIX)
        normalized[key] = value
    return normalized

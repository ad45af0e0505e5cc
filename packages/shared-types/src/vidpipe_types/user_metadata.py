"""A job's user metadata: a small string map the caller attaches and gets back untouched.

Capped so that it fits beside everything else in a job record, a webhook body and
metadata.json, and so that one caller cannot make records expensive for everyone.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from vidpipe_types.errors import InvalidUserMetadataError

MAX_USER_METADATA_ENTRIES = 16
MAX_USER_METADATA_KEY_CHARS = 64
MAX_USER_METADATA_VALUE_CHARS = 512
#: Keys and values together, in UTF-8 bytes.
MAX_USER_METADATA_BYTES = 4096
USER_METADATA_KEY_PATTERN = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_KEY_RE = re.compile(USER_METADATA_KEY_PATTERN)


def validate_user_metadata(metadata: dict[str, str]) -> dict[str, str]:
    """Return ``metadata`` unchanged, or raise InvalidUserMetadataError naming the limit."""
    if len(metadata) > MAX_USER_METADATA_ENTRIES:
        raise InvalidUserMetadataError(
            f"metadata has {len(metadata)} entries: at most {MAX_USER_METADATA_ENTRIES} allowed"
        )
    total = 0
    for key, value in metadata.items():
        if len(key) > MAX_USER_METADATA_KEY_CHARS or not _KEY_RE.fullmatch(key):
            raise InvalidUserMetadataError(
                f"metadata key {key[:80]!r} is invalid: use 1 to {MAX_USER_METADATA_KEY_CHARS}"
                " letters, digits, '_', '.' or '-', starting with a letter or digit"
            )
        if len(value) > MAX_USER_METADATA_VALUE_CHARS:
            raise InvalidUserMetadataError(
                f"metadata value of {key!r} is {len(value)} characters long:"
                f" at most {MAX_USER_METADATA_VALUE_CHARS} allowed"
            )
        total += len(key.encode("utf-8")) + len(value.encode("utf-8"))
    if total > MAX_USER_METADATA_BYTES:
        raise InvalidUserMetadataError(
            f"metadata is {total} bytes (keys and values in UTF-8):"
            f" at most {MAX_USER_METADATA_BYTES} allowed"
        )
    return metadata


UserMetadata = Annotated[dict[str, str], AfterValidator(validate_user_metadata)]

"""Tenants: who a job and an API key belong to."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from vidpipe_types.errors import InvalidTenantIdError

# Lower-case letters, digits and "-": a tenant id goes into table attributes, logs and
# hashes, never into a key path, but a narrow alphabet keeps every use of it obvious.
TENANT_ID_PATTERN = r"[a-z0-9][a-z0-9-]{0,62}"
_TENANT_ID_RE = re.compile(TENANT_ID_PATTERN)


def is_valid_tenant_id(value: str) -> bool:
    return _TENANT_ID_RE.fullmatch(value) is not None


def validate_tenant_id(value: str) -> str:
    """Return ``value`` unchanged, or raise InvalidTenantIdError saying what is allowed."""
    if not is_valid_tenant_id(value):
        raise InvalidTenantIdError(
            f"invalid tenant id {value!r}: use 1 to 63 lower-case letters, digits or '-',"
            " starting with a letter or digit"
        )
    return value


TenantId = Annotated[str, AfterValidator(validate_tenant_id)]

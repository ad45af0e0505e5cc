"""API keys of the HTTP API: their format, their hash, and the record the key table holds.

A key is ``vpk_{key_id}_{secret}``. ``key_id`` is public (it names the record, and a person
revokes a key by it); the secret is 256 random bits. Only ``sha256(whole key)`` is stored:
with that much entropy a fast hash cannot be brute-forced, so a slow password hash would only
add latency to every request. The plain key exists once, in the answer of ``create``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from vidpipe_types.errors import InvalidApiKeyError
from vidpipe_types.tenants import TenantId
from vidpipe_types.timestamps import UtcDatetime

API_KEY_PREFIX = "vpk_"
_KEY_ID_HEX = 16
_SECRET_BYTES = 32
_KEY_ID_RE = re.compile(rf"[0-9a-f]{{{_KEY_ID_HEX}}}")
_API_KEY_RE = re.compile(rf"{API_KEY_PREFIX}([0-9a-f]{{{_KEY_ID_HEX}}})_([A-Za-z0-9_-]{{43}})")
MAX_API_KEY_NAME = 100


class NewApiKey(NamedTuple):
    key_id: str
    #: The whole key, shown to its owner once and never stored.
    plaintext: str


def generate_api_key() -> NewApiKey:
    key_id = secrets.token_hex(_KEY_ID_HEX // 2)
    return NewApiKey(key_id, f"{API_KEY_PREFIX}{key_id}_{secrets.token_urlsafe(_SECRET_BYTES)}")


def is_valid_key_id(value: str) -> bool:
    return _KEY_ID_RE.fullmatch(value) is not None


def parse_api_key(presented: str) -> str:
    """The key id of a key in vidpipe's format; InvalidApiKeyError (without the key) otherwise."""
    match = _API_KEY_RE.fullmatch(presented)
    if match is None:
        raise InvalidApiKeyError(
            f"not a vidpipe API key: expected {API_KEY_PREFIX}<16 hex digits>_<secret>"
        )
    return match[1]


def hash_api_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def api_key_matches(plaintext: str, key_hash: str) -> bool:
    """Constant-time comparison, so response times reveal nothing about a stored hash."""
    return hmac.compare_digest(hash_api_key(plaintext), key_hash)


class ApiKey(BaseModel):
    """One row of the API-key table: which tenant a key acts for, and its hash."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    key_id: str = Field(pattern=_KEY_ID_RE.pattern)
    tenant_id: TenantId
    name: str = Field(default="", max_length=MAX_API_KEY_NAME)
    key_hash: str = Field(pattern=r"[0-9a-f]{64}", repr=False)
    created_at: UtcDatetime
    revoked_at: UtcDatetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None

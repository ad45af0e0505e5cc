"""The ApiKeyStore port: the HTTP API's keys, stored as hashes, each acting for one tenant.

The base owns the rules (key format, hashing, constant-time comparison, revocation that keeps
its first time); an adapter stores and reads records. The plain key is returned once by
`create` and never stored or logged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

from vidpipe_aws._edge import AdapterEdge
from vidpipe_aws._paging import Cursor, Page, iterate_pages
from vidpipe_aws.errors import ConditionFailedError
from vidpipe_aws.jobs import utc_now
from vidpipe_types.api_keys import (
    ApiKey,
    api_key_matches,
    generate_api_key,
    hash_api_key,
    parse_api_key,
)
from vidpipe_types.errors import InvalidApiKeyError
from vidpipe_types.tenants import validate_tenant_id

if TYPE_CHECKING:
    import builtins
    from collections.abc import Callable
    from datetime import datetime

_CREATE_ATTEMPTS = 3


class ApiKeyStore(AdapterEdge, ABC):
    def __init__(self, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._clock = clock

    def create(self, tenant_id: str, name: str = "") -> tuple[ApiKey, str]:
        """A new active key for the tenant: its record and the plain key (shown once)."""
        validate_tenant_id(tenant_id)
        for _ in range(_CREATE_ATTEMPTS):
            new = generate_api_key()
            record = ApiKey(
                key_id=new.key_id,
                tenant_id=tenant_id,
                name=name,
                key_hash=hash_api_key(new.plaintext),
                created_at=self._clock(),
            )
            with self._edge(f"create API key {new.key_id}"):
                if self._put_new(record):
                    return record, new.plaintext
        # 64 random bits of key id: a repeated collision means the store is broken.
        raise ConditionFailedError("could not store a new API key: key ids keep colliding")

    def authenticate(self, presented: str) -> ApiKey | None:
        """The active key record that ``presented`` is the key of, or None (malformed,
        unknown, revoked or wrong secret: the caller answers all of them alike)."""
        try:
            key_id = parse_api_key(presented)
        except InvalidApiKeyError:
            return None
        record = self.get(key_id)
        if record is None or not record.active or not api_key_matches(presented, record.key_hash):
            return None
        return record

    def get(self, key_id: str) -> ApiKey | None:
        with self._edge(f"get API key {key_id}"):
            return self._get(key_id)

    def list(self, tenant_id: str | None = None) -> builtins.list[ApiKey]:
        """Every key (of one tenant, when given), oldest first. An admin operation: it reads
        the whole table, which holds one small record per key."""

        def fetch(cursor: Cursor | None) -> Page[builtins.list[ApiKey]]:
            with self._edge("list API keys"):
                return self._scan_page(cursor)

        found = [
            key
            for page in iterate_pages(fetch)
            for key in page
            if tenant_id is None or key.tenant_id == tenant_id
        ]
        return sorted(found, key=lambda key: (key.created_at, key.key_id))

    def revoke(self, key_id: str) -> ApiKey | None:
        """Revoke the key from now on; None when there is no such key. Revoking twice keeps
        the first revocation time."""
        with self._edge(f"revoke API key {key_id}"):
            revoked = self._set_revoked(key_id, self._clock())
        return revoked if revoked is not None else self.get(key_id)

    # What an adapter implements --------------------------------------------------------

    @abstractmethod
    def _put_new(self, record: ApiKey) -> bool:
        """Store the record unless its key id exists; True when stored."""

    @abstractmethod
    def _get(self, key_id: str) -> ApiKey | None: ...

    @abstractmethod
    def _set_revoked(self, key_id: str, at: datetime) -> ApiKey | None:
        """Set revoked_at if the key exists and is not revoked yet; the new record, else None."""

    @abstractmethod
    def _scan_page(self, cursor: Cursor | None) -> Page[builtins.list[ApiKey]]: ...

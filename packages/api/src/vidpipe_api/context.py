"""Everything a request handler uses, built once by the entrypoint (or by a test)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from vidpipe_aws import FetchPolicy, resolve_host, utc_now

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from vidpipe_api.settings import ApiSettings
    from vidpipe_aws import (
        ApiKeyStore,
        JobStore,
        ObjectStorage,
        Queue,
        SegmentCompletionStore,
        WebhookNotifier,
    )


def random_job_id() -> str:
    """``a`` + 23 hex digits: the shape of derived ids, with ``a`` for jobs the API made."""
    return "a" + uuid.uuid4().hex[:23]


@dataclass(frozen=True)
class ApiContext:
    settings: ApiSettings
    jobs: JobStore
    completions: SegmentCompletionStore
    storage: ObjectStorage
    api_keys: ApiKeyStore
    notifier: WebhookNotifier
    input_bucket: str
    output_bucket: str
    #: Where URL-import requests go (None: URL import is off).
    import_queue: Queue | None = None
    fetch_policy: FetchPolicy = field(default_factory=FetchPolicy)
    resolve: Callable[[str, int], list[str]] = resolve_host
    clock: Callable[[], datetime] = utc_now
    new_job_id: Callable[[], str] = random_job_id

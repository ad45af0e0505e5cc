"""The API over the in-memory fakes: a TestClient, two tenants with keys, a scripted resolver."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient

from vidpipe_api import ApiContext, ApiSettings, create_app
from vidpipe_aws import FetchPolicy, WebhookNotifier
from vidpipe_aws.fakes import (
    InMemoryApiKeyStore,
    InMemoryJobStore,
    InMemoryObjectStorage,
    InMemoryQueue,
    InMemorySegmentCompletionStore,
)

INPUT = "vidpipe-input"
OUTPUT = "vidpipe-output"
PUBLIC_ADDRESS = "93.184.216.34"


class RecordingNotifier(WebhookNotifier):
    def __init__(self) -> None:
        super().__init__(None)
        self.sent: list[dict[str, Any]] = []

    def notify(self, job_id: str, status: Any, **fields: Any) -> None:  # type: ignore[override]
        self.sent.append({"job_id": job_id, "status": status, **fields})


@dataclass
class Api:
    client: TestClient
    context: ApiContext
    jobs: InMemoryJobStore
    storage: InMemoryObjectStorage
    completions: InMemorySegmentCompletionStore
    keys: InMemoryApiKeyStore
    imports: InMemoryQueue
    notifier: RecordingNotifier
    acme: dict[str, str]
    beta: dict[str, str]
    resolved: dict[str, list[str]]

    def create(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        return self.client.post("/v1/jobs", json=body, headers={**self.acme, **(headers or {})})

    def upload_job(self, **extra: Any) -> dict[str, Any]:
        response = self.create({"upload": {"content_type": "video/mp4"}, **extra})
        assert response.status_code == 201, response.text
        job: dict[str, Any] = response.json()["job"]
        return job


def make_api(settings: ApiSettings | None = None, **context_overrides: Any) -> Iterator[Api]:
    jobs = InMemoryJobStore()
    storage = InMemoryObjectStorage([INPUT, OUTPUT])
    completions = InMemorySegmentCompletionStore()
    keys = InMemoryApiKeyStore()
    imports = InMemoryQueue(name="imports")
    notifier = RecordingNotifier()
    resolved: dict[str, list[str]] = {}

    def resolve(host: str, port: int) -> list[str]:
        return resolved.get(host, [PUBLIC_ADDRESS])

    values: dict[str, Any] = {
        "settings": settings or ApiSettings(DEPLOYED_MODES="passthrough,grayscale,sam2"),
        "jobs": jobs,
        "completions": completions,
        "storage": storage,
        "api_keys": keys,
        "notifier": notifier,
        "input_bucket": INPUT,
        "output_bucket": OUTPUT,
        "import_queue": imports,
        "fetch_policy": FetchPolicy(),
        "resolve": resolve,
        **context_overrides,
    }
    context = ApiContext(**values)
    _, acme_key = keys.create("acme", "acme tests")
    _, beta_key = keys.create("beta", "beta tests")
    with TestClient(create_app(context)) as client:
        yield Api(
            client=client,
            context=context,
            jobs=jobs,
            storage=storage,
            completions=completions,
            keys=keys,
            imports=imports,
            notifier=notifier,
            acme={"Authorization": f"Bearer {acme_key}"},
            beta={"Authorization": f"Bearer {beta_key}"},
            resolved=resolved,
        )


@pytest.fixture
def api() -> Iterator[Api]:
    yield from make_api()

"""The console in a real browser: headless Chromium (the system's, driven by Playwright) against
a live local stack: a moto server, the chunking, video and media workers as processes
(vidpipe-cli's LocalStack), and the API with its console served by a real uvicorn on loopback.

One stack and one browser for the session; every test opens its own page (a fresh context, so a
fresh sessionStorage) and makes its own jobs. Screenshots go to reports/console/.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

from vidpipe_api import ApiSettings, create_app
from vidpipe_api.__main__ import build_context
from vidpipe_aws import DynamoApiKeyStore, DynamoJobStore
from vidpipe_cli import LocalStack, file_sinks
from vidpipe_cli.local_stack import FAKE_CREDENTIALS

from ..live_server import serving

REPO_ROOT = Path(__file__).resolve().parents[4]
SCREENSHOTS = REPO_ROOT / "reports" / "console"
FIXTURES = Path(__file__).with_name("fixtures")
#: Browsers a machine may have under these names; CHROMIUM_PATH overrides.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def chromium_executable() -> str:
    """The system's Chromium; a clear failure in CI (a skip elsewhere) when there is none."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    message = (
        "no Chromium for the console's browser tests: run `bash scripts/setup.sh` (it installs "
        f"Debian's chromium) or set CHROMIUM_PATH; looked for {', '.join(CHROMIUM_NAMES)}"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Console:
    """The live stack, the API's address and a tenant's key (acme)."""

    base_url: str
    stack: LocalStack
    jobs: DynamoJobStore
    keys: DynamoApiKeyStore
    import_queue_url: str
    names: Any = field(default=None)

    def new_key(self) -> str:
        """A key of a tenant of its own: a test sees only its own jobs."""
        _, key = self.keys.create(f"t{uuid.uuid4().hex[:12]}", "browser tests")
        return key


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return chromium_executable()


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    for name, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    log_dir = tmp_path_factory.mktemp("worker-logs")
    stack = LocalStack(
        prefix="vidpipe-browser",
        log_sink=file_sinks(log_dir),
        worker_env={"SEGMENT_SECONDS": "2"},
    )
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def console(local_stack: LocalStack) -> Iterator[Console]:
    names = local_stack.names
    settings = ApiSettings(
        API_KEYS_TABLE_NAME=names.api_keys_table,
        DEPLOYED_MODES="passthrough,grayscale,sam2",
        EVENTS_POLL_SECONDS=0.2,
    )
    clients = local_stack.clients
    keys = DynamoApiKeyStore(clients.dynamodb, names.api_keys_table)
    import_queue_url = clients.sqs.create_queue(QueueName=f"{names.prefix}-import")["QueueUrl"]
    settings = settings.model_copy(update={"import_queue_url": import_queue_url})
    app = create_app(build_context(settings, local_stack.aws_settings()))
    with serving(app) as base_url:
        yield Console(
            base_url=base_url,
            stack=local_stack,
            jobs=DynamoJobStore(clients.dynamodb, names.jobs_table),
            keys=keys,
            import_queue_url=import_queue_url,
            names=names,
        )


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright, chromium_path: str) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=chromium_path,
        args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
    )
    try:
        yield browser
    finally:
        browser.close()


@dataclass
class PageErrors:
    """Script errors and failed console messages of a page: a test ends with none."""

    errors: list[str] = field(default_factory=list)


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(browser: Browser, page_errors: PageErrors) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.on("pageerror", lambda error: page_errors.errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert page_errors.errors == [], "the page raised script errors"


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS

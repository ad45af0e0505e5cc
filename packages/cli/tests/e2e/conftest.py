"""One local stack for the whole session: moto in this process, each worker its own process.

Every test submits its own jobs (own job ids and keys), so tests share the stack without
sharing state. SEGMENT_SECONDS=2 makes the samples several segments each, so segment
boundaries are really crossed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from vidpipe_cli import LocalStack, Target, file_sinks, samples_dir

E2E_WORKER_ENV = {"SEGMENT_SECONDS": "2"}


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    log_dir = tmp_path_factory.mktemp("worker-logs")
    stack = LocalStack(
        prefix="vidpipe-e2e", log_sink=file_sinks(log_dir), worker_env=E2E_WORKER_ENV
    )
    stack.start()
    stack.log_dir = log_dir  # type: ignore[attr-defined]
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def target(local_stack: LocalStack) -> Target:
    local_stack.check_workers()
    return local_stack.target()


@pytest.fixture(scope="session")
def samples():
    return samples_dir()

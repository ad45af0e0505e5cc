"""The CLI's suites. Against an external endpoint (VIDPIPE_AWS_TARGET, the LocalStack lane of
scripts/test.sh) every test also carries the `localstack` marker, so `-m localstack` selects
what ran there."""

from __future__ import annotations

import pytest

from vidpipe_aws.targets import external_endpoint


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if external_endpoint() is None:
        return
    for item in items:
        item.add_marker(pytest.mark.localstack)

"""docker-compose.localstack.yml: parses, and agrees with the topology and the settings.

These structural checks stand in for `docker compose config`, which needs the compose plugin
(not installed where the tests run); with it, `docker compose -f docker-compose.localstack.yml
config` validates the file further.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from infra_helpers import REPO_ROOT

from vidpipe_aws import AwsSettings
from vidpipe_infra import CORE_WORKERS, DETECTION, workers
from vidpipe_infra.env import aws_env, queue_url_env
from vidpipe_types.topology import StackNames

COMPOSE = REPO_ROOT / "docker-compose.localstack.yml"
NAMES = StackNames()


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def test_localstack_is_pinned_and_runs_only_what_vidpipe_uses(compose: dict[str, Any]) -> None:
    localstack = compose["services"]["localstack"]
    image = localstack["image"]
    assert image.startswith("localstack/localstack:")
    assert image.split(":")[1][0].isdigit(), "pin a release, not latest"
    assert localstack["environment"]["SERVICES"] == "s3,sqs,dynamodb"
    assert localstack["healthcheck"]["test"]


def test_provision_runs_vidpipe_once_after_localstack(compose: dict[str, Any]) -> None:
    provision = compose["services"]["provision"]
    assert provision["build"]["dockerfile"] == "packages/cli/Dockerfile"
    assert (REPO_ROOT / provision["build"]["dockerfile"]).is_file()
    assert provision["command"] == ["provision"]
    assert provision["environment"][aws_env("endpoint_url")] == "http://localstack:4566"
    assert provision["depends_on"] == {"localstack": {"condition": "service_healthy"}}


@pytest.mark.parametrize("spec", workers(detection=True), ids=lambda s: s.name)
def test_every_worker_is_built_and_pointed_at_localstack(
    compose: dict[str, Any], spec: Any
) -> None:
    service = compose["services"][spec.name]
    assert service["build"] == {"context": ".", "dockerfile": f"packages/{spec.name}/Dockerfile"}
    assert service["depends_on"] == {
        "localstack": {"condition": "service_healthy"},
        "provision": {"condition": "service_completed_successfully"},
    }
    env = service["environment"]
    assert env[aws_env("endpoint_url")] == "http://localstack:4566"
    assert set(env) <= {
        alias
        for field in AwsSettings.model_fields.values()
        if isinstance(alias := field.validation_alias, str)
    } | {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert env[aws_env("input_bucket")] == NAMES.input_bucket
    assert env[aws_env("output_bucket")] == NAMES.output_bucket
    assert env[aws_env("jobs_table")] == NAMES.jobs_table
    assert env[aws_env("segment_completions_table")] == NAMES.segment_completions_table
    for worker in (spec.queue, *spec.sends):
        url = env[queue_url_env(worker)]
        assert url.endswith(f"/{NAMES.queue(worker)}")


def test_only_the_detection_worker_waits_for_its_profile(compose: dict[str, Any]) -> None:
    # Its image is large: `up` leaves it out unless `--profile detection` is given.
    services = compose["services"]
    assert services[DETECTION.name]["profiles"] == ["detection"]
    assert all("profiles" not in services[spec.name] for spec in CORE_WORKERS)
    assert "profiles" not in services["localstack"] and "profiles" not in services["provision"]

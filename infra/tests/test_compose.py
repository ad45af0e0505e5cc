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
from vidpipe_infra.workers import VIDEO
from vidpipe_types.topology import StackNames

COMPOSE = REPO_ROOT / "docker-compose.localstack.yml"
NAMES = StackNames()
#: The video-worker built with the sam2 plugin (packages/sam2-model/Dockerfile).
SAM2_SERVICE = "video-worker-sam2"


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


def test_only_the_torch_images_wait_for_their_profiles(compose: dict[str, Any]) -> None:
    # Their images are large: `up` leaves them out unless `--profile detection` or
    # `--profile sam2` is given.
    services = compose["services"]
    assert services[DETECTION.name]["profiles"] == ["detection"]
    assert services[SAM2_SERVICE]["profiles"] == ["sam2"]
    assert all("profiles" not in services[spec.name] for spec in CORE_WORKERS)
    assert "profiles" not in services["localstack"] and "profiles" not in services["provision"]


def test_the_sam2_video_worker_is_the_video_worker_with_a_mounted_checkpoint(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    sam2, video = services[SAM2_SERVICE], services[VIDEO.name]
    assert sam2["build"] == {"context": ".", "dockerfile": "packages/sam2-model/Dockerfile"}
    assert (REPO_ROOT / sam2["build"]["dockerfile"]).is_file()
    assert sam2["depends_on"] == video["depends_on"]
    # The video-worker's environment (same queues, buckets and tables), plus the model's own.
    env = dict(sam2["environment"])
    model_env = {name: env.pop(name) for name in list(env) if name.startswith("SAM2_")}
    assert env == video["environment"]
    assert "ENABLED_MODELS" not in env, "every installed model, sam2 included"
    assert set(model_env) == {"SAM2_CONFIG", "SAM2_CHECKPOINT", "SAM2_CHECKPOINT_SHA256"}
    readme = (REPO_ROOT / "packages" / "sam2-model" / "README.md").read_text(encoding="utf-8")
    assert all(f"| `{name}` |" in readme for name in model_env)
    # The checkpoint is a file of a read-only mount, never downloaded.
    mounts = [volume.split(":") for volume in sam2["volumes"]]
    assert [(source, mode) for source, _, mode in mounts] == [("./models", "ro")]
    assert model_env["SAM2_CHECKPOINT"].startswith(mounts[0][1] + "/")


def test_the_import_worker_runs_the_chunking_image_on_the_import_queue(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    importer, chunking = services["import-worker"], services["chunking-worker"]
    assert importer["image"] == chunking["image"]
    assert "build" not in importer, "the chunking-worker's build makes its image"
    assert importer["command"] == ["python", "-m", "vidpipe_chunking.import_worker"]
    assert importer["depends_on"] == chunking["depends_on"]
    assert importer["environment"][aws_env("import_queue_url")].endswith(f"/{NAMES.import_queue}")


def test_the_api_is_built_served_on_loopback_and_pointed_at_localstack(
    compose: dict[str, Any],
) -> None:
    api = compose["services"]["api"]
    assert api["build"] == {"context": ".", "dockerfile": "packages/api/Dockerfile"}
    assert (REPO_ROOT / api["build"]["dockerfile"]).is_file()
    assert api["ports"] == ["127.0.0.1:8000:8000"]
    env = api["environment"]
    assert env[aws_env("endpoint_url")] == "http://localstack:4566"
    assert env["API_HOST"] == "0.0.0.0" and env["API_PORT"] == "8000"
    assert env["API_KEYS_TABLE_NAME"] == NAMES.api_keys_table
    assert env[aws_env("import_queue_url")].endswith(f"/{NAMES.import_queue}")
    assert "profiles" not in api

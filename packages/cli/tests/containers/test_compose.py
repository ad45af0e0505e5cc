"""docker-compose.localstack.yml as a real compose implementation reads it: podman-compose
(PyPI) parses, merges and validates it (`config`); the services, builds and the wiring of the
workers to LocalStack and to `provision` are checked in what it prints."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = [pytest.mark.containers]

ROOT = Path(__file__).resolve().parents[4]
COMPOSE = ROOT / "docker-compose.localstack.yml"


def _config(*args: str) -> dict:
    tool = shutil.which("podman-compose")
    assert tool, "podman-compose is missing: scripts/lanes.sh installs it"
    result = subprocess.run(
        [tool, "-f", str(COMPOSE), *args, "config"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return yaml.safe_load(result.stdout)


def test_compose_file_is_valid_for_podman_compose():
    config = _config()
    services = config["services"]
    for worker in ("chunking-worker", "video-worker", "media-worker"):
        service = services[worker]
        assert service["build"]["dockerfile"] == f"packages/{worker}/Dockerfile"
        assert service["environment"]["AWS_ENDPOINT_URL"] == "http://localstack:4566"
        assert service["depends_on"]["provision"]["condition"] == ("service_completed_successfully")
    assert services["provision"]["command"] == ["provision"]
    assert "healthcheck" in services["localstack"]


def test_profiles_add_the_torch_services():
    services = _config("--profile", "detection", "--profile", "sam2")["services"]
    assert {"detection-worker", "video-worker-sam2"} <= set(services)

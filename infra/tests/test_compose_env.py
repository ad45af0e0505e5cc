"""The deployment config rendered into the env files docker-compose.localstack.yml reads:
the same names and values the stack gives each service, and no secret unless asked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import yaml
from infra_helpers import REPO_ROOT

from vidpipe_infra import ConfigError, StackConfig
from vidpipe_infra.compose_env import (
    COMPOSE_SERVICES,
    DEFAULT_DIR,
    main,
    render,
    write_env_files,
)

if TYPE_CHECKING:
    from pathlib import Path

EXAMPLE = REPO_ROOT / "infra" / "deploy.example.toml"
COMPOSE = REPO_ROOT / "docker-compose.localstack.yml"
SECRET_ENV = {"GEMINI_API_KEY": "local-gemini-key", "WEBHOOK_SIGNING_SECRET": "local-signing"}


@pytest.fixture(scope="module")
def config() -> StackConfig:
    return StackConfig.from_values({"config": str(EXAMPLE)}.get)


def parse(text: str) -> dict[str, str]:
    """An env file as compose reads it: NAME='value' lines, comments ignored."""
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, quoted = line.partition("=")
        assert quoted.startswith("'") and quoted.endswith("'"), line
        values[name] = quoted[1:-1]
    return values


def test_each_service_gets_what_the_stack_gives_it(config: StackConfig) -> None:
    media = parse(render(config, "media-worker"))
    sam2 = parse(render(config, "video-worker-sam2"))
    chunking = parse(render(config, "chunking-worker"))

    assert media["ANALYSIS_DEPTH"] == "standard"
    assert sam2["SAM2_DEVICE"] == "cuda" and sam2["MAX_FRAMES"] == "500"
    assert chunking["SEGMENT_SECONDS"] == "10" and "ANALYSIS_DEPTH" not in chunking
    for service in COMPOSE_SERVICES:
        env = parse(render(config, service))
        assert env["JOB_RETENTION_DAYS"] == "90"
        if service != "api":  # the stack gives the API no worker settings either
            assert env["CALLBACK_URL"] == "https://hooks.example.com/vidpipe"
        deployed = COMPOSE_SERVICES[service]
        if deployed is not None:
            assert config.workers.environment(deployed).items() <= env.items()


def test_secrets_are_named_never_written_and_no_arn_leaks(config: StackConfig) -> None:
    text = render(config, "media-worker")

    assert "GEMINI_API_KEY" not in parse(text)
    assert "# GEMINI_API_KEY: a secret" in text
    assert "# WEBHOOK_SIGNING_SECRET: a secret" in text
    for service in COMPOSE_SERVICES:
        assert "arn:aws" not in render(config, service)


def test_secrets_from_the_environment_are_written_when_asked(config: StackConfig) -> None:
    env = parse(render(config, "media-worker", secrets_from=SECRET_ENV))

    assert env["GEMINI_API_KEY"] == "local-gemini-key"
    assert env["WEBHOOK_SIGNING_SECRET"] == "local-signing"
    assert "GEMINI_API_KEY" not in parse(render(config, "chunking-worker", secrets_from=SECRET_ENV))
    with pytest.raises(ConfigError, match="secret GEMINI_API_KEY is not set"):
        render(config, "media-worker", secrets_from={"WEBHOOK_SIGNING_SECRET": "x"})


def test_every_compose_service_file_is_written(config: StackConfig, tmp_path: Path) -> None:
    written = write_env_files(config, tmp_path / "compose", secrets_from=SECRET_ENV)

    assert sorted(p.name for p in written) == sorted(f"{s}.env" for s in COMPOSE_SERVICES)
    assert sorted(p.name for p in (tmp_path / "compose").iterdir()) == sorted(
        p.name for p in written
    )
    assert all(p.stat().st_mode & 0o077 == 0 for p in written)  # values of secrets inside


def test_the_command_renders_a_config_and_refuses_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(EXAMPLE), "--out", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "media-worker.env").is_file()
    assert str(tmp_path / "out" / "media-worker.env") in capsys.readouterr().out

    bad = tmp_path / "bad.toml"
    bad.write_text('[services.media-worker.settings]\nANALYSIS_DEPTH = "bottomless"\n')
    assert main([str(bad), "--out", str(tmp_path / "bad")]) == 2
    assert "ANALYSIS_DEPTH" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_the_compose_file_reads_every_rendered_file() -> None:
    compose: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    services = compose["services"]

    assert set(services) == {*COMPOSE_SERVICES, "localstack", "provision"}
    for name in COMPOSE_SERVICES:
        assert services[name]["env_file"] == [
            {"path": f"{DEFAULT_DIR}/{name}.env", "required": False}
        ], name
    # The sam2 service mounts its own checkpoint: the deployment's digest does not apply.
    assert services["video-worker-sam2"]["environment"]["SAM2_CHECKPOINT_SHA256"] == (
        "${SAM2_CHECKPOINT_SHA256:-}"
    )

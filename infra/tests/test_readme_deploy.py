"""README.md "Deploy to AWS": its deployment config is infra/deploy.example.toml, and it
synthesizes; the idle costs it lists match the stack's resources."""

from __future__ import annotations

import re
import tomllib
from typing import TYPE_CHECKING

from infra_helpers import REPO_ROOT, resources

from vidpipe_infra import StackConfig

if TYPE_CHECKING:
    from pathlib import Path

    from aws_cdk.assertions import Template

README = REPO_ROOT / "README.md"
EXAMPLE = REPO_ROOT / "infra" / "deploy.example.toml"


def deploy_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Deploy to AWS") : text.index("## Working on vidpipe")]


def readme_config() -> str:
    blocks = re.findall(r"```toml\n(.*?)```", deploy_section(), flags=re.DOTALL)
    assert len(blocks) == 1, "one deployment config in Deploy to AWS"
    return str(blocks[0])


def test_the_readme_config_is_the_example_file() -> None:
    assert tomllib.loads(readme_config()) == tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_the_readme_config_validates_with_every_feature_on(tmp_path: Path) -> None:
    path = tmp_path / "deploy.toml"
    path.write_text(readme_config(), encoding="utf-8")

    config = StackConfig.from_values({"config": str(path)}.get)

    assert config.gpu and config.detection
    assert config.workers.secrets_of("media-worker").keys() == {
        "GEMINI_API_KEY",
        "WEBHOOK_SIGNING_SECRET",
    }
    assert config.workers.environment("media-worker")["CALLBACK_URL"].startswith("https://")
    assert config.workers.environment("video-gpu-worker")["SAM2_CHECKPOINT"].startswith("s3://")


def test_the_idle_costs_count_what_the_example_deploys(full_template: Template) -> None:
    section = deploy_section()
    alarms = resources(full_template, "AWS::CloudWatch::Alarm")
    alarm_metrics = sum(
        sum(1 for m in a["Properties"]["Metrics"] if "MetricStat" in m)
        if "Metrics" in a["Properties"]
        else 1
        for a in alarms.values()
    )
    assert f"{len(alarms)} alarms, {alarm_metrics} alarm metrics" in section
    assert len(resources(full_template, "AWS::EC2::NatGateway")) == 1
    secrets = set(re.findall(r"arn:aws:secretsmanager:[^\"]+", readme_config()))
    assert f"| Secrets Manager secrets | {len(secrets)} |" in section
    services = len(resources(full_template, "AWS::ECS::Service"))
    assert f"1 cluster, {services} services" in section
    log_groups = len(resources(full_template, "AWS::Logs::LogGroup"))
    assert f"{log_groups} log groups" in section

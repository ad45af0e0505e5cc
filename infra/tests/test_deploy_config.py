"""The deployment config: names and values checked at synth, secrets only as ARNs, each
setting in the task definition of the service that reads it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Template
from infra_helpers import resources

from vidpipe_infra import ConfigError, StackConfig
from vidpipe_infra.deploy import split_config

GEMINI = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:acme-vidpipe/gemini-GhIjKl"


def _config(**data: Any) -> StackConfig:
    options, workers = split_config(data)
    return StackConfig(**options, workers=workers)


def _containers(template: Template) -> dict[str, dict[str, Any]]:
    return {
        container["Name"]: container
        for task in resources(template, "AWS::ECS::TaskDefinition").values()
        for container in task["Properties"]["ContainerDefinitions"]
    }


def test_every_setting_lands_in_the_task_definition_of_its_service(
    full_template: Template,
) -> None:
    containers = _containers(full_template)

    def env(name: str) -> dict[str, Any]:
        return {item["Name"]: item["Value"] for item in containers[name]["Environment"]}

    assert env("chunking-worker")["SEGMENT_SECONDS"] == "10"
    assert env("chunking-worker")["MODEL"] == "passthrough"
    assert env("media-worker")["ANALYSIS_DEPTH"] == "standard"
    assert env("video-gpu-worker")["SAM2_DEVICE"] == "cuda"
    assert env("detection-worker")["DETECTION_PREVIEW"] == "true"
    assert "ANALYSIS_DEPTH" not in env("chunking-worker")
    for name in containers:
        assert env(name)["CALLBACK_URL"] == "https://hooks.example.com/vidpipe"


def test_secrets_are_arns_read_only_by_the_services_that_name_them(
    full_template: Template,
) -> None:
    containers = _containers(full_template)
    secrets = {
        name: {s["Name"]: s["ValueFrom"] for s in c.get("Secrets", [])}
        for name, c in containers.items()
    }
    assert secrets["media-worker"]["GEMINI_API_KEY"] == GEMINI
    assert secrets["video-gpu-worker"]["GEMINI_API_KEY"] == GEMINI
    assert "GEMINI_API_KEY" not in secrets["chunking-worker"]
    assert all("WEBHOOK_SIGNING_SECRET" in own for own in secrets.values())
    # The execution role of a service without the Gemini secret cannot read it.
    readers = set()
    for policy in resources(full_template, "AWS::IAM::Policy").values():
        document = json.dumps(policy["Properties"]["PolicyDocument"])
        if GEMINI in document and "secretsmanager:GetSecretValue" in document:
            readers.add(policy["Properties"]["Roles"][0]["Ref"])
    assert len(readers) == 2
    assert all("ExecutionRole" in role for role in readers)


def test_no_secret_value_in_the_template(full_template: Template) -> None:
    text = json.dumps(full_template.to_json())
    # Only ARNs: no plain GEMINI_API_KEY or WEBHOOK_SIGNING_SECRET in any Environment.
    for container in _containers(full_template).values():
        names = {item["Name"] for item in container["Environment"]}
        assert not names & {"GEMINI_API_KEY", "WEBHOOK_SIGNING_SECRET"}
    assert "AIza" not in text  # the shape of a Google API key


def _svc(service: str, kind: str = "settings", **values: Any) -> dict[str, Any]:
    return {"services": {service: {kind: values}}}


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_svc("chunking-worker", SEGMENT_SECOND=5), "unknown setting SEGMENT_SECOND"),
        (_svc("chunking-worker", SEGMENT_SECONDS=-1), "greater than 0"),
        (_svc("chunking-worker", MODEL="blur"), "MODEL='blur' is not a mode"),
        (_svc("media-worker", GEMINI_API_KEY="AIzaXYZ"), "key material"),
        (_svc("media-worker", "secrets", GEMINI_API_KEY="AIzaXYZ"), "complete ARN"),
        (_svc("media-worker", VIDEO_QUEUE_URL="x"), "set by the stack"),
        (_svc("detection-worker", TORCH_THREADS="many"), "TORCH_THREADS"),
        (_svc("video-gpu-worker", MAX_FRAMES=5), "not deployed"),
        ({"services": {"video-wrker": {}}}, "unknown services"),
        ({"settings": {"ANALYSIS_DEPTH": "deep"}}, "not read by"),
    ],
)
def test_a_bad_name_or_value_fails_with_the_reason(data: dict[str, Any], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason) as caught:
        _config(**data)
    assert "AIzaXYZ" not in str(caught.value)


def test_sam2_settings_need_the_gpu_service() -> None:
    data = {"services": {"video-gpu-worker": {"settings": {"MAX_FRAMES": 5}}}}
    _config(gpu=True, **data)
    with pytest.raises(ConfigError, match="video-gpu-worker.*not deployed"):
        _config(**data)

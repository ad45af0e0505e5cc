"""`-c api=true`: the HTTP API on Fargate behind a load balancer, the import worker, browser
uploads (CORS) on the input bucket, and the API's least-privilege role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template
from conftest import _synth
from infra_helpers import resources, write_template
from test_lint import _cfn_lint_errors
from test_permissions import Grants

from vidpipe_infra import VidpipeStack
from vidpipe_infra.api import API_NAME, API_PORT, READY_PATH
from vidpipe_infra.workers import IMPORT
from vidpipe_types.topology import StackNames

NAMES = StackNames()
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555"


@pytest.fixture(scope="module")
def api_synth() -> tuple[VidpipeStack, Template]:
    return _synth({"api": "true"})


@pytest.fixture(scope="module")
def template(api_synth: tuple[VidpipeStack, Template]) -> Template:
    return api_synth[1]


@pytest.fixture(scope="module")
def https_template() -> Template:
    return _synth({"api": "true", "api_certificate_arn": CERTIFICATE})[1]


def _container(template: Template, name: str) -> dict[str, Any]:
    for task in resources(template, "AWS::ECS::TaskDefinition").values():
        container: dict[str, Any] = task["Properties"]["ContainerDefinitions"][0]
        if container["Name"] == name:
            return container
    raise AssertionError(f"no container {name}")


def test_the_default_deployment_has_no_api(
    default_synth: tuple[VidpipeStack, Template],
) -> None:
    stack, template = default_synth
    assert stack.api is None
    template.resource_count_is("AWS::ElasticLoadBalancingV2::LoadBalancer", 0)
    assert IMPORT.name not in stack.services


def test_the_api_runs_behind_a_load_balancer_checked_on_ready(template: Template) -> None:
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::LoadBalancer", {"Scheme": "internet-facing"}
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {"HealthCheckPath": READY_PATH, "Port": API_PORT, "TargetType": "ip"},
    )
    template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener", {"Port": 80, "Protocol": "HTTP"}
    )
    container = _container(template, API_NAME)
    env = {item["Name"]: item["Value"] for item in container["Environment"]}
    assert env["API_HOST"] == "0.0.0.0"
    assert env["API_PORT"] == str(API_PORT)
    assert "IMPORT_QUEUE_URL" in env and "API_KEYS_TABLE_NAME" in env
    assert [m["ContainerPort"] for m in container["PortMappings"]] == [API_PORT]
    assert container["ReadonlyRootFilesystem"] is True


def test_with_a_certificate_the_api_serves_https_and_redirects_http(
    https_template: Template,
) -> None:
    https_template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {"Port": 443, "Protocol": "HTTPS", "Certificates": [{"CertificateArn": CERTIFICATE}]},
    )
    https_template.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "Port": 80,
            "DefaultActions": [Match.object_like({"Type": "redirect"})],
        },
    )


def test_the_tasks_accept_traffic_from_the_load_balancer_only(template: Template) -> None:
    ingress = [
        rule
        for group in resources(template, "AWS::EC2::SecurityGroup").values()
        if "API tasks" in group["Properties"]["GroupDescription"]
        for rule in group["Properties"].get("SecurityGroupIngress", [])
    ]
    assert ingress == []  # the ingress is its own resource, from the balancer's group
    rules = resources(template, "AWS::EC2::SecurityGroupIngress").values()
    to_tasks = [r["Properties"] for r in rules if r["Properties"].get("FromPort") == API_PORT]
    assert len(to_tasks) == 1
    assert "SourceSecurityGroupId" in to_tasks[0]
    assert "CidrIp" not in to_tasks[0]


def test_the_input_bucket_accepts_browser_post_uploads(template: Template) -> None:
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketName": NAMES.input_bucket,
            "CorsConfiguration": {"CorsRules": [Match.object_like({"AllowedMethods": ["POST"]})]},
        },
    )


def test_the_api_role_is_least_privilege(template: Template) -> None:
    api = Grants(template, API_NAME)
    assert api.resources_for("s3:PutObject") == {f"{NAMES.input_bucket}/input/*"}
    assert api.resources_for("s3:GetObject") == {f"{NAMES.output_bucket}/jobs/*"}
    assert api.resources_for("s3:DeleteObject") == {
        f"{NAMES.input_bucket}/input/*",
        f"{NAMES.input_bucket}/segments/*",
        f"{NAMES.output_bucket}/jobs/*",
    }
    assert api.resources_for("sqs:SendMessage") == {NAMES.import_queue}
    assert api.resources_for("dynamodb:Query") == {
        NAMES.jobs_table,
        f"{NAMES.jobs_table}/index/*",
        NAMES.segment_completions_table,
        f"{NAMES.segment_completions_table}/index/*",
    }
    assert api.resources_for("dynamodb:GetItem") >= {NAMES.api_keys_table}
    assert NAMES.api_keys_table not in api.resources_for("dynamodb:DeleteItem")
    for actions, target in api.statements:
        assert target != "*"
        assert all(not action.endswith(":*") for action in actions)
    assert not any(action.startswith("sqs:Receive") for action in api.all_actions)


def test_the_import_worker_runs_the_chunking_image_on_the_import_queue(
    api_synth: tuple[VidpipeStack, Template], template: Template
) -> None:
    stack, _ = api_synth
    assert IMPORT.name in stack.services
    container = _container(template, IMPORT.name)
    assert container["Command"] == ["python", "-m", "vidpipe_chunking.import_worker"]
    # One repository for the chunking-worker's image, whichever services run it.
    assert set(stack.repositories) == {
        "chunking-worker",
        "video-worker",
        "media-worker",
        "detection-worker",
        "api",
    }
    grants = Grants(template, IMPORT.name)
    assert grants.resources_for("s3:PutObject") == {f"{NAMES.input_bucket}/input/*"}
    assert grants.resources_for("sqs:ReceiveMessage") == {NAMES.import_queue}
    assert grants.resources_for("sqs:SendMessage") == set()


@pytest.mark.parametrize("which", ["template", "https_template"])
def test_cfn_lint_finds_no_errors_with_the_api(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    synthesized: Template = request.getfixturevalue(which)
    assert _cfn_lint_errors(write_template(synthesized, tmp_path)) == []

"""ECS services: one per worker, health checks, stop timeout, logs, environment, scaling."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template
from infra_helpers import resources

from vidpipe_aws import AwsSettings, RunnerSettings
from vidpipe_infra import CORE_WORKERS, DETECTION
from vidpipe_infra.workers import VIDEO, VIDEO_GPU, workers
from vidpipe_types.topology import QueueSpec, StackNames, queue_spec

#: What a deployment without options runs: detection is on by default.
DEFAULT_WORKERS = workers(detection=True)

NAMES = StackNames()


def _containers(template: Template) -> dict[str, dict[str, Any]]:
    """Container name -> container definition."""
    found = {}
    for task in resources(template, "AWS::ECS::TaskDefinition").values():
        for container in task["Properties"]["ContainerDefinitions"]:
            found[container["Name"]] = container
    return found


def _env(container: dict[str, Any]) -> dict[str, Any]:
    return {item["Name"]: item["Value"] for item in container["Environment"]}


def _alias(settings: type[AwsSettings] | type[RunnerSettings], field: str) -> str:
    alias = settings.model_fields[field].validation_alias
    assert isinstance(alias, str)
    return alias


def test_one_service_per_core_worker_starting_at_zero(template: Template) -> None:
    services = resources(template, "AWS::ECS::Service")
    assert {s["Properties"]["ServiceName"] for s in services.values()} == {
        w.name for w in DEFAULT_WORKERS
    }
    for service in services.values():
        props = service["Properties"]
        assert props["DesiredCount"] == 0
        assert props["LaunchType"] == "FARGATE"
        assert props["DeploymentConfiguration"]["DeploymentCircuitBreaker"] == {
            "Enable": True,
            "Rollback": True,
        }
        network = props["NetworkConfiguration"]["AwsvpcConfiguration"]
        assert network["AssignPublicIp"] == "DISABLED"


def test_containers_stop_gracefully_and_check_health(template: Template) -> None:
    containers = _containers(template)
    assert set(containers) == {w.name for w in DEFAULT_WORKERS}
    for spec in DEFAULT_WORKERS:
        container = containers[spec.name]
        assert container["StopTimeout"] == 120
        # The runner's default grace period fits inside the stop timeout.
        assert RunnerSettings.model_fields["shutdown_grace_seconds"].default < 120
        check = container["HealthCheck"]
        assert check["Command"][:2] == ["CMD", "python"]
        assert "http://127.0.0.1:8080/health" in check["Command"][-1]
        assert container["ReadonlyRootFilesystem"] is True
        assert container["Command"] == ["python", "-m", spec.module]
        assert container["LogConfiguration"]["LogDriver"] == "awslogs"


def test_log_groups_have_retention(template: Template) -> None:
    groups = resources(template, "AWS::Logs::LogGroup")
    assert groups
    for group in groups.values():
        assert group["Properties"]["RetentionInDays"] == 30


def test_container_environment_uses_the_settings_names(template: Template) -> None:
    containers = _containers(template)
    shared = {
        _alias(AwsSettings, field): value
        for field, value in {
            "input_bucket": NAMES.input_bucket,
            "output_bucket": NAMES.output_bucket,
        }.items()
    }
    for spec in DEFAULT_WORKERS:
        env = _env(containers[spec.name])
        for name, value in shared.items():
            assert env[name] == value
        assert _alias(AwsSettings, "jobs_table") in env
        assert _alias(AwsSettings, "segment_completions_table") in env
        assert _alias(AwsSettings, "region") in env
        own_queue = AwsSettings.queue_url_setting(spec.queue)
        assert own_queue in env
        spec_for_queue: QueueSpec = queue_spec(spec.queue)
        assert env[_alias(RunnerSettings, "visibility_timeout_seconds")] == str(
            spec_for_queue.visibility_timeout_seconds
        )
        assert env[_alias(RunnerSettings, "health_port")] == "8080"
        # Every variable set is one a worker reads (or TMPDIR, read by Python itself).
        known = (
            {_alias(AwsSettings, f) for f in AwsSettings.model_fields}
            | {_alias(RunnerSettings, f) for f in RunnerSettings.model_fields}
            | {"TMPDIR", "DEPLOYED_MODES", "ENABLED_MODELS"}
        )
        assert set(env) <= known
    # Detection is deployed by default: the chunking-worker knows its queue.
    chunking_env = _env(containers["chunking-worker"])
    assert _alias(AwsSettings, "detection_queue_url") in chunking_env
    assert _alias(AwsSettings, "reassembly_queue_url") in chunking_env
    # Without gpu no worker serves sam2: its jobs fail at chunking with the reason.
    assert chunking_env["DEPLOYED_MODES"] == "passthrough,grayscale"
    assert _env(containers["video-worker"])["ENABLED_MODELS"] == "passthrough,grayscale"


def test_each_service_scales_from_zero_on_backlog_per_task(template: Template) -> None:
    targets = resources(template, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert len(targets) == len(DEFAULT_WORKERS)
    for target in targets.values():
        assert target["Properties"]["MinCapacity"] == 0
        assert target["Properties"]["ScalableDimension"] == "ecs:service:DesiredCount"
    policies = resources(template, "AWS::ApplicationAutoScaling::ScalingPolicy")
    assert len(policies) == 3 * len(DEFAULT_WORKERS)
    for policy in policies.values():
        assert policy["Properties"]["PolicyType"] == "StepScaling"
    expressions = []
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        for metric in alarm["Properties"].get("Metrics", []):
            if "Expression" in metric:
                expressions.append((metric["Expression"], alarm["Properties"]))
    backlog = [(e, a) for e, a in expressions if "/ FILL(tasks, 0)" in e]
    # Scale-out and scale-in alarms per service divide the backlog by the running tasks.
    assert len(backlog) == 2 * len(DEFAULT_WORKERS)
    from_zero = [(e, a) for e, a in expressions if e.startswith("IF(FILL(tasks, 0) > 0, 0,")]
    assert len(from_zero) == len(DEFAULT_WORKERS)
    for alarm in resources(template, "AWS::CloudWatch::Alarm").values():
        props = alarm["Properties"]
        ids = {m["Id"] for m in props.get("Metrics", [])}
        if {"visible", "tasks"} <= ids:
            tasks = next(m for m in props["Metrics"] if m["Id"] == "tasks")
            assert tasks["MetricStat"]["Metric"]["MetricName"] == "RunningTaskCount"
            assert props["AlarmActions"], "a scaling alarm must trigger a policy"


def test_gpu_option_moves_the_video_worker_to_gpu_instances(full_template: Template) -> None:
    services = {
        s["Properties"]["ServiceName"]: s["Properties"]
        for s in resources(full_template, "AWS::ECS::Service").values()
    }
    assert set(services) == {w.name for w in (*CORE_WORKERS, DETECTION, VIDEO_GPU)}
    gpu = services[VIDEO_GPU.name]
    assert "LaunchType" not in gpu
    assert gpu["CapacityProviderStrategy"][0]["CapacityProvider"]
    # The CPU modes stay on Fargate with the plain image.
    assert services[VIDEO.name]["LaunchType"] == "FARGATE"
    assert services["chunking-worker"]["LaunchType"] == "FARGATE"
    containers = _containers(full_template)
    assert containers[VIDEO_GPU.name]["ResourceRequirements"] == [{"Type": "GPU", "Value": "1"}]
    assert containers[VIDEO_GPU.name]["StopTimeout"] == 120
    assert "VideoWorkerSam2Images" in json.dumps(containers[VIDEO_GPU.name]["Image"])
    repositories = {
        r["Properties"]["RepositoryName"]
        for r in resources(full_template, "AWS::ECR::Repository").values()
    }
    assert "acme-vidpipe/video-worker-sam2" in repositories
    env = _env(containers[VIDEO_GPU.name])
    # The video-worker consumes VIDEO_QUEUE_URL: here the GPU model group's queue.
    assert json.dumps(env["VIDEO_QUEUE_URL"]).startswith('{"Ref": "QueuesVideogpuQueue')
    assert env["ENABLED_MODELS"] == "sam2"
    assert _env(containers["chunking-worker"])["DEPLOYED_MODES"] == "passthrough,grayscale,sam2"
    providers = resources(full_template, "AWS::ECS::CapacityProvider")
    assert len(providers) == 1
    templates = resources(full_template, "AWS::EC2::LaunchTemplate")
    data = next(iter(templates.values()))["Properties"]["LaunchTemplateData"]
    assert data["InstanceType"] == "g5.xlarge"
    assert data["MetadataOptions"]["HttpTokens"] == "required"
    # The detection-worker's queue is now wired to the chunking-worker.
    chunking_env = _env(containers["chunking-worker"])
    assert _alias(AwsSettings, "detection_queue_url") in chunking_env
    assert _alias(AwsSettings, "input_bucket") in chunking_env
    buckets = resources(full_template, "AWS::S3::Bucket")
    names = StackNames(prefix="acme-vidpipe")
    assert {b["Properties"]["BucketName"] for b in buckets.values()} == {
        names.input_bucket,
        names.output_bucket,
    }

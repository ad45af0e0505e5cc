"""Model weights in S3: the settings are checked at synth, and the service that reads them may
GetObject exactly that object; retention reaches every service."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template
from infra_helpers import resources
from test_permissions import Grants

from vidpipe_infra import ConfigError, StackConfig, VidpipeStack, build_app
from vidpipe_infra.deploy import split_config

SHA = "7402e0d864fa82708a20fbd15bc84245c2f26dff0eb43a4b5b93452deb34be69"


def _config(**data: Any) -> StackConfig:
    options, workers = split_config(data)
    return StackConfig(**options, workers=workers)


def _gpu(**settings: Any) -> dict[str, Any]:
    return {"gpu": True, "services": {"video-gpu-worker": {"settings": settings}}}


def _object_reads(grants: Grants) -> set[str]:
    return {t for t in grants.resources_for("s3:GetObject") if t.startswith("arn:")}


def test_each_service_may_read_exactly_its_weights_object(full_template: Template) -> None:
    sam2 = Grants(full_template, "video-gpu-worker")
    detection = Grants(full_template, "detection-worker")

    # Spelled with the partition of the stack's region: arn:${AWS::Partition}:s3:::bucket/key.
    assert _object_reads(sam2) == {"arn:AWS::Partition:s3:::acme-models/sam2/sam2.1_hiera_tiny.pt"}
    assert _object_reads(detection) == {
        "arn:AWS::Partition:s3:::acme-models/yolo/yolov8n-face.onnx"
    }
    assert _object_reads(Grants(full_template, "video-worker")) == set()
    assert not any("*" in target for target in _object_reads(sam2) | _object_reads(detection))


def test_a_local_weights_path_grants_nothing(template: Template) -> None:
    app = build_app({"gpu": "true"})
    stack = next(c for c in app.node.children if isinstance(c, VidpipeStack))
    grants = Grants(Template.from_stack(stack), "video-gpu-worker")
    assert _object_reads(grants) == set()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (_gpu(SAM2_CHECKPOINT="s3://acme-models/sam2.pt"), "set SAM2_CHECKPOINT_SHA256"),
        (_gpu(SAM2_CHECKPOINT="s3://acme-models/x.pt", SAM2_CHECKPOINT_SHA256="abc"), "64 hex"),
        (_gpu(SAM2_CHECKPOINT="s3://acme-models", SAM2_CHECKPOINT_SHA256=SHA), "bucket and a key"),
        (_gpu(SAM2_CHECKPOINT_SHA256=SHA), "SAM2_CHECKPOINT is not"),
        (
            {"services": {"detection-worker": {"settings": {"YOLO_MODEL_PATH": "s3://b/f.onnx"}}}},
            "detection-worker: YOLO_MODEL_PATH is an S3 URI",
        ),
    ],
)
def test_weights_settings_that_cannot_work_fail_the_synth(
    data: dict[str, Any], reason: str
) -> None:
    with pytest.raises(ConfigError, match=reason):
        _config(**data)


def test_s3_weights_with_their_digest_and_local_paths_are_accepted() -> None:
    _config(**_gpu(SAM2_CHECKPOINT="s3://acme-models/sam2.pt", SAM2_CHECKPOINT_SHA256=SHA))
    _config(**_gpu(SAM2_CHECKPOINT="/models/sam2.1_hiera_tiny.pt"))
    detection = {"YOLO_MODEL_PATH": "s3://acme-models/face.onnx", "YOLO_MODEL_SHA256": SHA}
    _config(services={"detection-worker": {"settings": detection}})


def test_every_service_and_the_api_get_the_record_retention(full_template: Template) -> None:
    app = build_app({"job_retention_days": "30", "api": "true"})
    stack = next(c for c in app.node.children if isinstance(c, VidpipeStack))
    containers = [
        container
        for task in resources(Template.from_stack(stack), "AWS::ECS::TaskDefinition").values()
        for container in task["Properties"]["ContainerDefinitions"]
    ]
    assert len(containers) >= 5
    for container in containers:
        env = {item["Name"]: item["Value"] for item in container["Environment"]}
        assert env["JOB_RETENTION_DAYS"] == "30", container["Name"]
    # The example config keeps records for 90 days.
    for task in resources(full_template, "AWS::ECS::TaskDefinition").values():
        env = task["Properties"]["ContainerDefinitions"][0]["Environment"]
        assert {"Name": "JOB_RETENTION_DAYS", "Value": "90"} in env


def test_job_retention_is_set_by_the_stack_not_under_settings() -> None:
    with pytest.raises(ConfigError, match="JOB_RETENTION_DAYS is set by the stack"):
        _config(services={"media-worker": {"settings": {"JOB_RETENTION_DAYS": 3}}})
    with pytest.raises(ConfigError, match="job_retention_days"):
        _config(job_retention_days=-1)


def test_intermediate_writes_may_tag_their_objects(template: Template) -> None:
    for worker in ("chunking-worker", "video-worker"):
        grants = Grants(template, worker)
        assert grants.resources_for("s3:PutObjectTagging") == grants.resources_for("s3:PutObject")

"""Each worker's task role holds exactly what its WorkerSpec lists (least privilege)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template
from infra_helpers import resources

from vidpipe_infra import CORE_WORKERS, DETECTION, WorkerSpec
from vidpipe_infra.workers import CHUNKING, MEDIA, VIDEO
from vidpipe_types.topology import StackNames

NAMES = StackNames()


class Grants:
    """A worker's statements, with resources spelled as `<resource name>` + suffix."""

    def __init__(self, template: Template, worker: str) -> None:
        self._names = self._resource_names(template)
        role_id = self._task_role(template, worker)
        self.statements: list[tuple[frozenset[str], str]] = []
        for policy in resources(template, "AWS::IAM::Policy").values():
            if {"Ref": role_id} not in policy["Properties"]["Roles"]:
                continue
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                assert statement["Effect"] == "Allow"
                actions = statement["Action"]
                actions = frozenset([actions] if isinstance(actions, str) else actions)
                targets = statement["Resource"]
                for target in targets if isinstance(targets, list) else [targets]:
                    self.statements.append((actions, self._spell(target)))

    def resources_for(self, action: str) -> set[str]:
        return {target for actions, target in self.statements if action in actions}

    @property
    def all_actions(self) -> set[str]:
        return {action for actions, _ in self.statements for action in actions}

    @staticmethod
    def _task_role(template: Template, worker: str) -> str:
        for task in resources(template, "AWS::ECS::TaskDefinition").values():
            props = task["Properties"]
            if props["ContainerDefinitions"][0]["Name"] == worker:
                role: str = props["TaskRoleArn"]["Fn::GetAtt"][0]
                return role
        raise AssertionError(f"no task definition for {worker}")

    @staticmethod
    def _resource_names(template: Template) -> dict[str, str]:
        names = {}
        for kind, key in (
            ("AWS::S3::Bucket", "BucketName"),
            ("AWS::SQS::Queue", "QueueName"),
            ("AWS::DynamoDB::Table", "TableName"),
        ):
            for logical_id, res in resources(template, kind).items():
                names[logical_id] = res["Properties"][key]
        return names

    def _spell(self, target: Any) -> str:
        if isinstance(target, str):
            return target
        if "Fn::GetAtt" in target:
            return self._names.get(target["Fn::GetAtt"][0], target["Fn::GetAtt"][0])
        if "Fn::Join" in target:
            return "".join(self._spell(part) for part in target["Fn::Join"][1])
        if "Ref" in target:  # a pseudo parameter such as AWS::Partition
            return str(self._names.get(target["Ref"], target["Ref"]))
        raise AssertionError(f"unexpected resource {target}")


@pytest.fixture(scope="module")
def grants(template: Template) -> dict[str, Grants]:
    return {spec.name: Grants(template, spec.name) for spec in CORE_WORKERS}


def test_no_wildcard_actions_or_resources(grants: dict[str, Grants]) -> None:
    for worker in grants.values():
        assert worker.statements
        for actions, target in worker.statements:
            assert target != "*"
            assert all(not action.endswith(":*") for action in actions)


def test_chunking_reads_uploads_and_writes_segments_only(grants: dict[str, Grants]) -> None:
    chunking = grants[CHUNKING.name]
    assert chunking.resources_for("s3:GetObject") == {f"{NAMES.input_bucket}/input/*"}
    assert chunking.resources_for("s3:PutObject") == {f"{NAMES.input_bucket}/segments/*"}
    touched = {target for _, target in chunking.statements}
    assert not any(NAMES.output_bucket in target for target in touched)
    assert chunking.resources_for("sqs:ReceiveMessage") == {NAMES.chunking_queue}
    # Detection is deployed by default: the chunking-worker hands it the jobs that ask for it.
    assert chunking.resources_for("sqs:SendMessage") == {
        NAMES.reassembly_queue,
        NAMES.detection_queue,
    }
    assert chunking.resources_for("dynamodb:PutItem") == {
        NAMES.jobs_table,
        f"{NAMES.jobs_table}/index/*",
    }
    assert NAMES.segment_completions_table in chunking.resources_for("dynamodb:Query")
    assert NAMES.segment_completions_table not in chunking.resources_for("dynamodb:PutItem")


def test_video_reads_segments_and_writes_output_segments(grants: dict[str, Grants]) -> None:
    video = grants[VIDEO.name]
    assert video.resources_for("s3:GetObject") == {
        f"{NAMES.input_bucket}/segments/*",
        f"{NAMES.output_bucket}/jobs/*/segments/*",
    }
    assert video.resources_for("s3:PutObject") == {
        f"{NAMES.output_bucket}/jobs/*/segments/*",
        f"{NAMES.output_bucket}/jobs/*/frames/*",
    }
    assert video.resources_for("sqs:ReceiveMessage") == {NAMES.video_queue}
    assert video.resources_for("sqs:SendMessage") == {NAMES.reassembly_queue}
    assert {NAMES.jobs_table, NAMES.segment_completions_table} <= video.resources_for(
        "dynamodb:PutItem"
    )


def test_media_reads_output_segments_and_writes_job_outputs(grants: dict[str, Grants]) -> None:
    media = grants[MEDIA.name]
    # A reassembly stages its artifacts under attempts/; the winner's outbox copies them to
    # jobs/ (a server-side copy reads its source), a loser deletes its own.
    attempts = f"{NAMES.output_bucket}/attempts/*"
    assert media.resources_for("s3:GetObject") == {
        f"{NAMES.output_bucket}/jobs/*/segments/*",
        attempts,
    }
    assert media.resources_for("s3:PutObject") == {f"{NAMES.output_bucket}/jobs/*", attempts}
    assert media.resources_for("s3:DeleteObject") == {attempts}
    assert not any(NAMES.input_bucket in target for _, target in media.statements)
    assert media.resources_for("sqs:ReceiveMessage") == {NAMES.reassembly_queue}
    # The sweeper re-sends reassembly triggers and the detection requests a killed
    # chunking-worker left in a job's outbox.
    assert media.resources_for("sqs:SendMessage") == {
        NAMES.reassembly_queue,
        NAMES.detection_queue,
    }
    assert NAMES.segment_completions_table not in media.resources_for("dynamodb:PutItem")


def test_only_staged_attempts_may_be_deleted(grants: dict[str, Grants]) -> None:
    for name, worker in grants.items():
        deletes = {a for a in worker.all_actions if "Delete" in a} - {"sqs:DeleteMessage"}
        if name == MEDIA.name:
            assert deletes == {"s3:DeleteObject"}
            assert worker.resources_for("s3:DeleteObject") == {f"{NAMES.output_bucket}/attempts/*"}
        else:
            assert not deletes, name


def test_every_worker_may_protect_its_own_tasks_from_scale_in(
    grants: dict[str, Grants],
) -> None:
    for name, worker in grants.items():
        (target,) = worker.resources_for("ecs:UpdateTaskProtection")
        assert target.endswith(f":task/{NAMES.prefix}/*"), (name, target)
        assert worker.resources_for("ecs:GetTaskProtection") == {target}


def test_chunking_may_send_detection_requests_when_detection_runs(
    full_template: Template,
) -> None:
    names = StackNames(prefix="acme-vidpipe")
    chunking = Grants(full_template, CHUNKING.name)
    assert chunking.resources_for("sqs:SendMessage") == {
        names.reassembly_queue,
        names.detection_queue,
    }
    detection: WorkerSpec = DETECTION
    grants = Grants(full_template, detection.name)
    assert grants.resources_for("sqs:ReceiveMessage") == {names.detection_queue}

"""One name per worker: infra, the local stack and each entrypoint agree on it.

A worker's name comes from the queue it consumes (`vidpipe_aws.worker_name`). infra names its
services by it; each worker's `__main__` declares its `QUEUE` and the local stack builds its
specs from a module and a queue. The infra environment holds neither the workers nor the
CLI, so their sources are read: each must pair its module with the queue infra pairs it with.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

import pytest
from infra_helpers import REPO_ROOT, resources

from vidpipe_aws import RunnerSettings, worker_name
from vidpipe_infra import workers
from vidpipe_infra.workers import VIDEO, VIDEO_GPU
from vidpipe_types.topology import Worker

if TYPE_CHECKING:
    from aws_cdk.assertions import Template

    from vidpipe_infra.workers import VIDEO, VIDEO_GPU, WorkerSpec

ALL_WORKERS = workers(detection=True, gpu=True, api=True)
LOCAL_STACK = REPO_ROOT / "packages" / "cli" / "src" / "vidpipe_cli" / "local_stack.py"


def _queue_member(node: ast.expr) -> Worker:
    """`Worker.CHUNKING` in a source file -> Worker.CHUNKING."""
    assert isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    assert node.value.id == "Worker", ast.unparse(node)
    return Worker[node.attr]


def _entrypoint_queue(spec: WorkerSpec) -> Worker:
    path = REPO_ROOT / "packages" / spec.name / "src" / spec.module / "__main__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and [ast.unparse(t) for t in statement.targets] == [
            "QUEUE"
        ]:
            return _queue_member(statement.value)
    raise AssertionError(f"{path} declares no QUEUE = Worker.<queue>")


def _local_stack_queues() -> dict[str, Worker]:
    """Module -> queue of every `_spec("vidpipe_x", Worker.X)` in the local stack."""
    found: dict[str, Worker] = {}
    for node in ast.walk(ast.parse(LOCAL_STACK.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "_spec":
            module, queue = node.args
            assert isinstance(module, ast.Constant) and isinstance(module.value, str)
            found[module.value] = _queue_member(queue)
    return found


@pytest.mark.parametrize("spec", ALL_WORKERS, ids=lambda s: s.name)
def test_infra_names_each_worker_after_its_queue(spec: WorkerSpec) -> None:
    assert spec.name == worker_name(spec.queue)
    assert spec.short_name == spec.name.removesuffix("-worker")


@pytest.mark.parametrize("spec", workers(detection=True), ids=lambda s: s.name)
def test_each_entrypoint_consumes_the_queue_infra_gives_it(spec: WorkerSpec) -> None:
    assert _entrypoint_queue(spec) == spec.queue


def test_the_gpu_service_runs_the_video_worker_on_the_gpu_model_groups_queue() -> None:
    # It consumes VIDEO_QUEUE_URL, which its task definition points at the video-gpu queue.
    assert _entrypoint_queue(VIDEO) == Worker.VIDEO
    assert (VIDEO_GPU.module, VIDEO_GPU.queue) == (VIDEO.module, Worker.VIDEO_GPU)


def test_the_local_stack_runs_each_module_on_the_queue_infra_gives_it() -> None:
    local = _local_stack_queues()
    assert local, f"no _spec(...) calls found in {LOCAL_STACK}"
    # The GPU service runs the video-worker's module too, on its model group's queue.
    by_module = {spec.module: spec.queue for spec in workers(detection=True, api=True)}
    assert {module: by_module.get(module) for module in local} == local


def test_the_names_are_distinct_and_cover_every_queue() -> None:
    assert {spec.queue for spec in ALL_WORKERS} == set(Worker)
    assert len({spec.name for spec in ALL_WORKERS}) == len(ALL_WORKERS)


def test_each_task_definition_sets_the_worker_name(full_template: Template) -> None:
    variable = RunnerSettings.model_fields["worker_name"].validation_alias
    containers: dict[str, dict[str, Any]] = {
        container["Name"]: container
        for task in resources(full_template, "AWS::ECS::TaskDefinition").values()
        for container in task["Properties"]["ContainerDefinitions"]
    }
    # The full template deploys every worker but the import worker (it comes with the API).
    assert set(containers) == {spec.name for spec in workers(detection=True, gpu=True)}
    for name, container in containers.items():
        env = {item["Name"]: item["Value"] for item in container["Environment"]}
        assert env[variable] == name

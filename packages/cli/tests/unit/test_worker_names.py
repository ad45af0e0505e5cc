"""The local stack runs each worker under the one name its entrypoint and infra use."""

from __future__ import annotations

import importlib

import pytest

from vidpipe_aws import worker_name
from vidpipe_cli import local_stack
from vidpipe_cli.local_stack import PIPELINE_WORKERS, LocalStack, WorkerSpec


@pytest.mark.parametrize("spec", PIPELINE_WORKERS, ids=lambda s: s.name)
def test_each_spec_runs_the_entrypoint_of_its_queue(spec: WorkerSpec) -> None:
    entrypoint = importlib.import_module(f"{spec.module}.__main__")

    assert spec.queue == entrypoint.QUEUE
    assert spec.worker_name == worker_name(entrypoint.QUEUE)
    assert spec.worker_name == f"{spec.name}-worker"


@pytest.mark.parametrize("spec", PIPELINE_WORKERS, ids=lambda s: s.name)
def test_every_process_of_a_worker_gets_its_one_name(
    spec: WorkerSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A name exported in the caller's shell must not rename the worker.
    monkeypatch.setenv("WORKER_NAME", "something-else")
    stack = LocalStack()
    monkeypatch.setattr(stack, "client_env", dict)

    assert stack.worker_env(spec)["WORKER_NAME"] == worker_name(spec.queue)


def test_the_media_worker_is_the_reassembly_queues_worker() -> None:
    assert local_stack.MEDIA_WORKER.worker_name == "media-worker"
    assert local_stack.CHUNKING_WORKER.worker_name == "chunking-worker"

"""The GitHub workflows: actions pinned by commit, least permissions, the images all built."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from infra_helpers import REPO_ROOT

from vidpipe_infra import workers

SAM2_IMAGE = "video-worker-sam2"
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def _load(path: Path) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path: Path) -> None:
    for job in _load(path)["jobs"].values():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", step["uses"]), step["uses"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_default_permissions_are_read_only(path: Path) -> None:
    assert _load(path)["permissions"] == {"contents": "read"}


def test_images_are_pushed_on_tags_with_oidc_for_every_worker() -> None:
    workflow = _load(REPO_ROOT / ".github" / "workflows" / "images.yml")
    # YAML reads the bare key `on` as True.
    assert workflow[True] == {"push": {"tags": ["v*"]}}
    job = workflow["jobs"]["push"]
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    built = {entry["image"]: entry["dockerfile"] for entry in job["strategy"]["matrix"]["include"]}
    assert len(built) == len(job["strategy"]["matrix"]["include"]), "an image listed twice"
    # Every worker's image, from its own Dockerfile, and the video-worker with the sam2 plugin.
    for spec in workers(detection=True):
        assert built[spec.name] == f"packages/{spec.name}/Dockerfile"
    assert built[SAM2_IMAGE] == "packages/sam2-model/Dockerfile"
    assert built["api"] == "packages/api/Dockerfile"
    assert set(built) == {*(spec.name for spec in workers(detection=True)), SAM2_IMAGE, "api"}
    # Every image Dockerfile but the CLI's (it provisions a local stack, nothing deploys it).
    assert set(built.values()) == {
        str(path.relative_to(REPO_ROOT))
        for path in REPO_ROOT.glob("packages/*/Dockerfile")
        if path.parent.name != "cli"
    }
    assert job["steps"][-1]["with"]["file"] == "${{ matrix.dockerfile }}"
    text = yaml.safe_dump(job)
    assert "aws-access-key-id" not in text
    assert "role-to-assume" in text


def test_the_sam2_image_is_pushed_as_the_cuda_build_the_gpu_service_runs(
    full_synth: tuple[Any, Any],
) -> None:
    workflow = _load(REPO_ROOT / ".github" / "workflows" / "images.yml")
    job = workflow["jobs"]["push"]
    entries = {entry["image"]: entry for entry in job["strategy"]["matrix"]["include"]}
    assert entries[SAM2_IMAGE]["build_args"] == "TORCH_BACKEND=cu130"
    assert all("build_args" not in e for name, e in entries.items() if name != SAM2_IMAGE)
    dockerfile = (REPO_ROOT / entries[SAM2_IMAGE]["dockerfile"]).read_text(encoding="utf-8")
    assert "ARG TORCH_BACKEND=cpu" in dockerfile
    build = job["steps"][-1]
    assert build["with"]["build-args"] == "${{ matrix.build_args }}"
    # The repository it pushes to is the one the stack creates for the GPU service, and runs.
    stack, template = full_synth
    repositories = {
        res["Properties"]["RepositoryName"]: logical_id
        for logical_id, res in template.find_resources("AWS::ECR::Repository").items()
    }
    repository = repositories[f"{stack.config.prefix}/{SAM2_IMAGE}"]
    images = {
        container["Name"]: json.dumps(container["Image"])
        for task in template.find_resources("AWS::ECS::TaskDefinition").values()
        for container in task["Properties"]["ContainerDefinitions"]
    }
    assert repository in images["video-gpu-worker"]
    assert f":{stack.config.image_tag}" in images["video-gpu-worker"]

"""The worker Dockerfiles install what the test environments install, and run the worker."""

from __future__ import annotations

import re
import tomllib

import pytest
from infra_helpers import REPO_ROOT

from vidpipe_infra import CORE_WORKERS, WorkerSpec

LIB_SH = (REPO_ROOT / "scripts" / "lib.sh").read_text(encoding="utf-8")


def _dockerfile(spec: WorkerSpec) -> str:
    return (REPO_ROOT / "packages" / spec.name / "Dockerfile").read_text(encoding="utf-8")


def _internal_deps(folder: str) -> list[str]:
    pyproject = tomllib.loads(
        (REPO_ROOT / "packages" / folder / "pyproject.toml").read_text(encoding="utf-8")
    )
    return [
        dep.removeprefix("vidpipe-")
        for dep in pyproject["project"]["dependencies"]
        if dep.startswith("vidpipe-")
    ]


@pytest.mark.parametrize("spec", CORE_WORKERS, ids=lambda s: s.name)
def test_builder_installs_the_worker_like_the_test_environment(spec: WorkerSpec) -> None:
    text = _dockerfile(spec)
    install = re.search(r"uv pip install (.+?)(?:\n\n|\nFROM)", text, re.DOTALL)
    assert install is not None
    command = " ".join(install.group(1).replace("\\\n", " ").split())
    assert "--strict" in command
    assert "-c constraints.txt" in command
    assert "-e " not in command, "images install the packages, not editable links"
    assert "[test]" not in command
    installed = re.findall(r"packages/([a-z-]+)", command)
    assert installed[-1] == spec.name
    assert set(installed) == {*_internal_deps(spec.name), spec.name}
    uv_version = re.search(r"UV_VERSION=(\S+)", LIB_SH)
    assert uv_version is not None
    assert f"uv=={uv_version.group(1)}" in text


@pytest.mark.parametrize("spec", CORE_WORKERS, ids=lambda s: s.name)
def test_runtime_is_pinned_slim_non_root_and_runs_the_worker(spec: WorkerSpec) -> None:
    text = _dockerfile(spec)
    assert re.search(r"python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}", text)
    assert "ffmpeg" in text
    assert re.search(r"^USER 10001$", text, re.MULTILINE)
    assert "/health" in text and "HEALTHCHECK" in text
    assert f'CMD ["python", "-m", "{spec.module}"]' in text
    assert "torch" not in text

"""The torch projects are tested in environments holding torch's CPU build and no CUDA package.

This one is built as detection-worker's and sam2-model's are (scripts/env.sh, the same torch
source); infra's tests check that no lock names a CUDA package.
"""

from __future__ import annotations

import importlib.metadata
import re

# ultralytics' NVML binding (it asks whether a GPU is there): pure Python, no CUDA libraries.
ALLOWED = {"nvidia-ml-py"}


def test_no_cuda_package_is_installed() -> None:
    names = {
        re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        for dist in importlib.metadata.distributions()
    }
    cuda = {name for name in names if name.startswith(("nvidia-", "cuda-"))}
    assert cuda <= ALLOWED
    assert "torch" in names


def test_torch_is_a_cpu_build() -> None:
    torch_version = importlib.metadata.version("torch")
    # A CPU wheel carries the `+cpu` label; a CUDA build from PyPI has none (and needs nvidia-*).
    assert torch_version.endswith("+cpu"), torch_version

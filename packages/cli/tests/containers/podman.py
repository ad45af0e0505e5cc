"""podman, as the container lane runs it here: runc with cgroupfs, no default ulimits (see
scripts/containers.sh), every container on the host network."""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

IMAGE_TAG = "ci"


def image(folder: str) -> str:
    return f"localhost/vidpipe/{folder}:{IMAGE_TAG}"


def _containers_conf() -> Path:
    path = Path(tempfile.gettempdir()) / f"vidpipe-containers-{os.getuid()}" / "containers.conf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[containers]\ndefault_ulimits = []\n", encoding="utf-8")
    return path


def podman(
    *args: str, check: bool = True, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONTAINERS_CONF": str(_containers_conf())}
    command = ["podman", "--runtime", "runc", "--cgroup-manager", "cgroupfs", *args]
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def inspect(name: str) -> dict[str, Any]:
    data: list[dict[str, Any]] = json.loads(podman("inspect", name).stdout)
    return data[0]


def env_args(env: dict[str, str]) -> list[str]:
    args: list[str] = []
    for name, value in env.items():
        args += ["-e", f"{name}={value}"]
    return args

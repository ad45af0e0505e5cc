"""Small helpers the infra tests share (fixtures live in conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

REPO_ROOT = Path(__file__).resolve().parents[2]


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = template.find_resources(kind)
    return found


def write_template(template: Template, directory: Path) -> Path:
    path = directory / "vidpipe-stack.template.json"
    path.write_text(json.dumps(template.to_json(), indent=1), encoding="utf-8")
    return path

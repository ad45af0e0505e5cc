"""The torch workers' settings declared in infra match their real settings classes.

Their classes cannot be imported beside the CDK (torch), so each is read by its own
environment's interpreter; a checkout without that environment skips the check.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from infra_helpers import REPO_ROOT

from vidpipe_aws import WorkerSettings
from vidpipe_infra.settings_schema import DETECTION_SETTINGS, SAM2_SETTINGS

_DUMP = (
    "import importlib, json, sys; module, name = sys.argv[1].rsplit('.', 1); "
    "cls = getattr(importlib.import_module(module), name); "
    "print(json.dumps({str(f.validation_alias): repr(f.annotation) "
    "for f in cls.model_fields.values()}))"
)


@pytest.mark.parametrize(
    ("folder", "target", "declared", "inherited"),
    [
        ("sam2-model", "vidpipe_sam2.settings.Sam2Settings", SAM2_SETTINGS, set()),
        (
            "detection-worker",
            "vidpipe_detection.settings.DetectionSettings",
            DETECTION_SETTINGS,
            {str(f.validation_alias) for f in WorkerSettings.model_fields.values()},
        ),
    ],
)
def test_declared_settings_match_the_class(
    folder: str, target: str, declared: dict[str, object], inherited: set[str]
) -> None:
    python = REPO_ROOT / ".venvs" / folder / "bin" / "python"
    if not python.is_file():
        pytest.skip(f"no {folder} environment here (bash scripts/env.sh {folder})")
    out = subprocess.run(
        [str(python), "-c", _DUMP, target], capture_output=True, text=True, check=True
    ).stdout
    real = {k: v for k, v in json.loads(out).items() if k not in inherited}
    # FFMPEG_TIMEOUT_SECONDS is re-declared by the detection-worker; WorkerSettings covers it.
    real.pop("FFMPEG_TIMEOUT_SECONDS", None)
    assert real == {name: repr(kind) for name, kind in declared.items()}

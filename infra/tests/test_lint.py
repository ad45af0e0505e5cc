"""cfn-lint on the synthesized templates, hadolint on every Dockerfile."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk.assertions import Template
from cfnlint.api import ManualArgs, lint_file
from infra_helpers import REPO_ROOT, write_template

from vidpipe_infra import workers

BIN = Path(sys.executable).parent
DOCKERFILES = sorted(REPO_ROOT.glob("packages/*/Dockerfile"))


def _cfn_lint_errors(path: Path) -> list[str]:
    """cfn-lint's error-level findings (warnings and informational ones are not failures)."""
    matches = lint_file(path, config=ManualArgs())
    return [str(match) for match in matches if match.rule.severity == "error"]


@pytest.mark.parametrize("which", ["template", "full_template"])
def test_cfn_lint_finds_no_errors(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    template: Template = request.getfixturevalue(which)
    assert _cfn_lint_errors(write_template(template, tmp_path)) == []


def test_cfn_lint_does_fail_on_an_error(tmp_path: Path) -> None:
    # The check above can fail: a queue with an impossible visibility timeout is an error.
    broken = tmp_path / "broken.json"
    broken.write_text(
        '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", '
        '"Properties": {"VisibilityTimeout": 999999}}}}',
        encoding="utf-8",
    )
    assert _cfn_lint_errors(broken)


def test_every_worker_has_a_dockerfile() -> None:
    have = {path.parent.name for path in DOCKERFILES}
    assert {spec.name for spec in workers(detection=True)} <= have


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_hadolint_is_clean(dockerfile: Path) -> None:
    result = subprocess.run(
        [str(BIN / "hadolint"), "--failure-threshold", "warning", str(dockerfile)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_fail_on_a_warning(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN cd /tmp && echo hi\n", encoding="utf-8")
    result = subprocess.run(
        [str(BIN / "hadolint"), "--failure-threshold", "warning", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0

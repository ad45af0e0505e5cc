"""The stack is synthesized once per session (a synth takes seconds) and shared by the tests."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Template
from infra_helpers import REPO_ROOT

from vidpipe_infra import VidpipeStack, build_app


def _synth(context: dict[str, Any]) -> tuple[VidpipeStack, Template]:
    app = build_app(context)
    stacks = [child for child in app.node.children if isinstance(child, VidpipeStack)]
    assert len(stacks) == 1
    return stacks[0], Template.from_stack(stacks[0])


@pytest.fixture(scope="session")
def default_synth() -> tuple[VidpipeStack, Template]:
    return _synth({})


@pytest.fixture(scope="session")
def stack(default_synth: tuple[VidpipeStack, Template]) -> VidpipeStack:
    return default_synth[0]


@pytest.fixture(scope="session")
def template(default_synth: tuple[VidpipeStack, Template]) -> Template:
    return default_synth[1]


@pytest.fixture(scope="session")
def full_synth() -> tuple[VidpipeStack, Template]:
    """Every feature on, from infra/deploy.example.toml: the sam2 video-worker on GPU
    instances, detection, analysis and webhooks with their secrets."""
    return _synth({"config": str(REPO_ROOT / "infra" / "deploy.example.toml")})


@pytest.fixture(scope="session")
def full_template(full_synth: tuple[VidpipeStack, Template]) -> Template:
    return full_synth[1]

"""Fixtures of every media-worker test: a loopback Gemini API. The sample videos and the
webhook receiver come from vidpipe-test-kit's pytest plugin."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gemini_stub import GeminiStub


@pytest.fixture
def gemini_stub() -> Iterator[GeminiStub]:
    """A loopback Gemini API (see gemini_stub.py), stopped after the test."""
    with GeminiStub() as stub:
        yield stub

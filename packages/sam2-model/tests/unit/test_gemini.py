"""Text prompt -> box through the real google-genai client against a loopback stub."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from PIL import Image

from vidpipe_sam2 import Sam2Error, Sam2Settings, create_model, gemini_box_finder
from vidpipe_sam2.gemini import GeminiBoxFinder
from vidpipe_testkit import GeminiStub, Reply, error_reply, json_reply, text_reply


@pytest.fixture
def frame(tmp_path: Path) -> Path:
    path = tmp_path / "first-frame.png"
    Image.new("RGB", (200, 100), (10, 20, 30)).save(path)
    return path


def finder_for(stub: GeminiStub, attempts: int = 1) -> GeminiBoxFinder:
    settings = Sam2Settings(
        GEMINI_API_KEY="test-key",
        GEMINI_BASE_URL=stub.url,
        GEMINI_ATTEMPTS=attempts,
        GEMINI_BOX_MODEL="gemini-test",
    )
    finder = gemini_box_finder(settings)
    assert finder is not None
    return finder


def test_the_box_comes_back_in_pixels(gemini_stub: GeminiStub, frame: Path) -> None:
    gemini_stub.script(json_reply({"found": True, "box_2d": [100, 250, 600, 750]}))

    box = finder_for(gemini_stub).box_for("the red mug", frame, 200, 100)

    assert box == pytest.approx((50.0, 10.0, 150.0, 60.0))
    ((model, request),) = gemini_stub.generate_calls
    assert model == "gemini-test"
    parts = request["contents"][0]["parts"]
    image = parts[0]["inlineData"]
    # The client writes these two the protobuf-JSON way (the API accepts either spelling).
    assert image["mime_type"] == "image/png"
    assert base64.urlsafe_b64decode(image["data"]) == frame.read_bytes()
    assert "'the red mug'" in parts[1]["text"]
    assert request["generationConfig"]["responseMimeType"] == "application/json"


@pytest.mark.parametrize(
    "answer",
    [
        json_reply({"found": False}),
        text_reply("this is not JSON"),
        json_reply({"found": True, "box_2d": [1, 2, 3]}),
        json_reply({"found": True, "box_2d": [500, 500, 400, 600]}),
        error_reply(400),
    ],
    ids=["not-found", "malformed", "three-numbers", "empty-box", "refused"],
)
def test_no_usable_box_is_none(gemini_stub: GeminiStub, frame: Path, answer: Reply) -> None:
    gemini_stub.script(answer)

    assert finder_for(gemini_stub).box_for("the mug", frame, 200, 100) is None


def test_a_rate_limit_is_retried_by_the_client(gemini_stub: GeminiStub, frame: Path) -> None:
    gemini_stub.script(error_reply(429), json_reply({"found": True, "box_2d": [0, 0, 1000, 500]}))

    box = finder_for(gemini_stub, attempts=2).box_for("the mug", frame, 200, 100)

    assert box == pytest.approx((0.0, 0.0, 100.0, 100.0))
    assert len(gemini_stub.generate_calls) == 2


def test_a_server_that_stays_down_retries_the_segment(gemini_stub: GeminiStub, frame: Path) -> None:
    gemini_stub.script(then=error_reply(503))

    with pytest.raises(Sam2Error, match=r"Gemini could not find a box .*\(503\): try again"):
        finder_for(gemini_stub).box_for("the mug", frame, 200, 100)
    assert len(gemini_stub.generate_calls) == 1  # GEMINI_ATTEMPTS=1: the segment retries


def test_without_a_key_there_is_no_finder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)

    assert gemini_box_finder(Sam2Settings()) is None
    assert create_model_finder() is None


def test_with_a_key_the_model_gets_a_finder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "test-key")

    assert isinstance(create_model_finder(), GeminiBoxFinder)


def create_model_finder() -> object:
    from vidpipe_ffmpeg import DEFAULT_LIMITS

    return create_model(DEFAULT_LIMITS)._box_from_text

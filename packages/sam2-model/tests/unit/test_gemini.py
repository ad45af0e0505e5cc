"""Text prompt -> box through the real google-genai client against a loopback stub."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from gemini_stub import GeminiStub, error_answer, text_answer
from PIL import Image

from vidpipe_sam2 import Sam2Error, Sam2Settings, create_model, gemini_box_finder
from vidpipe_sam2.gemini import GeminiBoxFinder


@pytest.fixture
def stub() -> Iterator[GeminiStub]:
    server = GeminiStub()
    yield server
    server.close()


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


def test_the_box_comes_back_in_pixels(stub: GeminiStub, frame: Path) -> None:
    stub.answers.append(text_answer(json.dumps({"found": True, "box_2d": [100, 250, 600, 750]})))

    box = finder_for(stub).box_for("the red mug", frame, 200, 100)

    assert box == pytest.approx((50.0, 10.0, 150.0, 60.0))
    ((model, request),) = stub.requests
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
        text_answer(json.dumps({"found": False})),
        text_answer("this is not JSON"),
        text_answer(json.dumps({"found": True, "box_2d": [1, 2, 3]})),
        text_answer(json.dumps({"found": True, "box_2d": [500, 500, 400, 600]})),
        error_answer(400),
    ],
    ids=["not-found", "malformed", "three-numbers", "empty-box", "refused"],
)
def test_no_usable_box_is_none(
    stub: GeminiStub, frame: Path, answer: tuple[int, dict[str, object]]
) -> None:
    stub.answers.append(answer)

    assert finder_for(stub).box_for("the mug", frame, 200, 100) is None


def test_a_rate_limit_is_retried_by_the_client(stub: GeminiStub, frame: Path) -> None:
    stub.answers.extend(
        [error_answer(429), text_answer(json.dumps({"found": True, "box_2d": [0, 0, 1000, 500]}))]
    )

    box = finder_for(stub, attempts=2).box_for("the mug", frame, 200, 100)

    assert box == pytest.approx((0.0, 0.0, 100.0, 100.0))
    assert len(stub.requests) == 2


def test_a_server_that_stays_down_retries_the_segment(stub: GeminiStub, frame: Path) -> None:
    stub.answers.extend([error_answer(503)])

    with pytest.raises(Sam2Error, match=r"Gemini could not find a box .*\(503\): try again"):
        finder_for(stub).box_for("the mug", frame, 200, 100)


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

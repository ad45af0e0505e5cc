"""Analyzer with the real google-genai client against the loopback stub, on bikes.mp4."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from analysis_support import PRODUCT, SUMMARY, Sleeps, analysis_settings, stub_analyzer

from vidpipe_media import MediaSettings
from vidpipe_media.analysis import build_client, sample_frames, sample_times
from vidpipe_media.errors import AnalysisError
from vidpipe_testkit import GeminiStub, error_reply, json_reply, text_reply
from vidpipe_types import Analysis, AnalysisDepth, ProductAnalysis, SummaryAnalysis

pytestmark = pytest.mark.integration

MEDIA = {"duration": 10.0, "width": 640, "height": 272, "frame_rate": 25.0, "codec": "h264"}


def sent_parts(stub: GeminiStub, call: int = 0) -> list[dict[str, object]]:
    _, body = stub.generate_calls[call]
    contents = body["contents"]
    assert isinstance(contents, list) and len(contents) == 1
    parts = contents[0]["parts"]
    assert isinstance(parts, list)
    return parts


def test_standard_summary_sends_sampled_frames_and_returns_the_validated_result(
    gemini_stub: GeminiStub, bikes_path: Path
) -> None:
    gemini_stub.script(json_reply(SUMMARY))
    outcome = stub_analyzer(gemini_stub).analyze(bikes_path, Analysis.SUMMARY, MEDIA)

    assert isinstance(outcome.result, SummaryAnalysis)
    assert outcome.result.key_takeaways == SUMMARY["keyTakeaways"]
    assert (outcome.depth, outcome.model) == (AnalysisDepth.STANDARD, "gemini-2.5-flash")
    model, body = gemini_stub.generate_calls[0]
    assert model == "gemini-2.5-flash"
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert "keyTakeaways" in config["responseSchema"]["properties"]
    parts = sent_parts(gemini_stub)
    images = [p["inlineData"] for p in parts if "inlineData" in p]
    assert len(images) == 4
    for image in images:
        assert image["mime_type"] == "image/jpeg"
        assert base64.urlsafe_b64decode(image["data"])[:2] == b"\xff\xd8"
    texts = " ".join(str(p["text"]) for p in parts if "text" in p)
    assert "00:01, 00:03, 00:06, 00:08" in texts  # 1.25, 3.75, 6.25, 8.75 s
    assert '"width": 640' in texts


def test_standard_product_returns_catalogue_metadata(
    gemini_stub: GeminiStub, bikes_path: Path
) -> None:
    gemini_stub.script(json_reply(PRODUCT))
    outcome = stub_analyzer(gemini_stub).analyze(bikes_path, Analysis.PRODUCT, MEDIA)

    assert isinstance(outcome.result, ProductAnalysis)
    assert outcome.result.brand_info.brand_name == "Acme"
    assert outcome.result.nutrition_facts is None
    schema = gemini_stub.generate_calls[0][1]["generationConfig"]["responseSchema"]
    assert set(schema["properties"]) >= {"brand_info", "product_identity", "packaging"}


def test_a_429_is_retried_after_a_backoff(gemini_stub: GeminiStub, bikes_path: Path) -> None:
    gemini_stub.script(error_reply(429, "quota"), json_reply(SUMMARY))
    sleeps = Sleeps()
    outcome = stub_analyzer(gemini_stub, sleeps).analyze(bikes_path, Analysis.SUMMARY, MEDIA)

    assert outcome.result.model_dump(mode="json") == SUMMARY
    assert len(gemini_stub.generate_calls) == 2
    assert sleeps == [0.5]


def test_503_until_the_attempts_run_out_is_an_analysis_error(
    gemini_stub: GeminiStub, bikes_path: Path
) -> None:
    gemini_stub.script(then=error_reply(503, "overloaded"))
    sleeps = Sleeps()
    analyzer = stub_analyzer(gemini_stub, sleeps, analysis_max_attempts=4)

    with pytest.raises(AnalysisError) as caught:
        analyzer.analyze(bikes_path, Analysis.SUMMARY, MEDIA)

    assert caught.value.reason == (
        "gemini-2.5-flash generateContent failed after 4 attempt(s): 503 UNAVAILABLE: overloaded"
    )
    assert caught.value.retryable
    assert len(gemini_stub.generate_calls) == 4
    assert sleeps == [0.5, 1.0, 1.5]  # doubling, capped at ANALYSIS_BACKOFF_MAX_SECONDS


def test_a_400_is_not_retried(gemini_stub: GeminiStub, bikes_path: Path) -> None:
    gemini_stub.script(error_reply(400, "bad schema"))
    with pytest.raises(AnalysisError, match="generateContent refused: 400 INVALID_ARGUMENT"):
        stub_analyzer(gemini_stub).analyze(bikes_path, Analysis.SUMMARY, MEDIA)
    assert len(gemini_stub.generate_calls) == 1


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('{"title": "cut off', "Invalid JSON"),
        ("not json at all", "Invalid JSON"),
        ('{"title": "x", "summary": "y"}', "keyTakeaways: Field required"),
        ("[]", "output: Input should be an object"),
    ],
)
def test_malformed_output_is_a_clear_analysis_error(
    gemini_stub: GeminiStub, bikes_path: Path, text: str, problem: str
) -> None:
    gemini_stub.script(text_reply(text))
    with pytest.raises(AnalysisError) as caught:
        stub_analyzer(gemini_stub).analyze(bikes_path, Analysis.SUMMARY, MEDIA)
    assert caught.value.reason.startswith("the model's output is not a valid summary analysis: ")
    assert problem in caught.value.reason
    assert not caught.value.retryable


def test_deep_uploads_the_video_waits_until_active_and_asks_the_pro_model(
    gemini_stub: GeminiStub, bikes_path: Path
) -> None:
    gemini_stub.state.processing_polls = 2
    gemini_stub.script(json_reply(SUMMARY))
    sleeps = Sleeps()
    analyzer = stub_analyzer(gemini_stub, sleeps, analysis_depth="deep")

    outcome = analyzer.analyze(bikes_path, Analysis.SUMMARY, MEDIA)

    assert (outcome.depth, outcome.model) == (AnalysisDepth.DEEP, "gemini-2.5-pro")
    assert gemini_stub.uploaded == [bikes_path.read_bytes()]
    assert gemini_stub.state.upload_commands == ["start", "upload, finalize"]
    assert gemini_stub.state.polls == {"files/video-1": 3}  # PROCESSING twice, then ACTIVE
    assert sleeps == [2.0, 2.0, 2.0]
    model, _ = gemini_stub.generate_calls[0]
    assert model == "gemini-2.5-pro"
    file_parts = [p["fileData"] for p in sent_parts(gemini_stub) if "fileData" in p]
    assert file_parts == [
        {"file_uri": f"{gemini_stub.url}/v1beta/files/video-1", "mime_type": "video/mp4"}
    ]
    assert not any("inlineData" in p for p in sent_parts(gemini_stub))
    assert gemini_stub.state.deleted == ["files/video-1"]


def test_deep_fails_clearly_when_the_upload_cannot_be_processed(
    gemini_stub: GeminiStub, bikes_path: Path
) -> None:
    gemini_stub.state.final_file_state = "FAILED"
    analyzer = stub_analyzer(gemini_stub, analysis_depth="deep")
    with pytest.raises(AnalysisError, match="the uploaded video could not be processed"):
        analyzer.analyze(bikes_path, Analysis.PRODUCT, MEDIA)
    assert gemini_stub.generate_calls == []
    assert gemini_stub.state.deleted == ["files/video-1"]


def test_an_unreachable_api_is_retried_then_reported(bikes_path: Path) -> None:
    with GeminiStub() as stopped:
        url = stopped.url  # nothing listens there once the block ends
    settings = MediaSettings(
        gemini_api_key="k",
        gemini_base_url=url,
        analysis_max_attempts=2,
        analysis_backoff_seconds=0,
        analysis_frames=1,
    )
    client = build_client(settings)
    assert client is not None
    from vidpipe_media.analysis import Analyzer

    with pytest.raises(AnalysisError, match="failed after 2 attempt"):
        Analyzer(client, settings, sleep=Sleeps()).analyze(bikes_path, Analysis.SUMMARY, MEDIA)


def test_no_client_without_an_api_key(gemini_stub: GeminiStub) -> None:
    assert build_client(analysis_settings(gemini_stub, gemini_api_key=None)) is None
    assert build_client(analysis_settings(gemini_stub, gemini_api_key="")) is None


def test_sample_frames_are_jpegs_spread_over_the_video(bikes_path: Path) -> None:
    frames = sample_frames(bikes_path, 3, MediaSettings().ffmpeg_limits(), width=320)
    assert [f.timestamp for f in frames] == pytest.approx([1.667, 5.0, 8.333], abs=0.001)
    assert all(f.jpeg[:2] == b"\xff\xd8" for f in frames)
    assert len({f.jpeg for f in frames}) == 3
    assert [f.label for f in frames] == ["00:01", "00:05", "00:08"]


def test_sample_times() -> None:
    assert sample_times(10.0, 2) == [2.5, 7.5]
    assert sample_times(0.0, 4) == []

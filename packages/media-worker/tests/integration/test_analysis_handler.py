"""The analysis stage inside MediaHandler (real ffmpeg, the loopback Gemini stub): after the
outputs are uploaded, before `complete`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from analysis_support import SUMMARY, stub_analyzer
from media_world import OUTPUT_BUCKET, World, message

from vidpipe_media.analysis import Analyzer
from vidpipe_testkit import GeminiStub, Reply, error_reply, json_reply, text_reply
from vidpipe_types import (
    Analysis,
    AnalysisDepth,
    AnalysisDocument,
    AnalysisState,
    JobOptions,
    JobStatus,
    build_job_output_key,
)

pytestmark = pytest.mark.integration

JOB = "job-analysis"
ANALYSIS_KEY = build_job_output_key(JOB, "analysis.json")


@pytest.fixture
def world(tmp_path: Path) -> World:
    return World(tmp_path / "work", real_ffmpeg=True)


def run_job(
    world: World, segments: list[Path], analyzer: Analyzer | None, profile: Analysis | None
) -> None:
    world.ready_job(JOB, segments, JobOptions(analyze=profile))
    world.handler("worker-a", analyzer=analyzer)(message(JOB, len(segments)))


def test_a_summary_is_written_to_analysis_json_and_listed_in_the_outputs(
    world: World, bikes_segments: list[Path], gemini_stub: GeminiStub
) -> None:
    gemini_stub.script(json_reply(SUMMARY))
    run_job(world, bikes_segments, stub_analyzer(gemini_stub), Analysis.SUMMARY)

    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED
    assert job.outputs["analysis"] == ANALYSIS_KEY
    assert job.analysis is not None
    assert job.analysis.state is AnalysisState.COMPLETED
    assert (job.analysis.profile, job.analysis.depth) == (Analysis.SUMMARY, AnalysisDepth.STANDARD)
    assert (job.analysis.model, job.analysis.output_key) == ("gemini-2.5-flash", ANALYSIS_KEY)
    assert world.storage.head(OUTPUT_BUCKET, ANALYSIS_KEY).content_type == "application/json"
    raw = json.loads(world.storage.get_bytes(OUTPUT_BUCKET, ANALYSIS_KEY))
    assert raw["result"] == SUMMARY
    document = AnalysisDocument.model_validate(raw)
    assert (document.job_id, document.profile, document.model) == (
        JOB,
        Analysis.SUMMARY,
        "gemini-2.5-flash",
    )
    # The webhook names analysis.json with the other outputs.
    assert world.notifier.sent[0]["result"]["outputs"]["analysis"] == ANALYSIS_KEY
    assert list(world.work_dir.iterdir()) == []


def test_without_an_api_key_the_stage_is_skipped_and_the_job_says_so(
    world: World, bikes_segments: list[Path]
) -> None:
    run_job(world, bikes_segments, None, Analysis.PRODUCT)

    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED
    assert job.analysis is not None
    assert job.analysis.state is AnalysisState.SKIPPED
    assert job.analysis.reason == "GEMINI_API_KEY is not set"
    assert "analysis" not in job.outputs
    assert not world.storage.exists(OUTPUT_BUCKET, ANALYSIS_KEY)


def test_a_job_that_asks_no_analysis_never_calls_the_api(
    world: World, bikes_segments: list[Path], gemini_stub: GeminiStub
) -> None:
    run_job(world, bikes_segments, stub_analyzer(gemini_stub), None)

    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED
    assert job.analysis is None
    assert gemini_stub.generate_calls == []


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            error_reply(503, "overloaded"),
            "gemini-2.5-flash generateContent failed after 3 attempt(s): "
            "503 UNAVAILABLE: overloaded",
        ),
        (
            text_reply('{"title": "half'),
            "the model's output is not a valid summary analysis: output: Invalid JSON",
        ),
    ],
)
def test_a_failed_analysis_is_recorded_and_the_video_job_still_completes(
    world: World,
    bikes_segments: list[Path],
    gemini_stub: GeminiStub,
    reply: Reply,
    reason: str,
) -> None:
    gemini_stub.script(then=reply)
    run_job(world, bikes_segments, stub_analyzer(gemini_stub), Analysis.SUMMARY)

    job = world.job(JOB)
    assert job.status is JobStatus.COMPLETED
    assert set(job.outputs) == {"final", "thumbnail", "metadata"}
    assert job.analysis is not None
    assert job.analysis.state is AnalysisState.FAILED
    assert job.analysis.reason is not None and job.analysis.reason.startswith(reason)
    assert job.analysis.model == "gemini-2.5-flash"
    assert not world.storage.exists(OUTPUT_BUCKET, ANALYSIS_KEY)
    assert [event["status"] for event in world.notifier.sent] == ["completed"]


def test_the_jobs_own_depth_overrides_the_setting(
    world: World, bikes_segments: list[Path], gemini_stub: GeminiStub
) -> None:
    gemini_stub.script(json_reply(SUMMARY))
    analyzer = stub_analyzer(gemini_stub, analysis_depth="standard")
    options = JobOptions(analyze=Analysis.SUMMARY, analysis_depth=AnalysisDepth.DEEP)
    world.ready_job(JOB, bikes_segments, options)

    world.handler("worker-a", analyzer=analyzer)(message(JOB, len(bikes_segments)))

    job = world.job(JOB)
    assert job.analysis is not None and job.analysis.state is AnalysisState.COMPLETED
    assert (job.analysis.depth, job.analysis.model) == (AnalysisDepth.DEEP, "gemini-2.5-pro")
    assert len(gemini_stub.uploaded) == 1  # deep sends the whole video
    model, _ = gemini_stub.generate_calls[0]
    assert model == "gemini-2.5-pro"

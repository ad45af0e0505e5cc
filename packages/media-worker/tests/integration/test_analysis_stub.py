"""The analysis stage on real adapters (moto over HTTP), real ffmpeg and the real google-genai
client against the loopback Gemini stub: the job record in DynamoDB carries the analysis
status, and analysis.json lands in S3 beside the other outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from analysis_support import PRODUCT, SUMMARY, Sleeps, stub_analyzer
from media_stack import Stack

from vidpipe_media import MediaHandler, MediaSettings
from vidpipe_media.analysis import Analyzer
from vidpipe_testkit import GeminiStub, error_reply, json_reply
from vidpipe_types import (
    Analysis,
    AnalysisDepth,
    AnalysisState,
    Job,
    JobOptions,
    JobStatus,
    ReassemblyPayload,
    build_job_output_key,
)

pytestmark = pytest.mark.integration


def reassemble(
    stack: Stack,
    tmp_path: Path,
    source: Path,
    job_id: str,
    profile: Analysis,
    analyzer: Analyzer | None,
) -> Job:
    """Process `job_id` through the reassembly queue with this analyzer; the job afterwards."""
    total = stack.processed_job(
        job_id,
        source,
        tmp_path / "split",
        segment_seconds=3.0,
        options=JobOptions(analyze=profile),
    )
    stack.reassembly.send(
        ReassemblyPayload(
            job_id=job_id, total_segments=total, reason="completion"
        ).model_dump_json()
    )
    handler = MediaHandler(
        stack.storage,
        stack.jobs,
        stack.completions,
        MediaSettings(work_dir=tmp_path / "work", worker_id="media-1"),
        output_bucket=stack.output_bucket,
        analyzer=analyzer,
    )
    (received,) = stack.reassembly.receive(1, wait_seconds=1)
    handler(received)
    stack.reassembly.delete(received.receipt_handle)
    job = stack.jobs.get(job_id)
    assert job is not None
    return job


def test_standard_summary_lands_in_s3_and_on_the_job_record(
    stack: Stack, tmp_path: Path, bikes_path: Path, gemini_stub: GeminiStub
) -> None:
    gemini_stub.script(error_reply(429), json_reply(SUMMARY))
    sleeps = Sleeps()
    job = reassemble(
        stack,
        tmp_path,
        bikes_path,
        "job-summary",
        Analysis.SUMMARY,
        stub_analyzer(gemini_stub, sleeps),
    )

    key = build_job_output_key("job-summary", "analysis.json")
    assert job.status is JobStatus.COMPLETED
    assert job.outputs["analysis"] == key
    assert job.analysis is not None
    assert (job.analysis.state, job.analysis.output_key) == (AnalysisState.COMPLETED, key)
    assert sleeps == [0.5]
    document = json.loads(stack.storage.get_bytes(stack.output_bucket, key))
    assert document["result"] == SUMMARY
    assert (document["profile"], document["depth"]) == ("summary", "standard")


def test_deep_product_uploads_the_final_video(
    stack: Stack, tmp_path: Path, bikes_path: Path, gemini_stub: GeminiStub
) -> None:
    gemini_stub.script(json_reply(PRODUCT))
    job = reassemble(
        stack,
        tmp_path,
        bikes_path,
        "job-product",
        Analysis.PRODUCT,
        stub_analyzer(gemini_stub, analysis_depth="deep"),
    )

    assert job.status is JobStatus.COMPLETED
    assert job.analysis is not None and job.analysis.state is AnalysisState.COMPLETED
    assert (job.analysis.depth, job.analysis.model) == (AnalysisDepth.DEEP, "gemini-2.5-pro")
    final = tmp_path / "final.mp4"
    stack.storage.download_file(stack.output_bucket, job.outputs["final"], final)
    assert gemini_stub.uploaded == [final.read_bytes()]
    document = json.loads(stack.storage.get_bytes(stack.output_bucket, job.outputs["analysis"]))
    assert document["result"]["brand_info"]["brand_name"] == "Acme"


def test_503_until_failure_completes_the_job_with_the_analysis_failed(
    stack: Stack, tmp_path: Path, bikes_path: Path, gemini_stub: GeminiStub
) -> None:
    gemini_stub.script(then=error_reply(503, "overloaded"))
    job = reassemble(
        stack, tmp_path, bikes_path, "job-503", Analysis.SUMMARY, stub_analyzer(gemini_stub)
    )

    assert job.status is JobStatus.COMPLETED
    assert set(job.outputs) == {"final", "thumbnail", "metadata"}
    assert job.analysis is not None
    assert job.analysis.state is AnalysisState.FAILED
    assert job.analysis.reason == (
        "gemini-2.5-flash generateContent failed after 3 attempt(s): 503 UNAVAILABLE: overloaded"
    )
    assert len(gemini_stub.generate_calls) == 3


def test_skipped_without_a_key_is_stored_on_the_job(
    stack: Stack, tmp_path: Path, bikes_path: Path
) -> None:
    job = reassemble(stack, tmp_path, bikes_path, "job-skip", Analysis.SUMMARY, None)

    assert job.status is JobStatus.COMPLETED
    assert job.analysis is not None
    assert (job.analysis.state, job.analysis.reason) == (
        AnalysisState.SKIPPED,
        "GEMINI_API_KEY is not set",
    )

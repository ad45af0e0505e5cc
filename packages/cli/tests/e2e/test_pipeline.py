"""The whole pipeline, in separate processes against a moto server, on real sample videos.

Results are measured with ffprobe (see media.py), not taken from the pipeline's own reports.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from vidpipe_cli import LocalStack, Target, fetch_outputs, submit_file, wait_for_job
from vidpipe_testkit.frames import Encoding, assert_frame_exact
from vidpipe_types import JobArtifact, JobOptions, JobStatus, Mode, build_job_output_key

from .support import Measured, dead_letters, measure

pytestmark = pytest.mark.e2e

JOB_TIMEOUT = 180.0
# ffprobe reports durations rounded to the time base; a millisecond covers it.
ROUNDING = 0.002


def _run(stack: LocalStack, target: Target, source, job_id: str, **kwargs):
    submit_file(target, source, job_id=job_id, key=f"input/{job_id}/{source.name}", **kwargs)
    return wait_for_job(target, job_id, timeout=JOB_TIMEOUT, check=stack.check_workers)


def _check_completed(target: Target, job, source, out_dir, *, encoding: Encoding = "same") -> None:
    assert job.status is JobStatus.COMPLETED, job.error
    total = job.total_segments
    assert total is not None and total >= 1
    job_id = job.job_id

    # One completion per segment, no more, no fewer.
    indices = [c.segment_index for c in target.completions.list(job_id)]
    assert sorted(indices) == list(range(total))
    assert job.completed_segments == total

    expected = {build_job_output_key(job_id, a) for a in ("final.mp4", "thumbnail.jpg")}
    expected.add(build_job_output_key(job_id, JobArtifact.METADATA))
    assert set(job.outputs.values()) == expected
    files = {p.name: p for p in fetch_outputs(target, job_id, out_dir)}
    assert set(files) == {"final.mp4", "thumbnail.jpg", "metadata.json"}

    final = measure(files["final.mp4"])
    _check_against_source(source, files["final.mp4"], encoding=encoding)
    metadata = json.loads(files["metadata.json"].read_text())
    _check_metadata(metadata, final, files, job)
    assert metadata["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    thumbnail = measure_image_width(files["thumbnail.jpg"])
    assert thumbnail == 320

    assert dead_letters(target) == {}


def _check_against_source(source, final_path, *, encoding: Encoding = "same") -> None:
    # Frame-exact, not within a duration tolerance: every frame at the source's time, every
    # audio sample kept, geometry and (for a copy) encoding unchanged.
    assert_frame_exact(source, final_path, encoding=encoding)


def _check_metadata(metadata: dict, final: Measured, files: dict, job) -> None:
    data = files["final.mp4"].read_bytes()
    assert metadata["job_id"] == job.job_id
    assert metadata["size_bytes"] == len(data) == final.size
    assert metadata["sha256"] == hashlib.sha256(data).hexdigest()
    assert metadata["duration"] == pytest.approx(final.duration, abs=0.01)
    assert (metadata["stored_width"], metadata["stored_height"]) == (
        final.video.width,
        final.video.height,
    )
    assert metadata["codec"] == final.video.codec
    assert metadata["frame_rate"] == pytest.approx(final.video.fps, rel=1e-3)
    assert metadata["audio_codec"] == (final.audio.codec if final.audio else None)
    assert metadata["segment_count"] == job.total_segments


def measure_image_width(path) -> int:
    import subprocess

    output = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=width", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True, timeout=30,
    ).stdout  # fmt: skip
    return int(output.strip())


@pytest.mark.parametrize(
    "name",
    [
        "bikes.mp4",  # several keyframes: stream copy
        "bigbuckbunny.mp4",  # AAC audio, a single keyframe
        "carphone_pristine.mp4",  # small, 29.97 fps
    ],
)
def test_sample_video_comes_back_whole(local_stack, target, samples, tmp_path, name):
    source = samples / name
    job_id = f"e2e-{name.split('.')[0].replace('_', '-')}-{tmp_path.name[-6:]}"

    job = _run(local_stack, target, source, job_id)

    _check_completed(target, job, source, tmp_path / "out")


@pytest.mark.parametrize(
    ("case", "mode"),
    [("vfr_aac", "passthrough"), ("rotate_90", "grayscale"), ("hevc_10bit", "passthrough")],
)
def test_corpus_case_comes_back_frame_exact_end_to_end(
    local_stack, target, media_corpus, tmp_path, case, mode
):
    source = media_corpus[case]
    job_id = f"e2e-corpus-{case.replace('_', '-')}-{tmp_path.name[-6:]}"

    job = _run(local_stack, target, source, job_id, options=JobOptions(mode=Mode(mode)))

    encoding: Encoding = "same" if mode == "passthrough" else "h264-8bit"
    _check_completed(target, job, source, tmp_path / "out", encoding=encoding)


def test_two_uploads_at_once_both_complete(local_stack, target, samples, tmp_path):
    sources = {"e2e-twin-a": samples / "bikes.mp4", "e2e-twin-b": samples / "carphone_pristine.mp4"}
    suffix = tmp_path.name[-6:]
    for job_id, source in sources.items():
        submit_file(target, source, job_id=f"{job_id}-{suffix}", key=f"input/{job_id}-{suffix}.mp4")

    for job_id, source in sources.items():
        job = wait_for_job(
            target, f"{job_id}-{suffix}", timeout=JOB_TIMEOUT, check=local_stack.check_workers
        )
        _check_completed(target, job, source, tmp_path / job_id)


def test_bad_upload_fails_with_its_reason_and_the_good_one_completes(
    local_stack, target, samples, tmp_path
):
    bad = tmp_path / "notes.mp4"
    bad.write_text("these are my notes, not a video\n" * 20)
    suffix = tmp_path.name[-6:]
    bad_id, good_id = f"e2e-bad-{suffix}", f"e2e-good-{suffix}"
    submit_file(target, bad, job_id=bad_id, key=f"input/{bad_id}.mp4")
    submit_file(
        target, samples / "carphone_pristine.mp4", job_id=good_id, key=f"input/{good_id}.mp4"
    )

    failed = wait_for_job(target, bad_id, timeout=JOB_TIMEOUT, check=local_stack.check_workers)
    good = wait_for_job(target, good_id, timeout=JOB_TIMEOUT, check=local_stack.check_workers)

    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert failed.error.stage.startswith("chunking")
    assert "not a video" in failed.error.reason
    assert failed.outputs == {}
    _check_completed(target, good, samples / "carphone_pristine.mp4", tmp_path / "good")

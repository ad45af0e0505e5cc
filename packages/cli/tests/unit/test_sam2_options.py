"""The sam2 options of `vidpipe submit`, and the SAM2 video-worker of the local stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from vidpipe_cli import (
    DEFAULT_SAM2_PYTHON,
    SAM2_RANDOM_INIT_ENV,
    VIDEO_WORKER,
    UsageError,
    find_sam2_python,
    job_options,
    sam2_video_worker,
)
from vidpipe_cli.local_stack import LAUNCHER_PATH
from vidpipe_cli.main import cli
from vidpipe_types import Analysis, JobOptions, Mode, Worker

NOWHERE = ["--endpoint-url", "http://127.0.0.1:9"]


def test_prompts_become_job_options_that_round_trip_through_metadata():
    options = job_options(
        Mode.SAM2,
        analyze="summary",
        prompt_box="10,20,110.5,220",
        prompt_point=" 88,72",
        prompt_text="The Product",
    )

    assert options.mode is Mode.SAM2 and options.analyze is Analysis.SUMMARY
    assert options.prompt_box == (10, 20, 110.5, 220)
    assert options.prompt_point == (88, 72)
    assert options.prompt_text == "The Product"  # case kept: a model reads it
    assert JobOptions.from_metadata(options.to_metadata(), Mode.PASSTHROUGH) == options


@pytest.mark.parametrize(
    ("prompts", "message"),
    [
        ({"prompt_box": "10,20,5,30"}, "x2 must exceed x1"),
        ({"prompt_box": "1,2,3"}, "x1,y1,x2,y2"),
        ({"prompt_point": "-1,4"}, "non-negative"),
        ({"prompt_point": "a,b"}, "x,y"),
        ({"prompt_text": "x" * 5000}, "prompt-text"),
    ],
)
def test_bad_prompts_are_refused_with_the_workers_reason(prompts, message):
    with pytest.raises(UsageError, match=message):
        job_options(Mode.SAM2, **prompts)


def test_prompts_are_refused_for_modes_that_ignore_them():
    with pytest.raises(UsageError, match="--prompt-point only apply to --mode sam2"):
        job_options(Mode.GRAYSCALE, prompt_point="1,2")


@pytest.mark.parametrize(
    "args",
    [
        ["--mode", "sam2", "--prompt-box", "5,5,1,1"],
        ["--mode", "passthrough", "--prompt-text", "the cup"],
    ],
)
def test_submit_exits_2_on_bad_prompts_before_any_aws_call(tmp_path, args):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")

    result = CliRunner().invoke(cli, [*NOWHERE, "submit", *args, str(video)])

    assert result.exit_code == 2, result.output
    assert "error:" in result.output


def test_submit_help_lists_sam2_and_the_prompts():
    result = CliRunner().invoke(cli, ["submit", "--help"])

    assert result.exit_code == 0
    for text in ("sam2", "--prompt-box", "--prompt-point", "--prompt-text"):
        assert text in result.output


def test_the_sam2_python_is_found_in_the_nearest_folder_that_has_one(tmp_path):
    python = tmp_path / DEFAULT_SAM2_PYTHON
    python.parent.mkdir(parents=True)
    python.write_text("")
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)

    assert find_sam2_python(None, deep) == python
    assert find_sam2_python(python, tmp_path / "elsewhere") == python


def test_a_missing_sam2_python_says_how_to_build_it(tmp_path):
    with pytest.raises(UsageError, match="env.sh sam2-model"):
        find_sam2_python(None, tmp_path)
    with pytest.raises(UsageError, match="VIDPIPE_SAM2_PYTHON"):
        find_sam2_python(tmp_path / "nope" / "python", tmp_path)


def test_up_sam2_without_an_environment_exits_2(tmp_path):
    env = {"VIDPIPE_SAM2_PYTHON": str(tmp_path / "missing")}

    result = CliRunner().invoke(cli, ["up", "--sam2"], env=env)

    assert result.exit_code == 2, result.output
    assert "VIDPIPE_SAM2_PYTHON" in result.output


def test_the_sam2_worker_runs_the_video_worker_with_random_weights_unless_told_otherwise(
    tmp_path,
):
    python = tmp_path / "python"

    plain = sam2_video_worker(python, {})
    # The video-worker's code on the GPU model group's queue, where S3 routes sam2 segments.
    assert (plain.name, plain.module, plain.queue) == (
        "video-gpu",
        VIDEO_WORKER.module,
        Worker.VIDEO_GPU,
    )
    assert plain.worker_name == "video-gpu-worker"
    assert dict(plain.env) == SAM2_RANDOM_INIT_ENV
    assert plain.argv() == [str(python), str(LAUNCHER_PATH), VIDEO_WORKER.module]

    assert dict(sam2_video_worker(python, {"SAM2_IMAGE_SIZE": "512"}).env) == {
        "SAM2_ALLOW_RANDOM_INIT": "1"
    }
    assert sam2_video_worker(python, {"SAM2_CHECKPOINT": "/models/t.pt"}).env == ()
    assert VIDEO_WORKER.argv()[:3] == [sys.executable, "-m", "vidpipe_cli._launch"]


def test_the_launcher_runs_a_module_when_started_by_path(tmp_path):
    # The way another environment's python starts a worker (it has no vidpipe_cli to `-m`);
    # `json.tool` stands in for the worker module. The e2e suite runs the sam2 worker so.
    env = {**os.environ, "VIDPIPE_PARENT_PID": str(os.getpid())}

    result = subprocess.run(
        [sys.executable, str(LAUNCHER_PATH), "json.tool"],
        input='{"a": [1]}',
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"a": [1]}

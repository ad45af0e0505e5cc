"""Argument parsing: what the command line refuses before any AWS call is made."""

import pytest
from click.testing import CliRunner

from vidpipe_cli.errors import UsageError
from vidpipe_cli.main import cli
from vidpipe_cli.submit import input_key_for, new_job_id
from vidpipe_types import is_valid_job_id

# An endpoint nothing listens on: a test that reached AWS would fail loudly.
NOWHERE = ["--endpoint-url", "http://127.0.0.1:9"]


def _run(*args: str):
    return CliRunner().invoke(cli, [*NOWHERE, *args])


def test_help_lists_every_command():
    result = _run("--help")

    assert result.exit_code == 0
    for command in ("demo", "up", "submit", "status", "jobs", "fetch", "dlq", "provision", "sweep"):
        assert command in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["submit", "missing.mp4"],
        ["submit", "--mode", "sepia", "{video}"],
        ["submit", "--analyze", "everything", "{video}"],
        ["status"],
        ["jobs", "--status", "done"],
        ["fetch", "job-1"],
        ["dlq", "redrive", "--queue", "nope"],
        ["dlq", "list", "--peek", "11"],
        ["demo", "--workers-video", "0"],
        ["demo", "--video", "missing.mp4"],
        ["up", "--port", "70000"],
        ["--prefix", "Not_Valid", "jobs"],
    ],
)
def test_bad_arguments_exit_2(args, tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")

    result = _run(*[a.replace("{video}", str(video)) for a in args])

    assert result.exit_code == 2, result.output


def test_submit_refuses_a_bad_job_id_before_uploading(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")

    result = _run("submit", "--job-id", "../etc", str(video))

    assert result.exit_code == 2
    assert "invalid job id" in result.output


def test_submit_refuses_a_key_outside_input(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x")

    result = _run("submit", "--key", "segments/x.mp4", str(video))

    assert result.exit_code == 2
    assert "must be under 'input/'" in result.output


def test_input_key_defaults_to_the_file_name(tmp_path):
    assert input_key_for(tmp_path / "my clip.mp4") == "input/my clip.mp4"
    assert input_key_for(tmp_path / "a.mp4", "input/x/b.mp4") == "input/x/b.mp4"
    for bad in ("input/", "input/../a.mp4", "/input/a.mp4", "input//a.mp4"):
        with pytest.raises(UsageError):
            input_key_for(tmp_path / "a.mp4", bad)


def test_new_job_ids_are_valid_and_distinct():
    ids = {new_job_id() for _ in range(100)}

    assert len(ids) == 100
    assert all(is_valid_job_id(job_id) for job_id in ids)

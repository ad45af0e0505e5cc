import os
import subprocess
import sys

from vidpipe_cli.local_env import (
    PID_VARIABLE,
    apply_local_env,
    parse_local_env,
    read_local_env,
    remove_local_env,
    write_local_env,
)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_written_file_reads_back_while_its_process_lives(tmp_path):
    path = tmp_path / ".vidpipe" / "local.env"
    values = {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "ODD": "a b'c"}
    write_local_env(path, values)

    assert read_local_env(path) == values
    assert path.read_text().count("export ") == 3


def test_file_of_a_dead_process_is_ignored(tmp_path):
    path = tmp_path / "local.env"
    write_local_env(path, {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}, pid=_dead_pid())

    assert read_local_env(path) is None
    assert read_local_env(tmp_path / "missing.env") is None


def test_parse_accepts_plain_and_exported_lines_and_skips_junk():
    text = "# comment\nexport A='1 2'\nB=3\nnot a line\n=4\nC=\n"

    assert parse_local_env(text) == {"A": "1 2", "B": "3", "C": ""}


def test_apply_fills_only_what_is_unset_and_never_overrides_an_endpoint(tmp_path):
    path = tmp_path / "local.env"
    write_local_env(path, {"AWS_ENDPOINT_URL": "http://local:1", "AWS_REGION": "eu-west-1"})

    environ = {"AWS_REGION": "us-west-2"}
    assert apply_local_env(path, environ) is True
    assert environ == {"AWS_ENDPOINT_URL": "http://local:1", "AWS_REGION": "us-west-2"}

    pointed = {"AWS_ENDPOINT_URL": "http://elsewhere:2"}
    assert apply_local_env(path, pointed) is False
    assert pointed == {"AWS_ENDPOINT_URL": "http://elsewhere:2"}


def test_remove_only_deletes_a_file_this_process_wrote(tmp_path):
    path = tmp_path / "local.env"
    write_local_env(path, {"A": "1"}, pid=os.getppid())
    remove_local_env(path)
    assert PID_VARIABLE in path.read_text()

    write_local_env(path, {"A": "1"})
    remove_local_env(path)
    assert not path.exists()

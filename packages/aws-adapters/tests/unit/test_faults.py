"""The fault-injection hook is inert by default and fires exactly as configured."""

import multiprocessing
import os
import signal
import time
from pathlib import Path

import pytest

from vidpipe_aws.faults import fault_point


def _call_in_child(name: str, env: dict[str, str]) -> int:
    """Run fault_point in a fresh process with `env`; its exit code (negative: a signal)."""
    context = multiprocessing.get_context("fork")
    process = context.Process(target=_child, args=(name, env))
    process.start()
    process.join(10)
    assert process.exitcode is not None
    return process.exitcode


def _child(name: str, env: dict[str, str]) -> None:
    # Exactly the fault settings given: none inherited from whoever runs the tests.
    for variable in [v for v in os.environ if v.startswith("VIDPIPE_FAULT_")]:
        del os.environ[variable]
    os.environ.update(env)
    fault_point(name)


def test_inert_without_the_variable() -> None:
    assert _call_in_child("video.uploaded", {}) == 0
    assert _call_in_child("video.uploaded", {"VIDPIPE_FAULT_POINT": ""}) == 0


def test_other_points_do_not_fire() -> None:
    env = {"VIDPIPE_FAULT_POINT": "media.claimed, video.downloaded"}

    assert _call_in_child("video.uploaded", env) == 0
    assert _call_in_child("media", env) == 0  # a prefix of a point is not the point
    # The same settings do fire at a point they name (spaces around the comma allowed).
    assert _call_in_child("video.downloaded", env) == -signal.SIGKILL


def test_kill_fires_sigkill() -> None:
    code = _call_in_child("video.uploaded", {"VIDPIPE_FAULT_POINT": "a,video.uploaded"})
    assert code == -signal.SIGKILL


def test_budget_is_shared_across_processes(tmp_path: Path) -> None:
    env = {
        "VIDPIPE_FAULT_POINT": "chunking.downloaded",
        "VIDPIPE_FAULT_DIR": str(tmp_path),
        "VIDPIPE_FAULT_TIMES": "2",
    }
    codes = [_call_in_child("chunking.downloaded", env) for _ in range(4)]
    assert codes == [-signal.SIGKILL, -signal.SIGKILL, 0, 0]
    fired = sorted(p.name for p in tmp_path.iterdir())
    assert fired == ["chunking.downloaded.1", "chunking.downloaded.2"]
    pid, _when = (tmp_path / "chunking.downloaded.1").read_text().split()
    assert int(pid) > 0


def test_pause_sleeps_instead_of_killing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VIDPIPE_FAULT_POINT", "video.downloaded")
    monkeypatch.setenv("VIDPIPE_FAULT_ACTION", "pause:0.2")
    monkeypatch.setenv("VIDPIPE_FAULT_DIR", str(tmp_path))
    started = time.monotonic()
    fault_point("video.downloaded")
    fault_point("video.downloaded")  # budget of one: the second call returns at once
    assert time.monotonic() - started >= 0.2
    assert [p.name for p in tmp_path.iterdir()] == ["video.downloaded.1"]


def test_zero_chance_never_fires(tmp_path: Path) -> None:
    env = {
        "VIDPIPE_FAULT_POINT": "video.uploaded",
        "VIDPIPE_FAULT_CHANCE": "0",
        "VIDPIPE_FAULT_DIR": str(tmp_path),
    }

    assert [_call_in_child("video.uploaded", env) for _ in range(3)] == [0, 0, 0]
    assert list(tmp_path.iterdir()) == []  # no firing was even claimed
    assert _call_in_child("video.uploaded", {**env, "VIDPIPE_FAULT_CHANCE": "1"}) == -signal.SIGKILL

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vidpipe_ffmpeg import FfmpegFailedError, FfmpegPipe, FfmpegTimeoutError, ResourceLimits
from vidpipe_ffmpeg._run import file_url, run_tool, wait_for_exit


def test_timeout_kills_the_process_group(tmp_path: Path) -> None:
    marker = tmp_path / "child-survived"
    # The child spawns a grandchild in the same group; both must be gone after the timeout.
    grandchild = tmp_path / "grandchild.py"
    grandchild.write_text(f"import time; time.sleep(1); open({str(marker)!r}, 'w')")
    script = (
        f"import subprocess, sys, time; subprocess.Popen([sys.executable, {str(grandchild)!r}]);"
        "time.sleep(30)"
    )
    with pytest.raises(FfmpegTimeoutError, match="ran longer than 0.5 s"):
        run_tool([sys.executable, "-c", script], ResourceLimits(timeout_seconds=0.5))
    run_tool([sys.executable, "-c", "import time; time.sleep(1.5)"])
    assert not marker.exists()


def test_output_size_limit(tmp_path: Path) -> None:
    script = f"open({str(tmp_path / 'big')!r}, 'wb').write(b'x' * 4_000_000)"
    with pytest.raises(FfmpegFailedError, match="output size limit of 1000000 bytes"):
        run_tool([sys.executable, "-c", script], ResourceLimits(max_output_bytes=1_000_000))


def test_memory_limit() -> None:
    script = "b = bytearray(1_500_000_000)"
    with pytest.raises(FfmpegFailedError) as info:
        run_tool([sys.executable, "-c", script], ResourceLimits(memory_bytes=512 * 1024**2))
    assert "MemoryError" in info.value.stderr


def test_failure_keeps_a_bounded_stderr_tail() -> None:
    script = "import sys; sys.stderr.write('x' * 100000 + '\\nlast line\\n'); sys.exit(3)"
    with pytest.raises(FfmpegFailedError, match="exit 3.*last line") as info:
        run_tool([sys.executable, "-c", script], ResourceLimits(stderr_tail_bytes=1000))
    assert info.value.returncode == 3
    assert len(info.value.stderr) <= 1000


def test_stdout_is_returned() -> None:
    assert run_tool([sys.executable, "-c", "print('hi')"]).stdout == b"hi\n"


def test_file_url_is_absolute_and_never_an_option() -> None:
    url = file_url(Path("-i"))
    assert url.startswith("file:/") and url.endswith("/-i")


def test_processes_start_from_an_argv_list_never_a_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[tuple[object, dict[str, object]]] = []
    real_popen = subprocess.Popen

    def recording_popen(args: object, **kwargs: object) -> object:
        started.append((args, kwargs))
        return real_popen(args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "Popen", recording_popen)
    run_tool([sys.executable, "-c", "pass"])
    with FfmpegPipe([sys.executable, "-c", "pass"], writes=False) as pipe:
        assert pipe.wait() == 0
    assert len(started) == 2
    for args, kwargs in started:
        assert isinstance(args, list) and args[0] == sys.executable
        assert not kwargs.get("shell")
        assert kwargs["process_group"] == 0 and kwargs["preexec_fn"] is not None


def test_a_pipe_has_the_same_memory_and_output_size_limits(tmp_path: Path) -> None:
    memory = ResourceLimits(memory_bytes=512 * 1024**2)
    with FfmpegPipe(
        [sys.executable, "-c", "b = bytearray(1_500_000_000)"], memory, writes=False
    ) as pipe:
        assert pipe.wait() != 0
        assert "MemoryError" in pipe.failure("decoding").stderr
    script = f"open({str(tmp_path / 'big')!r}, 'wb').write(b'x' * 4_000_000)"
    size = ResourceLimits(max_output_bytes=1_000_000)
    with FfmpegPipe([sys.executable, "-c", script], size, writes=True) as pipe:
        assert pipe.wait() != 0
        error = pipe.failure("encoding")
    assert "output size limit of 1000000 bytes" in str(error)


def _sleeper(seconds: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", f"import time; time.sleep({seconds})"])


@pytest.mark.parametrize("pidfd", [True, False], ids=["pidfd", "no-pidfd"])
def test_wait_for_exit_returns_the_status_or_times_out(
    monkeypatch: pytest.MonkeyPatch, pidfd: bool
) -> None:
    if not pidfd:
        # Where the kernel or the platform has no pidfd, Popen.wait does the waiting.
        monkeypatch.setattr(os, "pidfd_open", _refuse_pidfd, raising=False)
    exits = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(7)"])
    assert wait_for_exit(exits, 30) == 7
    assert wait_for_exit(exits, 30) == 7  # already reaped: the status again
    stalls = _sleeper(30)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            wait_for_exit(stalls, 0.2)
        assert stalls.poll() is None
    finally:
        stalls.kill()
        stalls.wait()


def test_wait_for_exit_without_a_timeout_waits_to_the_end() -> None:
    assert wait_for_exit(_sleeper(0.1), None) == 0


def _refuse_pidfd(pid: int) -> int:
    raise OSError(38, "Function not implemented")

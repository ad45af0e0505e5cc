import sys
from pathlib import Path

import pytest

from vidpipe_ffmpeg import FfmpegFailedError, FfmpegTimeoutError, ResourceLimits
from vidpipe_ffmpeg._run import file_url, run_tool


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

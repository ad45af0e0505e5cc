"""`vidpipe demo` and `vidpipe up` as a person runs them: separate processes, real terminals'
worth of output, each with its own local stack."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

pytestmark = pytest.mark.e2e

COMMAND_TIMEOUT = 240


def _env(tmp_path, **extra: str) -> dict[str, str]:
    # FORCE_COLOR (whatever its value) makes rich draw for a terminal: the test reads plain text.
    skipped = ("AWS_", "VIDPIPE_", "FORCE_COLOR")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skipped)}
    # A wide terminal: rich would otherwise shorten paths and ids in tables.
    return {**env, "COLUMNS": "200", "VIDPIPE_LOCAL_ENV": str(tmp_path / "local.env"), **extra}


def _vidpipe(tmp_path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vidpipe_cli", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_demo_processes_a_video_and_stops_everything(tmp_path, samples):
    result = _vidpipe(
        tmp_path,
        "demo",
        "--video",
        str(samples / "carphone_pristine.mp4"),
        "--timeout",
        "120",
        env=_env(tmp_path),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    (job_dir,) = (tmp_path / "vidpipe-output").iterdir()
    assert {"final.mp4", "thumbnail.jpg", "metadata.json"} <= {p.name for p in job_dir.iterdir()}
    assert {p.name for p in (job_dir / "logs").iterdir()} == {
        "chunking.log",
        "video.log",
        "media.log",
    }
    assert f"job {job_dir.name} completed" in result.stdout
    assert re.search(r"final duration\s+│?\s*4\.004 s", result.stdout), result.stdout
    pids = [int(pid) for pid in re.findall(r"pid (\d+)", result.stdout)]
    assert len(pids) == 3
    assert all(_gone(pid) for pid in pids)


def _ask_the_api(up_output: str, path: str) -> object:
    """GET `path` from the API `vidpipe up` printed, with the development key it printed."""
    url = re.search(r"HTTP API at (http://127\.0\.0\.1:\d+)", up_output)
    key = re.search(r"\(tenant dev\): (vpk_\S+)", up_output)
    assert url and key, up_output
    request = urllib.request.Request(
        url.group(1) + path, headers={"Authorization": f"Bearer {key.group(1)}"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _console_page(up_output: str) -> str:
    """The web console's page at the URL `vidpipe up` printed for it."""
    url = re.search(r"Web console: (http://127\.0\.0\.1:\d+/)", up_output)
    assert url, up_output
    with urllib.request.urlopen(url.group(1), timeout=10) as response:
        return str(response.read().decode("utf-8"))


def test_up_serves_the_other_commands_until_interrupted(tmp_path, samples):
    env = _env(tmp_path)
    env_file = tmp_path / "local.env"
    log = (tmp_path / "up.log").open("w")
    up = subprocess.Popen(
        [sys.executable, "-m", "vidpipe_cli", "--prefix", "vidpipe-up", "up"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not env_file.exists():
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            assert time.monotonic() < deadline, "vidpipe up did not come up"
            time.sleep(0.2)

        # No endpoint and no prefix given: both come from the file `up` wrote.
        submitted = _vidpipe(
            tmp_path, "submit", str(samples / "carphone_pristine.mp4"), "--wait", env=env
        )
        assert submitted.returncode == 0, submitted.stdout + submitted.stderr
        job_id = submitted.stdout.strip()
        status = _vidpipe(tmp_path, "status", job_id, "--json", env=env)
        fetched = _vidpipe(tmp_path, "fetch", job_id, "out", env=env)
        dlq = _vidpipe(tmp_path, "dlq", "list", env=env)
        api_jobs = _ask_the_api((tmp_path / "up.log").read_text(), "/v1/jobs")
        console_page = _console_page((tmp_path / "up.log").read_text())
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(60)
        log.close()

    output = (tmp_path / "up.log").read_text()
    assert up.returncode == 0, output
    assert not env_file.exists()
    assert json.loads(status.stdout)["status"] == "completed"
    assert fetched.returncode == 0, fetched.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "final.mp4",
        "metadata.json",
        "thumbnail.jpg",
    ]
    assert dlq.returncode == 0 and "vidpipe-up-video-dlq" in dlq.stdout
    # The API runs beside the stack with a development key; the upload above had no tenant.
    assert api_jobs == {"jobs": [], "next_cursor": None}
    assert "<title>vidpipe console</title>" in console_page
    # Worker logs go to the terminal, each line named after its worker.
    assert re.search(rf"^media\s+\|.*{job_id}", output, re.MULTILINE), output

"""`vidpipe up --detect` + `vidpipe submit --detect --wait`: the detection-worker runs from its
own environment, the job waits for detection as well as for its video, and `status` shows each
requested stage. Real models (MediaPipe, the MobileNetV2 embedder) on a real 4 s video."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vidpipe_cli.detection_local import DEFAULT_DETECTION_PYTHON

from .test_commands import _env, _vidpipe

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[4]
DETECTION_PYTHON = REPO_ROOT / DEFAULT_DETECTION_PYTHON

if not DETECTION_PYTHON.is_file():
    pytest.skip(
        f"{DEFAULT_DETECTION_PYTHON} is missing: build it with "
        "`bash scripts/env.sh detection-worker` (scripts/test.sh builds every environment)",
        allow_module_level=True,
    )


def test_a_detect_job_waits_for_detection_and_shows_it(tmp_path, samples):
    env = _env(tmp_path, VIDPIPE_DETECTION_PYTHON=str(DETECTION_PYTHON))
    env_file = tmp_path / "local.env"
    log = (tmp_path / "up.log").open("w")
    up = subprocess.Popen(
        [sys.executable, "-m", "vidpipe_cli", "--prefix", "vidpipe-det", "up", "--detect"],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 200  # the detection models load before `up` is up
        while not env_file.exists():
            assert up.poll() is None, (tmp_path / "up.log").read_text()
            assert time.monotonic() < deadline, "vidpipe up --detect did not come up"
            time.sleep(0.5)
        submitted = _vidpipe(
            tmp_path, "submit", str(samples / "carphone_pristine.mp4"), "--detect",
            "--detect-interval", "0.5", "--tracker", "bytetrack", "--wait", env=env,
        )  # fmt: skip
        job_id = submitted.stdout.strip()
        status = _vidpipe(tmp_path, "status", job_id, env=env)
        record = _vidpipe(tmp_path, "status", job_id, "--json", env=env)
        fetched = _vidpipe(tmp_path, "fetch", job_id, "out", env=env)
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(90)
        log.close()

    output = (tmp_path / "up.log").read_text()
    assert submitted.returncode == 0, submitted.stdout + submitted.stderr + output
    # --wait returned only once detection had ended too.
    assert re.search(r"detection: completed", submitted.stderr), submitted.stderr
    job = json.loads(record.stdout)
    assert job["status"] == "completed"
    assert job["detection"]["state"] == "completed"
    assert job["options"]["detection"] == {
        "frame_interval_seconds": 0.5, "faces": True, "poses": True, "tracker": "bytetrack",
    }  # fmt: skip
    assert re.search(r"stage video\s+completed", status.stdout), status.stdout
    assert re.search(r"stage detection\s+completed", status.stdout), status.stdout
    assert fetched.returncode == 0, fetched.stderr
    detections = json.loads((tmp_path / "out" / "detections.json").read_text())
    # One sample every 0.5 s of a 4 s video, one face all along (the parts of a local stack
    # are 4 s: this video is detected in one pass).
    assert detections["frame_interval_ms"] == 500
    assert detections["summary"]["total_frames"] >= 8
    assert detections["summary"]["unique_face_tracks"] == 1
    assert re.search(rf"^detection\s+\|.*{job_id}", output, re.MULTILINE), output

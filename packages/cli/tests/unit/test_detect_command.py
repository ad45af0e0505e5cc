"""`vidpipe detect` in an environment without the detection-worker (the CLI's own)."""

import importlib.util
from pathlib import Path

from click.testing import CliRunner

from vidpipe_cli.main import cli


def test_the_cli_environment_holds_no_detection_models() -> None:
    # torch and MediaPipe stay in the detection-worker's environment.
    assert importlib.util.find_spec("vidpipe_detection") is None
    assert importlib.util.find_spec("torch") is None


def test_detect_explains_where_to_run_when_the_models_are_absent(tmp_path: Path) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not inspected")
    result = CliRunner().invoke(cli, ["detect", str(video)])
    assert result.exit_code == 1
    assert "vidpipe-detect" in " ".join(result.output.split())
    assert not (tmp_path / "clip.mp4.detections.json").exists()

"""ultralytics, imported once and kept offline.

Without YOLO_OFFLINE it resolves DNS at import and may try to download assets or fonts; without
YOLO_CONFIG_DIR it writes its settings file into the home folder. torchvision must be usable
before the import (see `vidpipe_torch_compat`).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from functools import cache
from pathlib import Path
from typing import Any

from vidpipe_torch_compat import ensure_torchvision


@cache
def ultralytics_module() -> Any:
    os.environ.setdefault("YOLO_OFFLINE", "1")
    os.environ.setdefault("YOLO_VERBOSE", "False")
    if "YOLO_CONFIG_DIR" not in os.environ:
        config_dir = Path(tempfile.gettempdir()) / "vidpipe-ultralytics"
        config_dir.mkdir(parents=True, exist_ok=True)
        os.environ["YOLO_CONFIG_DIR"] = str(config_dir)
    ensure_torchvision()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import ultralytics

    return ultralytics

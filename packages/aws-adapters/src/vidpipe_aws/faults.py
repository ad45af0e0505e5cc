"""Opt-in fault injection for the reliability tests: does nothing unless VIDPIPE_FAULT_POINT is set.

Workers name the moments worth breaking with `fault_point("video.uploaded")`; the fault suite
and `bench/report_reliability.py` choose which of them fire through the environment:

- `VIDPIPE_FAULT_POINT`: comma-separated point names (unset or empty: every call returns at once).
- `VIDPIPE_FAULT_ACTION`: `kill` (default: SIGKILL this process, as an OOM kill or a lost host
  would) or `pause:SECONDS` (sleep, to hold a handler in the middle of its work).
- `VIDPIPE_FAULT_DIR` and `VIDPIPE_FAULT_TIMES` (default 1): with a directory, a point fires at
  most TIMES times over every process sharing it, restarts included; each firing leaves a
  file `<point>.<n>` there (pid and time) for the test to read. Without it, it fires every time.
- `VIDPIPE_FAULT_CHANCE` (default 1): the probability that an eligible call fires.

Never set these in a deployment.
"""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

FAULT_POINT_VARIABLE = "VIDPIPE_FAULT_POINT"


def fault_point(name: str) -> None:
    """Fire the fault configured for `name`, if any; see the module docstring."""
    chosen = os.environ.get(FAULT_POINT_VARIABLE, "")
    if not chosen or name not in {part.strip() for part in chosen.split(",")}:
        return
    if random.random() >= float(os.environ.get("VIDPIPE_FAULT_CHANCE", "1")):
        return
    if not _claim(name):
        return
    action = os.environ.get("VIDPIPE_FAULT_ACTION", "kill")
    if action.startswith("pause:"):
        time.sleep(float(action.removeprefix("pause:")))
        return
    os.kill(os.getpid(), signal.SIGKILL)


def _claim(name: str) -> bool:
    directory = os.environ.get("VIDPIPE_FAULT_DIR")
    if not directory:
        return True
    for n in range(1, int(os.environ.get("VIDPIPE_FAULT_TIMES", "1")) + 1):
        try:
            # O_EXCL: one process wins each firing, even with several workers racing.
            fd = os.open(Path(directory) / f"{name}.{n}", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            continue
        os.write(fd, f"{os.getpid()} {time.time():.3f}\n".encode())
        os.close(fd)
        return True
    return False

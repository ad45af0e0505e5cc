"""Start a worker module as `__main__`, tied to the life of the vidpipe process that started it.

`python -m vidpipe_cli._launch vidpipe_chunking` behaves like `python -m vidpipe_chunking`,
except that on Linux the kernel sends the worker SIGTERM when its parent dies. Workers run in
their own session (so a Ctrl-C reaches only the CLI, which then stops them in order); without
this a killed CLI would leave them polling an endpoint that no longer exists.

An interpreter of another environment (the video-worker with a model plugin and torch) has no
vidpipe_cli: it runs this file by path, `python .../_launch.py vidpipe_video`. The launcher
therefore needs only the standard library, and the file beside it.
"""

from __future__ import annotations

import ctypes
import os
import runpy
import signal
import sys
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def _parent_pid_variable() -> str:
    if __package__:
        from vidpipe_cli._launch_env import PARENT_PID_VARIABLE

        return PARENT_PID_VARIABLE
    names = runpy.run_path(str(Path(__file__).with_name("_launch_env.py")))
    return str(names["PARENT_PID_VARIABLE"])


def _forget_own_folder() -> None:
    """Run by path, Python puts this file's folder first on sys.path: the CLI's modules must
    not shadow what the worker imports."""
    if (
        not __package__
        and sys.path
        and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent
    ):
        del sys.path[0]


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    # The parent may have died before prctl ran: then no signal will ever come.
    expected = os.environ.get(_parent_pid_variable(), "")
    if expected.isdigit() and os.getppid() != int(expected):
        raise SystemExit(0)


def main(argv: list[str]) -> None:
    if len(argv) != 2:
        raise SystemExit("usage: python -m vidpipe_cli._launch <worker module>")
    _die_with_parent()
    _forget_own_folder()
    module = argv[1]
    sys.argv = [module]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv)

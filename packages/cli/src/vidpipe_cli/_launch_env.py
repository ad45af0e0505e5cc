"""Names shared by the local stack and the worker launcher, in a module that imports nothing,
so that `python -m vidpipe_cli._launch` does not import the launcher twice."""

#: The pid of the vidpipe process that started a worker; the launcher checks it is still alive.
PARENT_PID_VARIABLE = "VIDPIPE_PARENT_PID"
LAUNCHER_MODULE = "vidpipe_cli._launch"

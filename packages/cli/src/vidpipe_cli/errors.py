"""The CLI's errors. `main` turns each into one line on stderr and an exit status."""

from __future__ import annotations


class VidpipeCliError(Exception):
    """Root of the CLI's errors; the message says what failed and what to do."""

    exit_code = 1


class UsageError(VidpipeCliError):
    """A command was given something it cannot use (a missing file, a bad key or job id)."""

    exit_code = 2


class StackNotFoundError(VidpipeCliError):
    """The resources of the stack are not where the settings point."""


class JobNotFoundError(VidpipeCliError):
    """No job record has this id."""


class LocalStackError(VidpipeCliError):
    """The embedded local stack could not start, or one of its workers died."""


class WorkerExitedError(LocalStackError):
    """A worker process of the local stack exited while it should be running."""


class JobTimeoutError(VidpipeCliError):
    """A followed job did not finish in time; the message names the stage it was in."""

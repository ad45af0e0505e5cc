"""The single place where ffmpeg and ffprobe processes are started.

Uploads are untrusted, so every run gets: an argv list (never a shell), ``-protocol_whitelist
file,pipe`` so no input can reach the network or another protocol, a format allow-list on its
inputs (see ``formats``), a wall-clock limit that kills the whole process group, an address-space
limit and a maximum output file size, and bounded capture of stderr for error messages.
``run_tool`` runs a command to its end; ``FfmpegPipe`` streams raw frames into or out of one.
The argv lists come from ``commands`` (ffmpeg-python builds them; it never runs them).
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pydantic import BaseModel, ConfigDict, Field

from vidpipe_ffmpeg.errors import FfmpegFailedError, FfmpegTimeoutError

PROTOCOL_WHITELIST = "file,pipe"
_GIB = 1024**3


class ResourceLimits(BaseModel):
    """Limits applied to each ffmpeg/ffprobe process."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    timeout_seconds: float = Field(default=600.0, gt=0)
    memory_bytes: int = Field(default=4 * _GIB, gt=0)
    max_output_bytes: int = Field(default=16 * _GIB, gt=0)
    max_stdout_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    stderr_tail_bytes: int = Field(default=16 * 1024, gt=0)
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"


DEFAULT_LIMITS = ResourceLimits()


@dataclass(frozen=True)
class ToolOutput:
    stdout: bytes
    stderr: str


def file_url(path: Path) -> str:
    """An absolute ``file:`` URL, so a name like ``-x`` or ``http:foo`` is never read as an
    option or another protocol."""
    return "file:" + str(Path(path).resolve())


def _limit_child(memory_bytes: int, max_output_bytes: int) -> None:
    # Runs in the child between fork and exec: keep it to setrlimit calls only.
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_output_bytes, max_output_bytes))


def wait_for_exit(proc: subprocess.Popen[bytes], timeout: float | None) -> int:
    """``proc.wait(timeout)``, woken by the exit itself.

    ``Popen.wait`` with a timeout polls ``waitpid`` between sleeps that grow to 50 ms, so every
    run ended tens of ms after its process did (measured: 35-45 ms per ffprobe call,
    ``bench/bench_ffmpeg_runner.py``). A pidfd becomes readable the moment the process exits;
    where there is none (not Linux, a kernel before 5.3, a sandbox refusing the call) this falls
    back to ``Popen.wait``. Raises ``subprocess.TimeoutExpired`` as ``Popen.wait`` does.
    """
    if timeout is None or proc.poll() is not None:
        return proc.wait()
    pidfd = _open_pidfd(proc.pid)
    if pidfd is None:
        return proc.wait(timeout=timeout)
    try:
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        # The child is not reaped until `proc.wait` below, so the pid cannot be reused meanwhile.
        if not poller.poll(max(0, int(timeout * 1000) + 1)):
            raise subprocess.TimeoutExpired(proc.args, timeout)
    finally:
        os.close(pidfd)
    return proc.wait()


def _open_pidfd(pid: int) -> int | None:
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        return int(pidfd_open(pid))
    except OSError:
        return None


def _tail(handle: IO[bytes], limit: int) -> bytes:
    handle.seek(0, os.SEEK_END)
    size = handle.tell()
    handle.seek(max(0, size - limit))
    return handle.read()


def _read_stdout(handle: IO[bytes], limit: int, argv0: str) -> bytes:
    handle.seek(0, os.SEEK_END)
    if handle.tell() > limit:
        raise FfmpegFailedError(f"{argv0} wrote more than {limit} bytes to stdout")
    handle.seek(0)
    return handle.read()


def run_tool(argv: list[str], limits: ResourceLimits = DEFAULT_LIMITS) -> ToolOutput:
    """Run ``argv`` (ffmpeg or ffprobe, already carrying its whitelists) under ``limits``.

    Raises ``FfmpegTimeoutError`` when it runs too long and ``FfmpegFailedError`` on a non-zero
    exit; the caller turns known stderr messages into ``InvalidMediaError``.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # Files rather than pipes: no deadlock on a chatty process, and only a tail is kept.
        proc = subprocess.Popen(  # noqa: S603 - argv list built by this package, no shell
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            process_group=0,
            preexec_fn=lambda: _limit_child(limits.memory_bytes, limits.max_output_bytes),
            env={**os.environ, "MALLOC_ARENA_MAX": "2", "AV_LOG_FORCE_NOCOLOR": "1"},
        )
        try:
            returncode = wait_for_exit(proc, limits.timeout_seconds)
        except subprocess.TimeoutExpired as exc:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise FfmpegTimeoutError(
                f"{Path(argv[0]).name} ran longer than {limits.timeout_seconds:g} s and was killed",
                timeout_seconds=limits.timeout_seconds,
            ) from exc
        stderr = _tail(err, limits.stderr_tail_bytes).decode("utf-8", "replace")
        name = Path(argv[0]).name
        if returncode != 0:
            raise FfmpegFailedError(
                _failure_message(name, returncode, stderr, limits),
                returncode=returncode,
                stderr=stderr,
            )
        return ToolOutput(_read_stdout(out, limits.max_stdout_bytes, name), stderr)


class FfmpegPipe:
    """One ffmpeg process that streams through a pipe: frames written to ``stdin``
    (``writes=True``) or read from ``stdout``; use as a context manager (leaving kills it).

    The sandbox of ``run_tool`` (an argv list, no shell, its own process group, ``RLIMIT_AS`` and
    ``RLIMIT_FSIZE``, stderr in a file of which a tail is kept) but no wall-clock limit while it
    streams: the pace is the caller's (a model may take seconds a frame), so the caller bounds
    the end with ``wait(timeout)`` or relies on its own deadline (a queue's visibility timeout).
    """

    def __init__(
        self, argv: list[str], limits: ResourceLimits = DEFAULT_LIMITS, *, writes: bool
    ) -> None:
        # A file, not a pipe: a chatty ffmpeg never blocks on it; closed in `kill`.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._limits = limits
        self._name = Path(argv[0]).name
        self.proc = subprocess.Popen(  # noqa: S603 - argv list built by this package, no shell
            argv,
            stdin=subprocess.PIPE if writes else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL if writes else subprocess.PIPE,
            stderr=self._stderr,
            process_group=0,
            preexec_fn=lambda: _limit_child(limits.memory_bytes, limits.max_output_bytes),
            env={**os.environ, "MALLOC_ARENA_MAX": "2", "AV_LOG_FORCE_NOCOLOR": "1"},
        )

    def __enter__(self) -> FfmpegPipe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()

    @property
    def stdin(self) -> IO[bytes]:
        if self.proc.stdin is None:
            raise FfmpegFailedError(f"{self._name} was not opened for writing")
        return self.proc.stdin

    @property
    def stdout(self) -> IO[bytes]:
        if self.proc.stdout is None:
            raise FfmpegFailedError(f"{self._name} was not opened for reading")
        return self.proc.stdout

    def close_stdin(self) -> None:
        """End of input: ffmpeg finishes the file."""
        stdin = self.proc.stdin
        if stdin is not None and not stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                stdin.close()

    def wait(self, timeout: float | None = None) -> int:
        """The exit status; past ``timeout`` the process group is killed and
        ``FfmpegTimeoutError`` raised."""
        try:
            return wait_for_exit(self.proc, timeout)
        except subprocess.TimeoutExpired as exc:
            self.kill()
            raise FfmpegTimeoutError(
                f"{self._name} did not finish within {timeout:g} s and was killed",
                timeout_seconds=float(timeout or 0),
            ) from exc

    def failure(self, what: str) -> FfmpegFailedError:
        """The error for a failed run, with the tail of its stderr (call after it exited)."""
        stderr = _tail(self._stderr, self._limits.stderr_tail_bytes).decode("utf-8", "replace")
        returncode = self.proc.returncode
        if returncode is not None and (returncode < 0 or "File too large" in stderr):
            # The size limit or a signal: `run_tool`'s wording.
            detail = _failure_message(self._name, returncode, stderr, self._limits)
        else:
            detail = f"exit {returncode}: {last_error_line(stderr) or 'no message'}"
        return FfmpegFailedError(
            f"{self._name} {what} failed ({detail})", returncode=returncode, stderr=stderr
        )

    def kill(self) -> None:
        """Stop it (if still running) and release its pipes and stderr file; idempotent."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()
        if not self._stderr.closed:
            self._stderr.close()


def _failure_message(name: str, returncode: int, stderr: str, limits: ResourceLimits) -> str:
    # ffmpeg dies of SIGXFSZ; a process that ignores it gets EFBIG ("File too large").
    if returncode == -signal.SIGXFSZ or "File too large" in stderr:
        return f"{name} exceeded the output size limit of {limits.max_output_bytes} bytes"
    if returncode < 0:
        return f"{name} was killed by signal {-returncode}"
    last = last_error_line(stderr)
    return f"{name} failed (exit {returncode}): {last}" if last else f"{name} failed ({returncode})"


def last_error_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""

"""Frames in and out of ffmpeg through pipes: a segment is streamed, never held whole.

The same safety as `vidpipe_ffmpeg`: an argv list (no shell), inputs limited to files and to
the allowed containers, an address-space limit on each process, stderr kept for the message.
There is no wall-clock limit here: the pace is the model's (seconds per frame on a CPU), and a
stuck segment is bounded by the worker's visibility timeout instead.
"""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np

from vidpipe_ffmpeg import FfmpegFailedError, ResourceLimits
from vidpipe_ffmpeg.formats import READ_FORMAT_WHITELIST

if TYPE_CHECKING:
    from collections.abc import Iterator

    from numpy.typing import NDArray

#: x264 with 4:2:0 needs even sizes: frames are decoded with an odd last row/column dropped.
EVEN_SIZE_FILTER = "crop=trunc(iw/2)*2:trunc(ih/2)*2"
X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
MP4_AUDIO_CODECS = frozenset({"aac", "mp3", "ac3", "eac3", "alac", "opus", "flac"})


def _file_url(path: Path) -> str:
    # An absolute file: URL: a name like `-x` or `http:foo` is never an option or a protocol.
    return "file:" + str(Path(path).resolve())


def _input(path: Path) -> list[str]:
    return ["-protocol_whitelist", "file,pipe", "-format_whitelist", READ_FORMAT_WHITELIST,
            "-i", _file_url(path)]  # fmt: skip


def _limit_child(memory_bytes: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


class _Pipe:
    """One ffmpeg process with a pipe on stdin or stdout and its stderr in a temporary file."""

    def __init__(self, argv: list[str], limits: ResourceLimits, *, writes: bool) -> None:
        # A file, not a pipe: a chatty ffmpeg never blocks on it; closed in `kill`.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._limits = limits
        self.proc = subprocess.Popen(  # noqa: S603 - argv built here, no shell
            argv,
            stdin=subprocess.PIPE if writes else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL if writes else subprocess.PIPE,
            stderr=self._stderr,
            process_group=0,
            preexec_fn=lambda: _limit_child(limits.memory_bytes),
            env={**os.environ, "MALLOC_ARENA_MAX": "2", "AV_LOG_FORCE_NOCOLOR": "1"},
        )

    def failure(self, what: str) -> FfmpegFailedError:
        self._stderr.seek(0, os.SEEK_END)
        size = self._stderr.tell()
        self._stderr.seek(max(0, size - self._limits.stderr_tail_bytes))
        stderr = self._stderr.read().decode("utf-8", "replace").strip()
        last = stderr.splitlines()[-1] if stderr else "no message"
        return FfmpegFailedError(
            f"ffmpeg {what} failed (exit {self.proc.returncode}): {last}",
            returncode=self.proc.returncode,
            stderr=stderr,
        )

    def kill(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                with contextlib.suppress(BrokenPipeError):
                    stream.close()
        self._stderr.close()


class FrameReader:
    """The video frames of `src` as RGB arrays (height, width, 3), one at a time, in order.

    `width` and `height` are the decoded (even, rotation applied) size. Use as a context
    manager; leaving early kills ffmpeg.
    """

    def __init__(self, src: Path, width: int, height: int, limits: ResourceLimits) -> None:
        self.width, self.height = width, height
        argv = [limits.ffmpeg, "-hide_banner", "-nostdin", "-v", "error", *_input(src),
                "-map", "0:v:0", "-vf", EVEN_SIZE_FILTER, "-fps_mode", "passthrough",
                "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]  # fmt: skip
        self._pipe = _Pipe(argv, limits, writes=False)

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pipe.kill()

    def __iter__(self) -> Iterator[NDArray[np.uint8]]:
        stdout = self._pipe.proc.stdout
        assert stdout is not None
        size = self.width * self.height * 3
        while True:
            data = stdout.read(size)
            if len(data) < size:
                break
            yield np.frombuffer(data, dtype=np.uint8).reshape(self.height, self.width, 3)
        if self._pipe.proc.wait() != 0:
            raise self._pipe.failure("decoding")


class FrameWriter:
    """An MP4 at `dst` (libx264, yuv420p) from RGB frames written one at a time, with the
    audio of `audio_from` (copied when MP4 can carry it, else AAC)."""

    def __init__(
        self,
        dst: Path,
        *,
        width: int,
        height: int,
        fps: float,
        audio_from: Path,
        audio_codec: str | None,
        limits: ResourceLimits,
    ) -> None:
        self._size = (height, width, 3)
        audio = ["-map", "1:a:0?"]
        if audio_codec is not None:
            audio += ["-c:a", "copy"] if audio_codec in MP4_AUDIO_CODECS else ["-c:a", "aac"]
        argv = [limits.ffmpeg, "-hide_banner", "-nostdin", "-y", "-v", "error",
                "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}",
                "-framerate", f"{fps:.6g}", "-i", "pipe:0", *_input(audio_from),
                "-map", "0:v:0", *audio, *X264, "-map_chapters", "-1",
                "-movflags", "+faststart", _file_url(dst)]  # fmt: skip
        self._pipe = _Pipe(argv, limits, writes=True)
        self.frames_written = 0

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        self._pipe.kill()

    def write(self, frame: NDArray[np.uint8]) -> None:
        if frame.shape != self._size or frame.dtype != np.uint8:
            raise ValueError(f"frame of shape {frame.shape} {frame.dtype}, want {self._size} uint8")
        stdin = self._pipe.proc.stdin
        assert stdin is not None
        try:
            stdin.write(np.ascontiguousarray(frame).tobytes())
        except BrokenPipeError:
            self._pipe.proc.wait()
            raise self._pipe.failure("encoding") from None
        self.frames_written += 1

    def close(self) -> None:
        """Finish the file; raises FfmpegFailedError when ffmpeg did not."""
        stdin = self._pipe.proc.stdin
        if stdin is not None and not stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                stdin.close()
        if self._pipe.proc.wait() != 0:
            raise self._pipe.failure("encoding")

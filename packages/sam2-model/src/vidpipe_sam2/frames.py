"""Frames in and out of ffmpeg through pipes: a segment is streamed, never held whole.

Both command lines come from `vidpipe_ffmpeg` (`decode_frames_command`,
`encode_frames_command`, built with ffmpeg-python) and run in its `FfmpegPipe`: an argv list (no
shell), inputs limited to files and to the allowed containers, address-space and file-size
limits on each process, stderr kept for the message. There is no wall-clock limit here: the
pace is the model's (seconds per frame on a CPU), and a stuck segment is bounded by the worker's
visibility timeout instead.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

import numpy as np

from vidpipe_ffmpeg import FfmpegPipe, decode_frames_command, encode_frames_command

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from numpy.typing import NDArray

    from vidpipe_ffmpeg import ResourceLimits


class FrameReader:
    """The video frames of `src` as RGB arrays (height, width, 3), one at a time, in order.

    `width` and `height` are the decoded (even, rotation applied) size. Use as a context
    manager; leaving early kills ffmpeg.
    """

    def __init__(self, src: Path, width: int, height: int, limits: ResourceLimits) -> None:
        self.width, self.height = width, height
        argv = decode_frames_command(src, pix_fmt="rgb24", limits=limits)
        self._pipe = FfmpegPipe(argv, limits, writes=False)

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pipe.kill()

    def __iter__(self) -> Iterator[NDArray[np.uint8]]:
        stdout = self._pipe.stdout
        size = self.width * self.height * 3
        while True:
            data = stdout.read(size)
            if len(data) < size:
                break
            yield np.frombuffer(data, dtype=np.uint8).reshape(self.height, self.width, 3)
        if self._pipe.wait() != 0:
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
        argv = encode_frames_command(
            dst,
            width=width,
            height=height,
            fps=fps,
            pix_fmt="rgb24",
            audio_from=audio_from,
            audio_codec=audio_codec,
            limits=limits,
        )
        self._pipe = FfmpegPipe(argv, limits, writes=True)
        self.frames_written = 0

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        try:
            if exc_type is None:
                self.close()
        finally:
            self._pipe.kill()

    def write(self, frame: NDArray[np.uint8]) -> None:
        if frame.shape != self._size or frame.dtype != np.uint8:
            raise ValueError(f"frame of shape {frame.shape} {frame.dtype}, want {self._size} uint8")
        try:
            self._pipe.stdin.write(np.ascontiguousarray(frame).tobytes())
        except BrokenPipeError:
            self._pipe.wait()
            raise self._pipe.failure("encoding") from None
        self.frames_written += 1

    def close(self) -> None:
        """Finish the file; raises FfmpegFailedError when ffmpeg did not."""
        with contextlib.suppress(BrokenPipeError):
            self._pipe.close_stdin()
        if self._pipe.wait() != 0:
            raise self._pipe.failure("encoding")

"""What a segment model is: a name, a one-time load, and a file-to-file transform.

Adding a model (SAM2, say) means writing one SegmentModel subclass and registering one
instance of it in `vidpipe_video.models.catalogue`; the handler, the settings and the
entrypoint stay as they are. The mode must also exist in `vidpipe_types.Mode`, since segment
keys carry it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_ffmpeg import ProbeResult
    from vidpipe_types import JobOptions


@dataclass(frozen=True)
class Artifact:
    """An extra file a model produced beside its output segment (a frame crop, a mask)."""

    key: str
    path: Path
    content_type: str


@dataclass
class SegmentContext:
    """What a model knows about the segment it processes.

    `work_dir` is a private scratch folder for this segment, removed after the message; write
    temporary files there, never beside `src`. Extra outputs are added with `add_artifact`
    (keys built with `vidpipe_types` builders, e.g. `build_frame_key`): the handler uploads
    them to the output bucket before it records the segment as complete.

    `output_probe`: a model that already knows its output's probe (passthrough: the output is
    a byte copy of the input it probed) sets it; otherwise the handler probes the output. Its
    frame count travels with the segment's completion, so reassembly does not probe again.
    """

    job_id: str
    segment_index: int
    total_segments: int
    mode: str
    options: JobOptions
    work_dir: Path
    artifacts: list[Artifact] = field(default_factory=list)
    output_probe: ProbeResult | None = None

    def add_artifact(self, key: str, path: Path, content_type: str) -> None:
        self.artifacts.append(Artifact(key=key, path=path, content_type=content_type))


class SegmentModel(ABC):
    """One processing mode.

    `load` runs once per process, at start-up, before any message is taken: put slow work
    (weights, warm-up) there. `process` may then run on several handler threads at once
    (MAX_CONCURRENT_JOBS): a model that is not thread-safe guards itself with a lock.

    `process` reads the segment at `src` and writes an MP4 at `dst`, working on files (never
    whole videos in memory). It raises `vidpipe_ffmpeg.InvalidMediaError` or
    `SegmentRejectedError` when the input can never be processed (the job fails with the
    reason); any other exception is retried by the runner.
    """

    #: The mode this model implements: a `vidpipe_types.Mode` value, as segment keys carry it.
    name: ClassVar[str]

    def load(self) -> None:  # noqa: B027 - optional hook: models without weights need nothing
        """Load weights and warm up; called once per process before the first `process`."""

    @abstractmethod
    def process(self, src: Path, dst: Path, context: SegmentContext) -> None: ...

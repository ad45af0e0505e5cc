"""The file work of one reassembly: fetch the processed segments and join them.

Everything happens on local disk in a directory the caller owns: segments are streamed down
from storage and joined by stream copy (through a `MediaTools`), and the joined video is
checked to hold every frame of its segments.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from vidpipe_aws import NotFoundError, emit_metric
from vidpipe_ffmpeg import FfmpegFailedError, InvalidMediaError
from vidpipe_media.errors import BadSegmentError, SegmentsIncompleteError
from vidpipe_types import parse_s3_uri

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path

    from vidpipe_aws import ObjectStorage, SegmentCompletionStore
    from vidpipe_ffmpeg import ProbeResult
    from vidpipe_media.tools import MediaTools
    from vidpipe_types import SegmentCompletion

logger = logging.getLogger(__name__)

#: The `Worker` dimension of this worker's metrics, as the runner sets it.
WORKER = "media-worker"
#: Segment downloads and probes run this many at a time: each is mostly waiting (on S3, or on
#: an ffprobe process starting), so a job of many segments no longer pays them one by one.
PARALLEL_STEPS = 8

_T = TypeVar("_T")
_R = TypeVar("_R")


@dataclass(frozen=True)
class JoinedVideo:
    """The joined video on local disk and its probe (taken after the join was checked)."""

    final: Path
    probe: ProbeResult


def completions_in_order(
    completions: SegmentCompletionStore, job_id: str, total: int
) -> list[SegmentCompletion]:
    """The completion of every index 0..total-1, in order (the store pages through them).

    SegmentsIncompleteError when any is missing. A record with an index at or beyond `total`
    cannot belong to this split of the job; it is ignored with a warning.
    """
    by_index = {c.segment_index: c for c in completions.list(job_id)}
    extra = sorted(i for i in by_index if i >= total)
    if extra:
        logger.warning("ignoring completions beyond total %d of job %s: %s", total, job_id, extra)
    missing = [i for i in range(total) if i not in by_index]
    if missing:
        raise SegmentsIncompleteError(job_id, missing)
    return [by_index[i] for i in range(total)]


def download_segments(
    storage: ObjectStorage, completions: Sequence[SegmentCompletion], directory: Path
) -> list[Path]:
    """Stream each completion's output segment to `directory` (several at a time); the
    paths in index order. A missing segment raises BadSegmentError for the lowest index."""
    directory.mkdir(parents=True, exist_ok=True)

    def download(completion: SegmentCompletion) -> Path:
        bucket, key = parse_s3_uri(completion.output_s3_uri)
        target = directory / f"{completion.segment_index:05d}.mp4"
        try:
            storage.download_file(bucket, key, target)
        except NotFoundError as exc:
            raise BadSegmentError(
                f"{completion.output_s3_uri} does not exist", index=completion.segment_index
            ) from exc
        return target

    return _in_parallel(download, completions)


def join_segments(
    segments: Sequence[Path],
    final: Path,
    tools: MediaTools,
    completions: Sequence[SegmentCompletion] = (),
) -> JoinedVideo:
    """Concatenate without re-encoding into `final` and check that no frame was lost.

    `completions` (in the segments' order): each segment's frames and start as the
    video-worker probed its output; only when one is missing are the segments probed here.
    BadSegmentError names a segment that is not a whole video.
    """
    known = len(completions) == len(segments) and all(
        c.frame_count is not None and c.start_time is not None for c in completions
    )
    expected: list[int | None]
    starts: list[float] | None
    if known:
        expected = [c.frame_count for c in completions]
        starts = [c.start_time for c in completions if c.start_time is not None]
    else:
        probes = _in_parallel(
            lambda indexed: _probe_segment(indexed[0], indexed[1], tools), enumerate(segments)
        )
        expected = [p.video.frame_count if p.video else None for p in probes]
        starts = [p.start_time for p in probes]
    started = time.monotonic()
    try:
        tools.concat(segments, final, starts)
    except InvalidMediaError as exc:
        raise BadSegmentError(f"cannot join the segments: {exc.reason}") from exc
    except FfmpegFailedError:
        _blame_segment(segments, expected, final.parent, tools)
        raise
    emit_metric(
        "ConcatDuration", (time.monotonic() - started) * 1000, "Milliseconds", Worker=WORKER
    )
    probed = tools.probe(final)
    _check_frame_count(probed, segments, expected, final.parent, tools)
    emit_metric("FinalSizeBytes", float(probed.size), "Bytes", Worker=WORKER)
    return JoinedVideo(final=final, probe=probed)


def _in_parallel(step: Callable[[_T], _R], items: Iterable[_T]) -> list[_R]:
    """`[step(item) for item in items]`, PARALLEL_STEPS at a time; results in the items'
    order, and the error of the first failing item in that order is the one raised."""
    work = list(items)
    if len(work) <= 1:
        return [step(item) for item in work]
    with ThreadPoolExecutor(max_workers=min(PARALLEL_STEPS, len(work))) as pool:
        return list(pool.map(step, work))


def _probe_segment(index: int, path: Path, tools: MediaTools) -> ProbeResult:
    """The segment's probe (frames from its MP4 index, start); BadSegmentError when it is not
    a readable video."""
    try:
        return tools.probe(path)
    except InvalidMediaError as exc:
        raise BadSegmentError(f"not a playable video: {exc.reason}", index=index) from exc


def _check_frame_count(
    probed: ProbeResult,
    segments: Sequence[Path],
    expected: Sequence[int | None],
    directory: Path,
    tools: MediaTools,
) -> None:
    """The joined video must hold every frame of its segments.

    The concat demuxer does not fail on a segment whose index is intact but whose data is cut
    short: it ends the output there and exits 0. Counting frames is the only way to notice.
    """
    actual = probed.video.frame_count if probed.video else None
    if actual is None or None in expected:
        return
    wanted = sum(count for count in expected if count is not None)
    if actual == wanted:
        return
    _blame_segment(segments, expected, directory, tools)
    # Every segment reads in full on its own: the join, not the input, differs. Keep the
    # result (a retry would give the same) but leave a trace.
    logger.warning("joined video has %d frames, its segments %d", actual, wanted)


def _blame_segment(
    segments: Sequence[Path],
    expected: Sequence[int | None],
    directory: Path,
    tools: MediaTools,
) -> None:
    """Raise BadSegmentError for the first segment that does not copy whole on its own.

    Runs only after a join went wrong, so the common path stays one ffmpeg run.
    """
    check = directory / "segment-check.mp4"
    for index, (segment, frames) in enumerate(zip(segments, expected, strict=True)):
        try:
            tools.concat([segment], check)
            probed = tools.probe(check)
        except (InvalidMediaError, FfmpegFailedError) as exc:
            raise BadSegmentError(f"truncated or corrupt: {exc}", index=index) from exc
        copied = probed.video.frame_count if probed.video else None
        if frames is not None and copied is not None and copied < frames:
            raise BadSegmentError(
                f"truncated or corrupt: only {copied} of its {frames} frames can be read",
                index=index,
            )
    check.unlink(missing_ok=True)

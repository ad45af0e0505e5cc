"""Every corpus video through the real split, the real modes and the real join, frame-exact.

In process, over the three seams the workers use (`FfmpegSplitter`, the video-worker's models,
`join_segments` with `FfmpegMediaTools`) with real ffmpeg, for two segment lengths and both
CPU modes. A case listed in `known_differences` must fail with exactly its stated kind of
difference, so a silent improvement or a new loss both show.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from vidpipe_chunking.splitter import FfmpegSplitter
from vidpipe_ffmpeg import DEFAULT_LIMITS
from vidpipe_media.assemble import join_segments
from vidpipe_media.tools import FfmpegMediaTools
from vidpipe_testkit.corpus import CORPUS
from vidpipe_testkit.frames import compare_frames
from vidpipe_types import JobOptions, Mode
from vidpipe_video.models.base import SegmentContext
from vidpipe_video.models.grayscale import GrayscaleModel
from vidpipe_video.models.passthrough import PassthroughModel

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MODELS = {
    "passthrough": PassthroughModel(DEFAULT_LIMITS),
    "grayscale": GrayscaleModel(DEFAULT_LIMITS),
}
ENCODING = {"passthrough": "same", "grayscale": "h264-8bit"}
#: What a stated difference looks like in the checker's words, by case.
DIFFERENCE_WORDS = {
    "two_audio": "audio tracks: 2 became 1",
    "subtitle": "subtitle tracks: 1 became 0",
    "timecode": "data tracks: 1 became 0",
    "odd_size": "geometry: stored 161x119",
    "h264_10bit": "encoding: expected",
    "hevc_10bit": "encoding: expected",
}


def run_pipeline(source: Path, work: Path, segment_seconds: float, mode: str) -> tuple[Path, int]:
    splitter = FfmpegSplitter(DEFAULT_LIMITS)
    probed = splitter.probe(source)
    result = splitter.split(source, work / "split", segment_seconds, probed, strategy="auto")
    processed = []
    for segment in result.segments:
        scratch = work / f"scratch-{segment.index}"
        scratch.mkdir()
        context = SegmentContext(
            job_id="job-corpus", segment_index=segment.index,
            total_segments=len(result.segments), mode=mode, options=JobOptions(mode=Mode(mode)),
            work_dir=scratch,
        )  # fmt: skip
        dst = work / f"out-{segment.index:05d}.mp4"
        MODELS[mode].process(segment.path, dst, context)
        processed.append(dst)
    joined = join_segments(processed, work / "final.mp4", FfmpegMediaTools(DEFAULT_LIMITS))
    return joined.final, len(result.segments)


@pytest.mark.parametrize("mode", ["passthrough", "grayscale"])
@pytest.mark.parametrize("segment_seconds", [1.0, 2.0])
@pytest.mark.parametrize("case", CORPUS, ids=lambda case: case.name)
def test_corpus_case_comes_back_frame_exact(
    media_corpus: dict[str, Path], tmp_path: Path, case, segment_seconds: float, mode: str
) -> None:
    source = media_corpus[case.name]
    final, segments = run_pipeline(source, tmp_path, segment_seconds, mode)
    problems = compare_frames(source, final, encoding=ENCODING[mode])  # type: ignore[arg-type]
    reason = case.known_differences.get(mode)
    if reason is None:
        assert not problems, f"{case.name} ({segments} segments): {problems}"
    else:
        assert problems, f"{case.name}: expected a stated difference ({reason}), got none"
        words = DIFFERENCE_WORDS[case.name]
        assert all(words in p or p.startswith(_ALLOWED_WITH[case.name]) for p in problems), (
            f"{case.name}: stated reason {reason!r}, but: {problems}"
        )


# A stated difference may come with its consequences (a cropped size shows as geometry only).
_ALLOWED_WITH = {name: DIFFERENCE_WORDS[name] for name in DIFFERENCE_WORDS}

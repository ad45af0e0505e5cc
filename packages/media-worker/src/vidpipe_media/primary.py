"""The job's primary image: the best-scoring frame crop over all of a job's segments.

A segment model that writes frame crops (the `sam2` model) also writes, per segment,
``jobs/{job_id}/frames/segment_{i}.json`` listing each crop with a ``score`` (how large and how
central the subject is). Each segment only sees its own crops; reassembly sees them all, so the
choice is made here. Jobs of other modes have no such files and get no primary image.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from vidpipe_types import build_frame_scores_key, parse_frame_key

if TYPE_CHECKING:
    from vidpipe_aws import ObjectStorage

logger = logging.getLogger(__name__)


class _ScoredCrop(BaseModel):
    """The part of one entry of a scores file that the choice needs; other fields are kept
    by the writer for people and left alone here."""

    model_config = ConfigDict(extra="ignore")

    frame: int = Field(ge=0)
    key: str
    score: float = Field(allow_inf_nan=False)


class _ScoresFile(BaseModel):
    model_config = ConfigDict(extra="ignore")

    frames: list[_ScoredCrop]


@dataclass(frozen=True)
class PrimaryImage:
    """The crop chosen as the job's image: its key, frame number, score and segment."""

    key: str
    frame: int
    score: float
    segment_index: int


def find_primary_image(
    storage: ObjectStorage, bucket: str, job_id: str, total_segments: int
) -> PrimaryImage | None:
    """The highest-scoring crop named in the job's segment score files, or None when there
    are none (a mode without crops, or `MAX_FRAMES=0`).

    Ties go to the lowest frame number, so the choice does not depend on listing order. A
    crop scoring 0 (an empty mask: the whole frame, padded) still counts: it is still a
    picture of the video. A score file that cannot be read is logged and left out: the image
    is a convenience and must not fail a finished video.
    """
    wanted = {build_frame_scores_key(job_id, index): index for index in range(total_segments)}
    # One listing of the job's frames folder instead of a GET per segment: most jobs have no
    # score files at all.
    prefix = posixpath.dirname(build_frame_scores_key(job_id, 0)) + "/"
    present = [key for key in storage.list_keys(bucket, prefix) if key in wanted]
    best: PrimaryImage | None = None
    for key in sorted(present, key=wanted.__getitem__):
        for crop in _read_scores(storage, bucket, key, job_id):
            candidate = PrimaryImage(crop.key, crop.frame, crop.score, wanted[key])
            if best is None or (candidate.score, -candidate.frame) > (best.score, -best.frame):
                best = candidate
    return best


def _read_scores(storage: ObjectStorage, bucket: str, key: str, job_id: str) -> list[_ScoredCrop]:
    try:
        scores = _ScoresFile.model_validate_json(storage.get_bytes(bucket, key))
    except ValidationError as exc:
        logger.warning("frame scores %s are malformed, left out: %s", key, exc.errors()[0]["msg"])
        return []
    crops = []
    for crop in scores.frames:
        # Only a crop of this job, under the name its frame number gives, can be its image.
        if parse_frame_key(crop.key) != (job_id, crop.frame):
            logger.warning(
                "frame scores %s name %r, not a crop of this job: left out", key, crop.key
            )
            continue
        crops.append(crop)
    return crops

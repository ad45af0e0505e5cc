"""Every S3 key vidpipe writes or reads, built and parsed in one place.

Builders raise InvalidKeyError for parts that cannot form a key. Parsers return None for
anything that is not exactly their key, so a handler can tell "not for me" from "mine"
without try/except. A parser accepts only the canonical form its builder produces: it
re-builds the key from what it parsed and compares, so ``00007`` vs ``7`` or a stray mode
spelling never sneaks through.
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import ValidationError

from vidpipe_types.errors import InvalidKeyError
from vidpipe_types.ids import is_valid_job_id
from vidpipe_types.modes import Mode, parse_mode
from vidpipe_types.payloads import MAX_SEGMENTS, VideoWorkerPayload

INPUT_PREFIX = "input/"
SEGMENTS_PREFIX = "segments/"
JOBS_PREFIX = "jobs/"
#: A reassembly attempt's staged artifacts in the output bucket
#: (``attempts/{job_id}/{attempt}/...``), promoted to ``jobs/`` only for the winning attempt.
ATTEMPTS_PREFIX = "attempts/"

#: S3's own limit on a key, in UTF-8 bytes.
MAX_KEY_BYTES = 1024

_S3_SCHEME = "s3://"
# re.ASCII: without it \d also matches digits of other scripts, which int() accepts.
# A mode is lower-case letters and digits (`sam2`), starting with a letter.
_SEGMENT_RE = re.compile(r"segments/([^/]+)/(\d{5})_(\d{5})_([a-z][a-z0-9]*)\.mp4", re.ASCII)
_OUTPUT_SEGMENT_RE = re.compile(r"jobs/([^/]+)/segments/(\d+)\.mp4", re.ASCII)
_JOB_OUTPUT_RE = re.compile(r"jobs/([^/]+)/([^/]+)", re.ASCII)
_FRAME_RE = re.compile(r"jobs/([^/]+)/frames/frame_(\d{4,})\.png", re.ASCII)
_FRAME_SCORES_RE = re.compile(r"jobs/([^/]+)/frames/segment_(\d+)\.json", re.ASCII)


class JobArtifact(StrEnum):
    """Files a job leaves under ``jobs/{job_id}/`` in the output bucket."""

    FINAL = "final.mp4"
    THUMBNAIL = "thumbnail.jpg"
    METADATA = "metadata.json"
    DETECTIONS = "detections.json"
    DETECTIONS_PREVIEW = "detections-preview.mp4"
    ANALYSIS = "analysis.json"


def is_safe_key(key: str) -> bool:
    """Relative, within S3's length limit, and free of empty, ``.`` or ``..`` path parts."""
    if not key or key.startswith("/") or len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return False
    return all(part not in ("", ".", "..") for part in key.split("/"))


def is_input_key(key: str) -> bool:
    """True for a file somewhere under ``input/`` (not the ``input/`` folder marker itself)."""
    return key.startswith(INPUT_PREFIX) and len(key) > len(INPUT_PREFIX) and is_safe_key(key)


def _require_job_id(job_id: str) -> None:
    if not is_valid_job_id(job_id):
        raise InvalidKeyError(f"cannot build a key for invalid job id {job_id!r}")


def _require_safe(key: str) -> str:
    if not is_safe_key(key):
        raise InvalidKeyError(f"key {key[:80]!r} is not a valid S3 key (too long or a bad path)")
    return key


def _require_index(index: int, total: int) -> None:
    if not 0 <= index < total <= MAX_SEGMENTS:
        raise InvalidKeyError(
            f"segment {index} of {total} is out of range: need 0 <= index < total <= {MAX_SEGMENTS}"
        )


# --- segments (input bucket) -------------------------------------------------------------


def build_segment_key(job_id: str, index: int, total: int, mode: Mode | str) -> str:
    """``segments/{job_id}/{index:05d}_{total:05d}_{mode}.mp4``."""
    _require_job_id(job_id)
    _require_index(index, total)
    parsed_mode = parse_mode(str(mode))
    if parsed_mode is None:
        raise InvalidKeyError(f"unknown mode {mode!r}")
    return _require_safe(f"{SEGMENTS_PREFIX}{job_id}/{index:05d}_{total:05d}_{parsed_mode}.mp4")


def segment_key_suffix(mode: Mode | str) -> str:
    """``_sam2.mp4``: how every segment key of ``mode`` ends (the S3 notification suffix
    that routes the segment to the queue of the workers serving its mode)."""
    parsed_mode = parse_mode(str(mode))
    if parsed_mode is None:
        raise InvalidKeyError(f"unknown mode {mode!r}")
    return f"_{parsed_mode}.mp4"


def job_segments_prefix(job_id: str) -> str:
    """``segments/{job_id}/``: lists or cleans up one job's input segments."""
    _require_job_id(job_id)
    return f"{SEGMENTS_PREFIX}{job_id}/"


def parse_segment_key(bucket: str, key: str) -> VideoWorkerPayload | None:
    """The video-worker's payload for a segment object, or None when ``key`` is no segment."""
    if not bucket or "/" in bucket or not is_safe_key(key):
        return None
    match = _SEGMENT_RE.fullmatch(key)
    if match is None:
        return None
    job_id, index_text, total_text, mode_text = match.groups()
    mode = parse_mode(mode_text)
    if mode is None or not is_valid_job_id(job_id):
        return None
    try:
        payload = VideoWorkerPayload(
            job_id=job_id,
            segment_index=int(index_text),
            total_segments=int(total_text),
            segment_s3_uri=s3_uri(bucket, key),
            mode=mode,
        )
    except (ValidationError, InvalidKeyError):
        return None
    rebuilt = build_segment_key(job_id, payload.segment_index, payload.total_segments, mode)
    return payload if rebuilt == key else None


# --- job outputs (output bucket) ---------------------------------------------------------


def job_output_prefix(job_id: str) -> str:
    """``jobs/{job_id}/``: everything a job leaves in the output bucket."""
    _require_job_id(job_id)
    return f"{JOBS_PREFIX}{job_id}/"


def build_output_segment_key(job_id: str, segment_index: int) -> str:
    """``jobs/{job_id}/segments/{segment_index}.mp4`` (index not zero-padded)."""
    _require_job_id(job_id)
    if not 0 <= segment_index < MAX_SEGMENTS:
        raise InvalidKeyError(f"segment index {segment_index} is out of range")
    return f"{JOBS_PREFIX}{job_id}/segments/{segment_index}.mp4"


def parse_output_segment_key(key: str) -> tuple[str, int] | None:
    """``(job_id, segment_index)`` of an output segment key, or None."""
    match = _OUTPUT_SEGMENT_RE.fullmatch(key) if is_safe_key(key) else None
    if match is None or not is_valid_job_id(match[1]):
        return None
    job_id, index = match[1], int(match[2])
    if index >= MAX_SEGMENTS or build_output_segment_key(job_id, index) != key:
        return None
    return job_id, index


def build_job_output_key(job_id: str, name: JobArtifact) -> str:
    """``jobs/{job_id}/{name}``, e.g. ``jobs/{job_id}/final.mp4``."""
    _require_job_id(job_id)
    try:
        artifact = JobArtifact(name)
    except ValueError:
        choices = ", ".join(a.value for a in JobArtifact)
        raise InvalidKeyError(f"unknown job artifact {name!r}: choose one of {choices}") from None
    return f"{JOBS_PREFIX}{job_id}/{artifact}"


def parse_job_output_key(key: str) -> tuple[str, JobArtifact] | None:
    """``(job_id, artifact)`` of a job output key, or None."""
    match = _JOB_OUTPUT_RE.fullmatch(key) if is_safe_key(key) else None
    if match is None or not is_valid_job_id(match[1]):
        return None
    try:
        return match[1], JobArtifact(match[2])
    except ValueError:
        return None


def build_frame_key(job_id: str, n: int) -> str:
    """``jobs/{job_id}/frames/frame_{n:04d}.png``."""
    _require_job_id(job_id)
    if n < 0:
        raise InvalidKeyError(f"frame number {n} must not be negative")
    return _require_safe(f"{JOBS_PREFIX}{job_id}/frames/frame_{n:04d}.png")


def build_detection_part_key(job_id: str, part_index: int) -> str:
    """``jobs/{job_id}/detection-parts/{part_index:05d}.json``: one part's detections, before
    the merge into ``detections.json`` (segment-parallel detection)."""
    _require_job_id(job_id)
    if part_index < 0:
        raise InvalidKeyError(f"part index {part_index} must not be negative")
    return _require_safe(f"{JOBS_PREFIX}{job_id}/detection-parts/{part_index:05d}.json")


def parse_frame_key(key: str) -> tuple[str, int] | None:
    """``(job_id, n)`` of a frame key, or None."""
    match = _FRAME_RE.fullmatch(key) if is_safe_key(key) else None
    if match is None or not is_valid_job_id(match[1]):
        return None
    job_id, n = match[1], int(match[2])
    if build_frame_key(job_id, n) != key:
        return None
    return job_id, n


def build_frame_scores_key(job_id: str, segment_index: int) -> str:
    """``jobs/{job_id}/frames/segment_{segment_index}.json``: how a segment's frame crops
    score as the job's primary image (written by the `sam2` model, read at reassembly)."""
    _require_job_id(job_id)
    if segment_index < 0:
        raise InvalidKeyError(f"segment index {segment_index} must not be negative")
    return _require_safe(f"{JOBS_PREFIX}{job_id}/frames/segment_{segment_index}.json")


def parse_frame_scores_key(key: str) -> tuple[str, int] | None:
    """``(job_id, segment_index)`` of a frame scores key, or None."""
    match = _FRAME_SCORES_RE.fullmatch(key) if is_safe_key(key) else None
    if match is None or not is_valid_job_id(match[1]):
        return None
    job_id, index = match[1], int(match[2])
    if build_frame_scores_key(job_id, index) != key:
        return None
    return job_id, index


# --- retention ---------------------------------------------------------------------------


def is_intermediate_key(key: str) -> bool:
    """True for an object nothing reads once its job is complete: input segments
    (``segments/...``), processed segments (``jobs/{job_id}/segments/...``) and the frame
    scores of the `sam2` model. Uploads, final outputs and subject crops are kept; each
    bucket's lifecycle rule expires only the objects tagged as intermediate at upload."""
    if not is_safe_key(key):
        return False
    return (
        key.startswith(SEGMENTS_PREFIX)
        or parse_output_segment_key(key) is not None
        or parse_frame_scores_key(key) is not None
    )


# --- URIs --------------------------------------------------------------------------------


def s3_uri(bucket: str, key: str) -> str:
    """``s3://{bucket}/{key}``."""
    if not bucket or "/" in bucket:
        raise InvalidKeyError(f"invalid bucket name {bucket!r}")
    if not key:
        raise InvalidKeyError("an S3 URI needs a non-empty key")
    return f"{_S3_SCHEME}{bucket}/{key}"


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """``(bucket, key)`` of ``s3://bucket/key``; raises InvalidKeyError for anything else."""
    if not uri.startswith(_S3_SCHEME):
        raise InvalidKeyError(f"{uri[:80]!r} is not an s3:// URI")
    bucket, sep, key = uri[len(_S3_SCHEME) :].partition("/")
    if not bucket or not sep or not key:
        raise InvalidKeyError(f"{uri[:80]!r} needs both a bucket and a key: s3://bucket/key")
    return bucket, key

"""Analyzer: one video -> a validated analysis result, with retries on passing API errors.

The analysis runs inside the reassembly, after the outputs are uploaded and before the job is
completed, so its retries are a bounded in-process loop rather than a requeued message: a
requeue would repeat the whole reassembly for an optional stage. ANALYSIS_MAX_ATTEMPTS and the
capped backoff bound how long it can hold the reassembly lease.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from google.genai import errors, types
from pydantic import ValidationError

from vidpipe_aws import backoff_delay
from vidpipe_ffmpeg import FfmpegError
from vidpipe_media.analysis.frames import describe_media, sample_frames
from vidpipe_media.analysis.profiles import PROFILES
from vidpipe_media.errors import AnalysisError
from vidpipe_types import AnalysisDepth

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from google import genai

    from vidpipe_media.analysis.profiles import Profile
    from vidpipe_media.settings import MediaSettings
    from vidpipe_types import Analysis, ProductAnalysis, SummaryAnalysis

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: How often an uploaded video's processing state is read while it is not ACTIVE yet.
FILE_POLL_SECONDS = 2.0
_MAX_REASON = 500


@dataclass(frozen=True)
class AnalysisOutcome:
    profile: Analysis
    depth: AnalysisDepth
    model: str
    result: SummaryAnalysis | ProductAnalysis


def is_transient(exc: BaseException) -> bool:
    """429 and 5xx answers, and connection-level failures, may pass on a later attempt."""
    if isinstance(exc, errors.APIError):
        return exc.code == 429 or 500 <= exc.code <= 599
    # The SDK's HTTP library is its own dependency, not ours: recognise its transport errors
    # (connect, read, timeout) by their common base class name instead of importing it.
    return any(cls.__name__ == "TransportError" for cls in type(exc).__mro__) or isinstance(
        exc, (ConnectionError, TimeoutError)
    )


class Analyzer:
    """Runs one profile on one local video with the settings' depth, models and retries."""

    def __init__(
        self,
        client: genai.Client,
        settings: MediaSettings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        file_poll_seconds: float = FILE_POLL_SECONDS,
    ) -> None:
        self._client = client
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._file_poll_seconds = file_poll_seconds
        self._limits = settings.ffmpeg_limits()

    @property
    def depth(self) -> AnalysisDepth:
        return self._settings.analysis_depth

    def model_for(self, depth: AnalysisDepth) -> str:
        if depth is AnalysisDepth.DEEP:
            return self._settings.gemini_pro_model
        return self._settings.gemini_flash_model

    def analyze(
        self,
        video: Path,
        profile_name: Analysis,
        media: Mapping[str, Any],
        *,
        depth: AnalysisDepth | None = None,
    ) -> AnalysisOutcome:
        """The validated result; AnalysisError with a reason a person can act on otherwise.
        ``depth`` is the job's own (the HTTP API's ``analysis.depth``); None: the setting's."""
        profile = PROFILES[profile_name]
        depth = depth or self.depth
        model = self.model_for(depth)
        uploaded: types.File | None = None
        try:
            if depth is AnalysisDepth.DEEP:
                uploaded = self._upload(video)
                parts = self._deep_parts(uploaded, profile)
            else:
                parts = self._standard_parts(video, profile, media)
            contents = [types.Content(role="user", parts=parts)]
            config = types.GenerateContentConfig(
                response_mime_type="application/json", response_schema=profile.schema
            )
            response = self._with_retries(
                f"{model} generateContent",
                lambda: self._client.models.generate_content(
                    model=model, contents=contents, config=config
                ),
            )
            result = parse_result(response, profile)
        finally:
            if uploaded is not None:
                self._delete(uploaded)
        return AnalysisOutcome(profile=profile.name, depth=depth, model=model, result=result)

    # --- what is sent ---------------------------------------------------------------------

    def _standard_parts(
        self, video: Path, profile: Profile, media: Mapping[str, Any]
    ) -> list[types.Part]:
        try:
            frames = sample_frames(video, self._settings.analysis_frames, self._limits)
        except FfmpegError as exc:
            raise AnalysisError(f"could not sample frames of the final video: {exc}") from exc
        if not frames:
            raise AnalysisError("no frame could be sampled from the final video")
        parts = [
            types.Part.from_text(text=profile.prompt(AnalysisDepth.STANDARD)),
            types.Part.from_text(text=describe_media(media, frames)),
        ]
        for frame in frames:
            parts.append(types.Part.from_text(text=f"Frame at {frame.label}:"))
            parts.append(types.Part.from_bytes(data=frame.jpeg, mime_type="image/jpeg"))
        return parts

    def _deep_parts(self, uploaded: types.File, profile: Profile) -> list[types.Part]:
        if not uploaded.uri:
            raise AnalysisError(f"the uploaded video {uploaded.name} has no URI")
        return [
            types.Part.from_uri(file_uri=uploaded.uri, mime_type=uploaded.mime_type or "video/mp4"),
            types.Part.from_text(text=profile.prompt(AnalysisDepth.DEEP)),
        ]

    def _upload(self, video: Path) -> types.File:
        """Upload through the Files API (resumable upload), then wait until it is ACTIVE."""
        uploaded = self._with_retries(
            "file upload",
            lambda: self._client.files.upload(
                file=video, config=types.UploadFileConfig(mime_type="video/mp4")
            ),
        )
        if not uploaded.name:
            raise AnalysisError("the Files API returned no name for the uploaded video")
        try:
            return self._wait_until_active(uploaded, uploaded.name)
        except BaseException:
            self._delete(uploaded)
            raise

    def _wait_until_active(self, uploaded: types.File, name: str) -> types.File:
        deadline = self._clock() + self._settings.analysis_timeout_seconds
        while uploaded.state is not types.FileState.ACTIVE:
            if uploaded.state is types.FileState.FAILED:
                detail = uploaded.error.message if uploaded.error else "no detail"
                raise AnalysisError(f"the uploaded video could not be processed: {detail}")
            if self._clock() >= deadline:
                raise AnalysisError(
                    f"the uploaded video was not ready after "
                    f"{self._settings.analysis_timeout_seconds:g} s (state {uploaded.state})",
                    retryable=True,
                )
            self._sleep(self._file_poll_seconds)
            uploaded = self._with_retries("file status", lambda: self._client.files.get(name=name))
        return uploaded

    def _delete(self, uploaded: types.File) -> None:
        # The Files API would drop it after two days anyway; deleting now is tidiness.
        try:
            if uploaded.name:
                self._client.files.delete(name=uploaded.name)
        except Exception:
            logger.warning("could not delete uploaded file %s", uploaded.name, exc_info=True)

    # --- retries --------------------------------------------------------------------------

    def _with_retries(self, what: str, call: Callable[[], T]) -> T:
        attempts = self._settings.analysis_max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return call()
            except Exception as exc:
                if not is_transient(exc):
                    if isinstance(exc, errors.APIError):
                        raise AnalysisError(f"{what} refused: {_describe(exc)}") from exc
                    raise
                if attempt == attempts:
                    raise AnalysisError(
                        f"{what} failed after {attempts} attempt(s): {_describe(exc)}",
                        retryable=True,
                    ) from exc
                # No jitter: one job's calls in one process, nothing to spread; the pauses
                # stay what ANALYSIS_BACKOFF_SECONDS promises (base, 2*base, ... up to the cap).
                delay = backoff_delay(
                    attempt,
                    base_seconds=self._settings.analysis_backoff_seconds,
                    max_seconds=self._settings.analysis_backoff_max_seconds,
                    jitter="none",
                )
                logger.warning(
                    "%s: attempt %d of %d failed (%s); retrying in %.1f s",
                    what,
                    attempt,
                    attempts,
                    _describe(exc),
                    delay,
                )
                self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")


def parse_result(
    response: types.GenerateContentResponse, profile: Profile
) -> SummaryAnalysis | ProductAnalysis:
    """The response's structured output, validated against the profile's schema."""
    parsed = response.parsed
    if isinstance(parsed, profile.schema):
        return parsed
    text = response.text
    if not text:
        candidates = response.candidates or []
        finish = candidates[0].finish_reason if candidates else None
        raise AnalysisError(f"the model returned no {profile.name} output (finish reason {finish})")
    try:
        return profile.schema.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'output'}: {error['msg']}"
            for error in exc.errors()[:3]
        )
        raise AnalysisError(
            f"the model's output is not a valid {profile.name} analysis: {problems}"
        ) from exc


def _describe(exc: BaseException) -> str:
    if isinstance(exc, errors.APIError):
        text = f"{exc.code} {exc.status or ''}".strip()
        if exc.message:
            text += f": {exc.message}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:_MAX_REASON]

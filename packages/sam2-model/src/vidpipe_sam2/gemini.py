"""A text prompt turned into a box by Gemini: how "the product" reaches SAM2, which itself
takes only points and boxes.

Gemini is asked for the box of the most prominent match on the segment's first frame, as
structured output (`box_2d`: ymin, xmin, ymax, xmax on a 0-1000 scale, Gemini's own
convention for detection). An answer that finds nothing, or that is malformed, or a request
the API refuses (4xx) leaves the prompt to its fallback (the centre) with a warning: the
segment is still worth processing. Rate limits and server errors, once the client's own
retries are spent, raise `Sam2Error`, so the runner retries the segment later rather than
silently segmenting the wrong thing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, ValidationError

from vidpipe_sam2.errors import Sam2Error

if TYPE_CHECKING:
    from pathlib import Path

    from vidpipe_sam2.prompts import Box
    from vidpipe_sam2.settings import Sam2Settings

logger = logging.getLogger(__name__)

_SCALE = 1000.0
_INSTRUCTION = (
    "Find {text!r} in this image. If it is not visible, answer found=false. Otherwise answer"
    " found=true and box_2d=[ymin, xmin, ymax, xmax] of the single most prominent one, each"
    " coordinate normalised to 0-1000."
)


class BoxAnswer(BaseModel):
    """The structured answer Gemini is asked for."""

    found: bool
    box_2d: list[float] = Field(default_factory=list)


class GeminiBoxFinder:
    """`BoxFromText` with a google-genai client (injected: built at the entrypoint)."""

    def __init__(self, client: Any, model: str) -> None:
        self._client = client
        self._model = model

    def box_for(self, text: str, image: Path, width: int, height: int) -> Box | None:
        from google.genai import errors, types

        try:
            response = self._client.models.generate_content(
                model=self._model,
                contents=[
                    types.Part.from_bytes(data=image.read_bytes(), mime_type="image/png"),
                    _INSTRUCTION.format(text=text),
                ],
                config=types.GenerateContentConfig(
                    response_mime_type="application/json",
                    response_schema=BoxAnswer,
                    temperature=0,
                ),
            )
        except errors.APIError as exc:
            if exc.code == 429 or exc.code >= 500:
                raise Sam2Error(
                    f"Gemini could not find a box for the prompt text ({exc.code}): try again"
                ) from exc
            logger.warning("Gemini refused the box request (%s %s)", exc.code, exc.message)
            return None
        try:
            answer = BoxAnswer.model_validate_json(response.text or "")
        except ValidationError as exc:
            logger.warning("Gemini's box answer is malformed: %s", exc.errors()[:1])
            return None
        return _to_pixels(answer, width, height)


def _to_pixels(answer: BoxAnswer, width: int, height: int) -> Box | None:
    if not answer.found:
        return None
    if len(answer.box_2d) != 4:
        logger.warning("Gemini's box has %d numbers, not 4", len(answer.box_2d))
        return None
    ymin, xmin, ymax, xmax = (min(max(v, 0.0), _SCALE) / _SCALE for v in answer.box_2d)
    if xmax <= xmin or ymax <= ymin:
        logger.warning("Gemini's box %s is empty", answer.box_2d)
        return None
    return xmin * width, ymin * height, xmax * width, ymax * height


def gemini_box_finder(settings: Sam2Settings) -> GeminiBoxFinder | None:
    """A finder when GEMINI_API_KEY is set, else None (text prompts then use the centre)."""
    if settings.gemini_api_key is None:
        return None
    from google import genai
    from google.genai import types

    options = types.HttpOptions(
        base_url=settings.gemini_base_url,
        timeout=int(settings.gemini_timeout_seconds * 1000),
        retry_options=types.HttpRetryOptions(
            attempts=settings.gemini_attempts, http_status_codes=[429, 500, 502, 503, 504]
        ),
    )
    client = genai.Client(api_key=settings.gemini_api_key.get_secret_value(), http_options=options)
    return GeminiBoxFinder(client, settings.gemini_box_model)

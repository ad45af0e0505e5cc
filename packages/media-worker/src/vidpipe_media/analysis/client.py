"""The google-genai client, built once at the entrypoint from MediaSettings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from google import genai
from google.genai import types

if TYPE_CHECKING:
    from vidpipe_media.settings import MediaSettings


def build_client(settings: MediaSettings) -> genai.Client | None:
    """A client for the Gemini API, or None when GEMINI_API_KEY is not set.

    GEMINI_BASE_URL points it at another endpoint speaking the same protocol (a proxy, or a
    local stub in tests). The SDK's own retries stay off: the analyzer retries, so that the
    attempt count and the backoff are ours and show up in one place.
    """
    if settings.gemini_api_key is None:
        return None
    http_options = types.HttpOptions(
        base_url=settings.gemini_base_url,
        # The SDK takes milliseconds.
        timeout=int(settings.analysis_timeout_seconds * 1000),
    )
    return genai.Client(
        api_key=settings.gemini_api_key.get_secret_value(), http_options=http_options
    )

"""The optional analysis stage: a Gemini model describes the final video in structured form.

`build_client` makes the google-genai client from the settings (None without GEMINI_API_KEY);
`Analyzer` runs a profile (`summary` or `product`) at the configured depth with retries and
returns a result validated against the profile's schema from vidpipe_types.
"""

from vidpipe_media.analysis.analyzer import (
    AnalysisOutcome,
    Analyzer,
    is_transient,
    parse_result,
)
from vidpipe_media.analysis.client import build_client
from vidpipe_media.analysis.frames import SampledFrame, describe_media, sample_frames, sample_times
from vidpipe_media.analysis.profiles import PROFILES, Profile

__all__ = [
    "PROFILES",
    "AnalysisOutcome",
    "Analyzer",
    "Profile",
    "SampledFrame",
    "build_client",
    "describe_media",
    "is_transient",
    "parse_result",
    "sample_frames",
    "sample_times",
]

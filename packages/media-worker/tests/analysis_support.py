"""Valid analysis results, and an Analyzer pointed at the loopback Gemini stub."""

from __future__ import annotations

from typing import Any

from vidpipe_media import MediaSettings
from vidpipe_media.analysis import Analyzer, build_client
from vidpipe_testkit import GeminiStub

SUMMARY: dict[str, Any] = {
    "title": "Bikes on a trail",
    "summary": "Riders go down a forest trail one after another.",
    "keyTakeaways": ["mountain biking", "a forest trail"],
    "timeline": [
        {"timestamp": "00:00", "description": "the first rider appears", "details": ["dust"]},
        {"timestamp": "00:06", "description": "a second rider follows", "details": []},
    ],
    "keywords": ["bike", "trail", "forest"],
    "visualAudit": [{"timestamp": "00:03", "detail": "a red helmet", "type": "person"}],
}
PRODUCT: dict[str, Any] = {
    "brand_info": {"brand_name": "Acme", "manufacturer": "Acme Foods", "logo_visible": True},
    "product_identity": {
        "product_name": "Acme Orange Juice",
        "variant": "no pulp",
        "net_quantity": "1 l",
        "description": "Orange juice from concentrate.",
    },
    "category": {"primary": "Beverages", "secondary": "Juice", "tags": ["vegan"]},
    "packaging": {"type": "bottle", "material": "plastic", "colors": ["orange", "white"]},
    "nutrition_facts": None,
}


class Sleeps(list[float]):
    """A `sleep` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def analysis_settings(stub: GeminiStub, **overrides: Any) -> MediaSettings:
    values: dict[str, Any] = {
        "gemini_api_key": "test-key",
        "gemini_base_url": stub.url,
        "analysis_max_attempts": 3,
        "analysis_backoff_seconds": 0.5,
        "analysis_backoff_max_seconds": 1.5,
        "analysis_frames": 4,
        "analysis_timeout_seconds": 20.0,
    }
    return MediaSettings(**{**values, **overrides})


def stub_analyzer(stub: GeminiStub, sleeps: Sleeps | None = None, **overrides: Any) -> Analyzer:
    settings = analysis_settings(stub, **overrides)
    client = build_client(settings)
    assert client is not None
    return Analyzer(client, settings, sleep=sleeps if sleeps is not None else Sleeps())

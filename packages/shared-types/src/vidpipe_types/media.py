"""What the chunking-worker learnt about an upload, kept on the job for metadata.json."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SourceMedia(BaseModel):
    """The upload as received: its checksum and the geometry it is shown with.

    ``stored_*`` is the coded picture; ``display_*`` is what a player shows after the display
    matrix's ``rotation`` (counter-clockwise degrees, 0/90/180/270): a phone video stored
    1920x1080 with rotation 90 displays 1080x1920.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int = Field(ge=0)
    duration: float = Field(ge=0)
    codec: str
    pix_fmt: str | None = None
    bit_depth: int | None = None
    stored_width: int = Field(ge=0)
    stored_height: int = Field(ge=0)
    display_width: int = Field(ge=0)
    display_height: int = Field(ge=0)
    rotation: int = Field(default=0, ge=0, lt=360)

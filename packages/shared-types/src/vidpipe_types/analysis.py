"""What the optional analysis stage writes to ``jobs/{job_id}/analysis.json``, and its status.

The result models double as the response schemas sent to the model, so they keep to what a
structured-output schema can express: objects, strings, numbers, booleans, lists and optional
(nullable) fields. Every field carries a description, which the model reads as an instruction.
The ``summary`` profile keeps the camelCase field names its consumers already read
(``keyTakeaways``, ``visualAudit``); Python code may use the snake_case names as well.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Analysis(StrEnum):
    """What the optional analysis step writes to ``analysis.json`` (the job's ``analyze``
    option): a content summary or catalogue metadata of the product shown."""

    SUMMARY = "summary"
    PRODUCT = "product"


class AnalysisDepth(StrEnum):
    """``standard``: sampled frames and the video's metadata go to a fast model;
    ``deep``: the whole video file is uploaded to a stronger model."""

    STANDARD = "standard"
    DEEP = "deep"


class AnalysisState(StrEnum):
    SKIPPED = "skipped"
    COMPLETED = "completed"
    FAILED = "failed"


_RESULT_CONFIG = ConfigDict(
    frozen=True, validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
)


def _text(description: str) -> Any:
    return Field(min_length=1, description=description)


# --- summary ---------------------------------------------------------------------------------


class TimelineEntry(BaseModel):
    model_config = _RESULT_CONFIG

    timestamp: str = _text("where the moment starts in the video, as MM:SS (or H:MM:SS)")
    description: str = _text("what happens there, in one sentence")
    details: list[str] = Field(default_factory=list, description="supporting details")


class VisualAuditEntry(BaseModel):
    model_config = _RESULT_CONFIG

    timestamp: str = _text("where it is seen, as MM:SS (or H:MM:SS)")
    detail: str = _text("what is seen: on-screen text, a logo, a person, a product, a scene")
    type: str = _text("kind of finding: text, logo, person, product, scene, or another word")


class SummaryAnalysis(BaseModel):
    """The ``summary`` profile."""

    model_config = _RESULT_CONFIG

    title: str = _text("a short title for the video")
    summary: str = _text("what the video shows and says, in a paragraph")
    key_takeaways: list[str] = Field(
        alias="keyTakeaways", description="the main points a viewer should remember"
    )
    timeline: list[TimelineEntry] = Field(description="the video's moments, in time order")
    keywords: list[str] = Field(description="search keywords")
    visual_audit: list[VisualAuditEntry] = Field(
        alias="visualAudit", description="notable things seen on screen, in time order"
    )


# --- product ---------------------------------------------------------------------------------


class BrandInfo(BaseModel):
    model_config = _RESULT_CONFIG

    brand_name: str = _text("the brand as printed on the product")
    manufacturer: str | None = Field(default=None, description="the company, when shown")
    sub_brand: str | None = Field(default=None, description="a product line within the brand")
    logo_visible: bool = Field(description="whether the brand's logo is clearly visible")


class ProductIdentity(BaseModel):
    model_config = _RESULT_CONFIG

    product_name: str = _text("the product's name as printed")
    variant: str | None = Field(default=None, description="flavour, scent, colour or edition")
    net_quantity: str | None = Field(
        default=None, description="the net quantity with its unit as printed, e.g. 500 g"
    )
    barcode: str | None = Field(
        default=None, description="GTIN/EAN/UPC digits, only when fully readable"
    )
    description: str = _text("one or two sentences a catalogue can show")


class ProductCategory(BaseModel):
    model_config = _RESULT_CONFIG

    primary: str = _text("the top-level category, e.g. Beverages")
    secondary: str | None = Field(default=None, description="a narrower category, e.g. Juice")
    tags: list[str] = Field(default_factory=list, description="attributes shoppers filter by")


class Packaging(BaseModel):
    model_config = _RESULT_CONFIG

    type: str = _text("bottle, can, box, pouch, jar, bag, tube, blister or another word")
    material: str | None = Field(default=None, description="glass, plastic, paper, metal...")
    colors: list[str] = Field(default_factory=list, description="the dominant colours")
    claims: list[str] = Field(
        default_factory=list, description="claims printed on the pack: organic, vegan..."
    )


class Nutrient(BaseModel):
    model_config = _RESULT_CONFIG

    name: str = _text("the nutrient as labelled, e.g. Total Fat")
    amount: str = _text("the amount per serving with its unit, e.g. 8 g")
    daily_value_percent: float | None = Field(
        default=None, ge=0, description="the % daily value, when printed"
    )


class NutritionFacts(BaseModel):
    model_config = _RESULT_CONFIG

    serving_size: str | None = Field(default=None, description="as printed, e.g. 1 cup (240 ml)")
    servings_per_container: str | None = Field(default=None, description="as printed")
    calories_per_serving: float | None = Field(default=None, ge=0)
    nutrients: list[Nutrient] = Field(default_factory=list)
    ingredients: list[str] = Field(default_factory=list, description="in label order")
    allergens: list[str] = Field(default_factory=list, description="declared allergens")


class ProductAnalysis(BaseModel):
    """The ``product`` profile: catalogue metadata of the main product shown."""

    model_config = _RESULT_CONFIG

    brand_info: BrandInfo
    product_identity: ProductIdentity
    category: ProductCategory
    packaging: Packaging
    nutrition_facts: NutritionFacts | None = Field(
        default=None, description="only when a nutrition label is readable in the video"
    )


#: The result model of each profile; also its response schema.
RESULT_MODELS: dict[Analysis, type[SummaryAnalysis] | type[ProductAnalysis]] = {
    Analysis.SUMMARY: SummaryAnalysis,
    Analysis.PRODUCT: ProductAnalysis,
}


# --- the document and the job's status -------------------------------------------------------


class AnalysisDocument(BaseModel):
    """The content of ``analysis.json``: which profile, depth and model produced ``result``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    job_id: str
    profile: Analysis
    depth: AnalysisDepth
    model: str
    result: SummaryAnalysis | ProductAnalysis

    @model_validator(mode="after")
    def _result_matches_profile(self) -> Self:
        if not isinstance(self.result, RESULT_MODELS[self.profile]):
            raise ValueError(f"result is not a {self.profile} analysis")
        return self


class AnalysisStatus(BaseModel):
    """The analysis stage on the job record. ``skipped`` and ``failed`` carry a ``reason``;
    ``completed`` names the ``analysis.json`` key. A failed analysis never fails the job."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    state: AnalysisState
    profile: Analysis
    depth: AnalysisDepth | None = None
    model: str | None = None
    reason: str | None = None
    output_key: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.state is AnalysisState.COMPLETED and self.output_key is None:
            raise ValueError("a completed analysis names its output_key")
        if self.state is not AnalysisState.COMPLETED and not self.reason:
            raise ValueError(f"a {self.state} analysis says why in reason")
        return self

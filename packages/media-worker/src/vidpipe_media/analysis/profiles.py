"""The two analysis profiles: what the model is asked, and the schema its answer must fit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vidpipe_types import RESULT_MODELS, Analysis, AnalysisDepth

if TYPE_CHECKING:
    from vidpipe_types import ProductAnalysis, SummaryAnalysis

_SUMMARY = """\
You are given a video{source}. Describe it for a content team.
Give it a short title and a one-paragraph summary; list the key takeaways; build a timeline of
its moments in time order (timestamps as MM:SS from the start of the video); list search
keywords; and audit what is visible on screen (on-screen text, logos, people, products, scene
changes), each with its timestamp and a one-word type.
Describe only what the video shows or says; do not guess what is not there."""

_PRODUCT = """\
You are given a video{source} showing a product. Extract catalogue metadata of the main
product: brand, product identity (name, variant, net quantity, barcode digits only when fully
readable), category, packaging, and nutrition facts only when a nutrition label is readable.
Copy text as printed on the pack. Leave a field null when the video does not show it; never
invent values."""

_SOURCES = {
    AnalysisDepth.STANDARD: (
        " as frames sampled at the given timestamps, with its technical metadata"
    ),
    AnalysisDepth.DEEP: "",
}


@dataclass(frozen=True)
class Profile:
    """One analysis profile: its name, instructions and result model (the response schema)."""

    name: Analysis
    instructions: str
    schema: type[SummaryAnalysis] | type[ProductAnalysis]

    def prompt(self, depth: AnalysisDepth) -> str:
        return self.instructions.format(source=_SOURCES[depth])


PROFILES: dict[Analysis, Profile] = {
    Analysis.SUMMARY: Profile(Analysis.SUMMARY, _SUMMARY, RESULT_MODELS[Analysis.SUMMARY]),
    Analysis.PRODUCT: Profile(Analysis.PRODUCT, _PRODUCT, RESULT_MODELS[Analysis.PRODUCT]),
}

import json

import pytest
from pydantic import ValidationError

from vidpipe_types import (
    RESULT_MODELS,
    Analysis,
    AnalysisDepth,
    AnalysisDocument,
    AnalysisState,
    AnalysisStatus,
    Job,
    JobOptions,
    JobStatus,
    ProductAnalysis,
    SummaryAnalysis,
    utc_now,
)

SUMMARY = {
    "title": "Bikes on a trail",
    "summary": "Riders go down a forest trail.",
    "keyTakeaways": ["mountain biking", "forest trail"],
    "timeline": [{"timestamp": "00:00", "description": "riders appear", "details": ["two"]}],
    "keywords": ["bike", "trail"],
    "visualAudit": [{"timestamp": "00:04", "detail": "a red helmet", "type": "person"}],
}
PRODUCT = {
    "brand_info": {"brand_name": "Acme", "logo_visible": True},
    "product_identity": {"product_name": "Acme Juice", "description": "Orange juice."},
    "category": {"primary": "Beverages", "secondary": "Juice"},
    "packaging": {"type": "bottle", "colors": ["orange"]},
    "nutrition_facts": {
        "serving_size": "250 ml",
        "calories_per_serving": 110,
        "nutrients": [{"name": "Sugars", "amount": "22 g", "daily_value_percent": 44}],
    },
}


def test_summary_keeps_its_camel_case_json_names() -> None:
    summary = SummaryAnalysis.model_validate(SUMMARY)
    assert summary.key_takeaways == ["mountain biking", "forest trail"]
    assert summary.visual_audit[0].type == "person"
    assert json.loads(summary.model_dump_json()) == SUMMARY


def test_summary_accepts_python_names_too() -> None:
    renamed = {**SUMMARY, "key_takeaways": SUMMARY["keyTakeaways"]}
    del renamed["keyTakeaways"]
    assert SummaryAnalysis.model_validate(renamed).key_takeaways == SUMMARY["keyTakeaways"]


@pytest.mark.parametrize(
    "broken",
    [
        {k: v for k, v in SUMMARY.items() if k != "keyTakeaways"},
        {**SUMMARY, "title": ""},
        {**SUMMARY, "timeline": [{"timestamp": "00:01"}]},
        {**SUMMARY, "keywords": "bike, trail"},
    ],
)
def test_summary_rejects_incomplete_output(broken: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SummaryAnalysis.model_validate(broken)


def test_product_nutrition_facts_are_optional() -> None:
    product = ProductAnalysis.model_validate(PRODUCT)
    assert product.nutrition_facts is not None
    assert product.nutrition_facts.nutrients[0].daily_value_percent == 44
    without = ProductAnalysis.model_validate({**PRODUCT, "nutrition_facts": None})
    assert without.nutrition_facts is None
    assert without.brand_info.manufacturer is None


def test_product_rejects_a_missing_brand() -> None:
    with pytest.raises(ValidationError, match="brand_info"):
        ProductAnalysis.model_validate({k: v for k, v in PRODUCT.items() if k != "brand_info"})


def test_each_profile_has_its_result_model() -> None:
    assert set(RESULT_MODELS) == set(Analysis)
    assert RESULT_MODELS[Analysis.SUMMARY] is SummaryAnalysis


def test_document_round_trips_and_checks_the_profile() -> None:
    document = AnalysisDocument(
        job_id="job-1",
        profile=Analysis.SUMMARY,
        depth=AnalysisDepth.STANDARD,
        model="gemini-2.5-flash",
        result=SummaryAnalysis.model_validate(SUMMARY),
    )
    text = document.model_dump_json()
    assert json.loads(text)["result"]["keyTakeaways"] == SUMMARY["keyTakeaways"]
    assert AnalysisDocument.model_validate_json(text) == document
    with pytest.raises(ValidationError, match="not a product analysis"):
        AnalysisDocument(
            job_id="job-1",
            profile=Analysis.PRODUCT,
            depth=AnalysisDepth.DEEP,
            model="m",
            result=SummaryAnalysis.model_validate(SUMMARY),
        )


def test_status_requires_a_reason_or_an_output_key() -> None:
    with pytest.raises(ValidationError, match="reason"):
        AnalysisStatus(state=AnalysisState.SKIPPED, profile=Analysis.SUMMARY)
    with pytest.raises(ValidationError, match="output_key"):
        AnalysisStatus(state=AnalysisState.COMPLETED, profile=Analysis.SUMMARY)
    failed = AnalysisStatus(state=AnalysisState.FAILED, profile=Analysis.PRODUCT, reason="503")
    assert failed.output_key is None


def test_job_carries_the_analysis_status_through_json() -> None:
    status = AnalysisStatus(
        state=AnalysisState.COMPLETED,
        profile=Analysis.SUMMARY,
        depth=AnalysisDepth.STANDARD,
        model="gemini-2.5-flash",
        output_key="jobs/job-1/analysis.json",
    )
    job = Job.new("job-1", "in", "input/a.mp4", JobOptions(analyze=Analysis.SUMMARY), utc_now())
    assert job.analysis is None
    updated = job.model_copy(update={"analysis": status, "status": JobStatus.COMPLETED})
    restored = Job.model_validate(updated.model_dump(mode="json"))
    assert restored.analysis == status
    assert restored.model_dump(mode="json")["analysis"]["state"] == "completed"

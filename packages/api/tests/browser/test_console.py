"""The web console in headless Chromium against the live local stack (see conftest.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from vidpipe_types import ImportRequest, JobStatus

from .conftest import Console, PageErrors
from .support import (
    PRODUCT_ANALYSIS,
    SUMMARY_ANALYSIS,
    complete,
    create_job,
    crops,
    detection_running,
    publish_analysis,
    publish_detections,
    put_output,
    sample,
    sign_in,
)

pytestmark = pytest.mark.browser

CARPHONE = "carphone_pristine.mp4"
#: Records every value the upload's progress bar takes (the page moves on when it is done).
RECORD_UPLOAD_PROGRESS = """
window.__uploadProgress = [];
new MutationObserver(() => {
  const bar = document.getElementById("upload-progress");
  if (bar) window.__uploadProgress.push(Number(bar.value));
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["value"]});
"""
#: Overlay pixels along a face box's top edge and in the frame's top-left corner, the box
#: mapped from source pixels to the canvas independently of the page's own code.
OVERLAY_PIXELS = """
([box, source]) => {
  const video = document.getElementById("player");
  const canvas = document.getElementById("overlay");
  const ctx = canvas.getContext("2d");
  const ratio = canvas.width / video.clientWidth;
  // The picture's display size (non-square pixels: not the source's), fitted in the element.
  const fit = Math.min(
    video.clientWidth / video.videoWidth, video.clientHeight / video.videoHeight);
  const left = (video.clientWidth - video.videoWidth * fit) / 2;
  const top = (video.clientHeight - video.videoHeight * fit) / 2;
  const X = (x) => Math.round((left + (x * video.videoWidth * fit) / source.width) * ratio);
  const Y = (y) => Math.round((top + (y * video.videoHeight * fit) / source.height) * ratio);
  let edge = 0;
  for (let i = 1; i < 10; i++) {
    const data = ctx.getImageData(X(box.x + (box.width * i) / 10), Y(box.y) - 3, 1, 7).data;
    for (let k = 3; k < data.length; k += 4) if (data[k] > 0) { edge++; break; }
  }
  const corner = ctx.getImageData(X(0) + 2, Y(0) + 2, 8, 8).data;
  let cornerOpaque = 0;
  for (let k = 3; k < corner.length; k += 4) if (corner[k] > 0) cornerOpaque++;
  return {edge, cornerOpaque};
}
"""


def job_id_from_url(page: Page) -> str:
    match = re.search(r"#/jobs/([^/?#]+)$", page.url)
    assert match, page.url
    return match.group(1)


def frame_at(result: dict[str, Any], seconds: float) -> dict[str, Any]:
    frames = [f for f in result["frames"] if f["timestamp_ms"] <= seconds * 1000 + 1]
    frame: dict[str, Any] = frames[-1]
    return frame


@pytest.mark.slow
def test_an_upload_through_the_page_completes_plays_and_draws_detections(
    page: Page, console: Console, screenshots: Path
) -> None:
    page.add_init_script(RECORD_UPLOAD_PROGRESS)
    sign_in(page, console, console.new_key(), "#/new")
    page.get_by_label("Mode").select_option("passthrough")
    page.get_by_label("Detect faces and poses").check()
    page.locator("#file").set_input_files(sample(CARPHONE))
    expect(page.locator("#file-name")).to_contain_text(CARPHONE)

    page.get_by_role("button", name="Upload and start").click()

    page.wait_for_url(re.compile(r"#/jobs/"))
    progress = page.evaluate("window.__uploadProgress")
    assert progress and progress[-1] == 100, progress
    assert progress == sorted(progress)
    job_id = job_id_from_url(page)
    record = console.jobs.get(job_id)
    assert record is not None and record.options.detect
    detection_running(console, job_id)  # the detection-worker picks the request up
    expect(page.locator("#job-status .badge")).to_have_text("completed", timeout=120_000)
    expect(page.locator("#job-progress progress")).to_have_attribute("value", "100")
    for stage in ("created", "chunking", "processing", "reassembling", "completed"):
        expect(page.locator(f'#stage-timeline li[data-stage="{stage}"]')).to_be_visible()
    chunking = page.locator('#stage-timeline li[data-stage="chunking"] .timeline-duration')
    expect(chunking).to_have_text(re.compile(r"^\d+(\.\d+)? s$"))
    completed = page.locator('#stage-timeline li[data-stage="completed"] .timeline-duration')
    expect(completed).to_have_text(re.compile(r"^total \d+(\.\d+)? s$"))
    expect(page.locator("#detection-status")).to_contain_text("Detection running")

    # The video plays: its currentTime advances.
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function("() => document.getElementById('player').currentTime > 0.5")

    # The detection-worker finishes: the page picks the detections up and draws them.
    result = publish_detections(console, job_id)
    toggle = page.get_by_label("Show detections")
    expect(toggle).to_be_enabled(timeout=30_000)
    expect(page.locator("#detections-note")).to_contain_text("20 faces, 20 poses")
    page.evaluate(
        "() => new Promise((done) => { const v = document.getElementById('player'); v.pause();"
        " v.addEventListener('seeked', done, {once: true}); v.currentTime = 1.0; })"
    )
    frame = frame_at(result, 1.0)
    overlay = page.locator("#overlay")
    expect(overlay).to_have_attribute("data-frame", str(frame["index"]))
    expect(overlay).to_have_attribute("data-faces", "1")
    box, source = frame["faces"][0]["bbox"], result["source_dimensions"]
    drawn = page.evaluate(OVERLAY_PIXELS, [box, source])
    assert drawn["edge"] >= 8, drawn  # the face box's top edge is drawn over the face
    assert drawn["cornerOpaque"] == 0, drawn  # and nothing where there is no detection
    page.screenshot(path=screenshots / "job-page.png", full_page=True)

    toggle.uncheck()
    expect(overlay).to_have_attribute("data-faces", "0")
    hidden = page.evaluate(OVERLAY_PIXELS, [box, source])
    assert hidden == {"edge": 0, "cornerOpaque": 0}
    toggle.check()

    # A phone: one column, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#player")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=screenshots / "job-page-phone.png", full_page=True)


def test_a_sam2_job_shows_its_crops_with_the_primary_and_its_analysis_seeks_the_player(
    page: Page, console: Console, screenshots: Path, tmp_path: Path
) -> None:
    key = console.new_key()
    job = create_job(console, key, options={"mode": "sam2", "prompt": {"box": [52, 34, 124, 106]}})
    job_id = job["job_id"]
    # A sam2 video-worker's and the media-worker's outputs, from real frames of the video.
    put_output(console, f"jobs/{job_id}/final.mp4", sample(CARPHONE).read_bytes(), "video/mp4")
    frames = crops(sample(CARPHONE), tmp_path / "crops", 6)
    for number, path in enumerate(frames, start=1):
        frame_key = f"jobs/{job_id}/frames/frame_{number:04d}.png"
        put_output(console, frame_key, path.read_bytes(), "image/png")
    analysis_key = publish_analysis(console, job_id, SUMMARY_ANALYSIS)
    complete(
        console,
        job_id,
        {
            "final": f"jobs/{job_id}/final.mp4",
            "primary_image": f"jobs/{job_id}/frames/frame_0003.png",
            "analysis": analysis_key,
        },
    )

    sign_in(page, console, key, f"#/jobs/{job_id}")

    expect(page.locator("#job-status .badge")).to_have_text("completed")
    expect(page.locator("#crops-title")).to_have_text("Subject crops (6)")
    expect(page.locator("#gallery li")).to_have_count(6)
    primary = page.locator("#gallery li.primary")
    expect(primary).to_have_count(1)
    expect(primary).to_have_attribute("data-frame", "3")
    expect(primary.locator(".primary-badge")).to_have_text("primary")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#gallery img')]"
        ".every((i) => i.complete && i.naturalWidth === 72)"
    )
    # The analysis: summary, takeaways, keywords (as text, never as markup), visual audit.
    expect(page.locator(".analysis-title")).to_have_text("A call from the car")
    expect(page.locator(".takeaways li")).to_have_count(2)
    expect(page.locator(".chips li").nth(2)).to_have_text("<script>alert(1)</script>")
    assert page.locator("#analysis-body script").count() == 0
    expect(page.locator(".analysis table tbody tr")).to_have_count(2)
    page.wait_for_function("() => document.getElementById('player').readyState >= 1")

    page.get_by_role("button", name="Play from 00:03").click()

    page.wait_for_function(
        "() => Math.abs(document.getElementById('player').currentTime - 3) < 0.6"
    )
    page.screenshot(path=screenshots / "sam2-job.png", full_page=True)


def test_a_product_analysis_is_a_table(page: Page, console: Console) -> None:
    key = console.new_key()
    job_id = create_job(console, key)["job_id"]
    analysis_key = publish_analysis(console, job_id, PRODUCT_ANALYSIS)
    complete(console, job_id, {"analysis": analysis_key})

    sign_in(page, console, key, f"#/jobs/{job_id}")

    table = page.locator(".analysis table.kv").first
    expect(table.locator("caption")).to_have_text("Product profile")
    expect(table.locator("tr", has_text="Brand").locator("td")).to_have_text("Acme")
    expect(table.locator("tr", has_text="Category").locator("td")).to_have_text("Beverages › Juice")
    expect(table.locator("tr", has_text="Logo visible").locator("td")).to_have_text("yes")
    expect(page.locator(".analysis table.grid tbody tr")).to_have_text(["Sugars22 g44"])
    expect(page.locator(".player-empty")).to_contain_text("no final video")


def test_cancel_and_delete_from_the_page_with_the_keyboard(page: Page, console: Console) -> None:
    key = console.new_key()
    job_id = create_job(console, key)["job_id"]  # waits for its upload
    page.on("dialog", lambda dialog: dialog.accept())
    sign_in(page, console, key, f"#/jobs/{job_id}")
    expect(page.locator("#job-status .badge")).to_have_text("created")

    page.get_by_role("button", name="Cancel job").focus()
    page.keyboard.press("Enter")

    expect(page.locator("#job-status .badge")).to_have_text("cancelled")
    expect(page.get_by_role("button", name="Cancel job")).to_be_hidden()
    record = console.jobs.get(job_id)
    assert record is not None and record.status is JobStatus.CANCELLED

    page.get_by_role("button", name="Delete").click()

    page.wait_for_url(re.compile(r"#/$"))
    expect(page.locator("#jobs-empty")).to_be_visible()
    assert console.jobs.get(job_id) is None


def test_the_list_moves_live_filters_by_status_and_shows_failures_as_text(
    page: Page, console: Console, screenshots: Path
) -> None:
    key = console.new_key()
    running = create_job(console, key, options={"mode": "grayscale"})["job_id"]
    failed = create_job(console, key, metadata={"note": '<img src="x" id="injected">'})["job_id"]
    console.jobs.fail(failed, "chunking", "no video stream in <b>clip.mp4</b>")
    sign_in(page, console, key)
    rows = page.locator("#jobs-body tr")
    expect(rows).to_have_count(2)
    row = page.locator(f'#jobs-body tr[data-job-id="{running}"]')
    expect(row.locator("td").nth(2)).to_have_text("grayscale")
    expect(row.locator("time")).to_have_text(re.compile(r"ago$"))

    # The pipeline moves on: the open list follows without a reload.
    console.jobs.transition(
        running, from_statuses={JobStatus.CREATED}, to_status=JobStatus.PROCESSING, total_segments=4
    )
    console.jobs.record_progress(running, 2)
    expect(row.locator(".badge")).to_have_text("processing")
    expect(row.locator("progress")).to_have_attribute("value", "50")
    page.screenshot(path=screenshots / "jobs-list.png")

    page.get_by_label("Status").select_option("failed")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-job-id", failed)
    page.get_by_label("Status").select_option("")
    expect(rows).to_have_count(2)

    rows.filter(has_text=failed).get_by_role("link").click()
    expect(page.locator("#job-error")).to_have_text(
        "Failed in chunking: no video stream in <b>clip.mp4</b>"
    )
    expect(page.locator("#details")).to_contain_text('<img src="x" id="injected">')
    assert page.locator("#injected").count() == 0
    assert page.locator("#job-error b").count() == 0


def test_a_broken_api_shows_a_message_not_a_blank_page(page: Page, console: Console) -> None:
    key = console.new_key()

    def fail(route: Route) -> None:
        route.fulfill(status=500, content_type="application/json", body='{"detail": "boom"}')

    page.route(re.compile(r"/v1/jobs"), fail)
    sign_in(page, console, key)
    expect(page.get_by_role("alert").first).to_contain_text("The API failed (HTTP 500): boom")
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()

    page.goto(f"{console.base_url}/#/jobs/job-1")
    expect(page.get_by_role("heading", name="This job could not be shown")).to_be_visible()
    expect(page.locator(".failed-view")).to_contain_text("HTTP 500")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()

    page.unroute(re.compile(r"/v1/jobs"))
    page.route(re.compile(r"/v1/jobs"), lambda route: route.abort("connectionrefused"))
    page.reload()
    expect(page.locator(".failed-view")).to_contain_text("Cannot reach the API")


def test_an_api_that_does_not_answer_times_out_with_a_message(page: Page, console: Console) -> None:
    page.add_init_script("window.VIDPIPE_API_TIMEOUT_MS = 800")
    page.route(re.compile(r"/v1/jobs"), lambda route: None)  # never answered
    sign_in(page, console, console.new_key())
    expect(page.get_by_role("alert").first).to_contain_text("did not answer within 1 s")
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()


def test_the_key_stays_in_the_tab_and_a_wrong_key_is_asked_again(
    page: Page, console: Console
) -> None:
    key = console.new_key()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    sign_in(page, console, "vpk_wrong_key")
    expect(page.locator(".key-form")).to_contain_text("The API key was refused")

    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Use this key").click()
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    stored = page.evaluate("[sessionStorage.getItem('vidpipe.apiKey'), localStorage.length]")
    assert stored == [key, 0]
    assert not [url for url in urls if key in url or "vpk_" in url]
    assert "vpk_" not in page.content()  # the key is not written into the page

    page.get_by_role("button", name="Forget key").click()
    expect(page.get_by_label("API key")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('vidpipe.apiKey')") is None


def test_every_control_of_the_new_job_form_is_labelled(page: Page, console: Console) -> None:
    sign_in(page, console, console.new_key(), "#/new")
    page.get_by_label("Mode").select_option("sam2")
    page.get_by_label("Detect faces and poses").check()
    unlabelled = page.evaluate(
        "[...document.querySelectorAll('main input, main select, main textarea')]"
        ".filter((el) => !el.labels?.length && !el.getAttribute('aria-label')).map((el) => el.id)"
    )
    assert unlabelled == []


def test_a_box_drawn_on_the_first_frame_becomes_the_sam2_prompt(
    page: Page, console: Console
) -> None:
    key = console.new_key()
    # The upload itself is answered here, so that no sam2 job reaches the video-workers.
    page.route(re.compile(r"/vidpipe-browser-input"), lambda route: route.fulfill(status=204))
    sign_in(page, console, key, "#/new")
    page.get_by_label("Mode").select_option("sam2")
    page.locator("#file").set_input_files(sample(CARPHONE))
    canvas = page.locator("#prompt-canvas")
    expect(canvas).to_be_visible()
    bounds = canvas.bounding_box()
    assert bounds is not None
    width, height = bounds["width"], bounds["height"]  # the canvas shows 176x144 source pixels

    page.mouse.move(bounds["x"] + width * 0.25, bounds["y"] + height * 0.2)
    page.mouse.down()
    page.mouse.move(bounds["x"] + width * 0.5, bounds["y"] + height * 0.5, steps=5)
    page.mouse.move(bounds["x"] + width * 0.75, bounds["y"] + height * 0.8, steps=5)
    page.mouse.up()

    box = [float(page.locator(f"#box-{n}").input_value()) for n in ("x1", "y1", "x2", "y2")]
    assert box == pytest.approx([44, 29, 132, 115], abs=2)
    page.get_by_role("button", name="Upload and start").click()
    page.wait_for_url(re.compile(r"#/jobs/"))
    record = console.jobs.get(job_id_from_url(page))
    assert record is not None
    assert record.options.prompt_box == tuple(box)


def test_a_url_is_imported_instead_of_uploaded(
    page: Page, console: Console, page_errors: PageErrors
) -> None:
    sign_in(page, console, console.new_key(), "#/new")
    page.get_by_label("Or import from a URL").fill("https://93.184.216.34/clip.mp4")
    page.get_by_role("button", name="Import and start").click()

    page.wait_for_url(re.compile(r"#/jobs/"))
    expect(page.locator("#job-stage")).to_have_text("importing: queued")
    sqs = console.stack.clients.sqs
    [message] = sqs.receive_message(QueueUrl=console.import_queue_url)["Messages"]
    request = ImportRequest.model_validate_json(message["Body"])
    assert request.job_id == job_id_from_url(page)
    sqs.delete_message(QueueUrl=console.import_queue_url, ReceiptHandle=message["ReceiptHandle"])
    assert json.loads(message["Body"])["job_id"] == request.job_id

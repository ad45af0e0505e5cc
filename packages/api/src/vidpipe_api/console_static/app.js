// The vidpipe console: a key form, the jobs list (#/), a new job (#/new) and a job page
// (#/jobs/<id>). Everything the API returns is put in the page as text (see dom.js).

import { api, apiKey, ApiError, fetchOutput, followEvents, jobPath, uploadToForm } from "./api.js";
import { renderAnalysis } from "./analysis.js";
import { age, append, clear, formatBytes, formatSeconds, h, keyValueTable, progressBar, safeUrl, statusBadge } from "./dom.js";
import { DetectionOverlay } from "./overlay.js";

const STATUSES = ["created", "chunking", "processing", "reassembling", "completed", "failed", "cancelled"];
const FINAL = new Set(["completed", "failed", "cancelled"]);
const MODES = ["passthrough", "grayscale", "sam2"];
const CONTENT_TYPES = { mp4: "video/mp4", m4v: "video/mp4", mov: "video/quicktime", webm: "video/webm", mkv: "video/x-matroska" };
const POLL_MS = 2000;

const view = document.getElementById("view");
const banner = document.getElementById("banner");
const bannerText = document.getElementById("banner-text");
let leaving = []; // what the current page stops when the person navigates away

// Messages ---------------------------------------------------------------------------------

function showError(error) {
  const message = error instanceof Error ? error.message : String(error);
  bannerText.textContent = message;
  banner.hidden = false;
  if (error instanceof ApiError && error.status === 401) {
    apiKey.clear();
    renderKeyForm(message);
  }
}

function clearError() {
  banner.hidden = true;
  bannerText.textContent = "";
}

document.getElementById("banner-close").addEventListener("click", clearError);

/** The view's own message with a Retry button, so that a failure is never a blank page. */
function failedView(title, error, retry) {
  clear(view).append(
    h(
      "section",
      { class: "failed-view" },
      h("h1", {}, title),
      h("p", { class: "error-text" }, error.message ?? String(error)),
      h("button", { type: "button", onclick: retry }, "Retry"),
    ),
  );
}

// The key ----------------------------------------------------------------------------------

function updateKeyState() {
  const present = Boolean(apiKey.get());
  document.getElementById("key-status").textContent = present ? "API key set" : "No API key";
  document.getElementById("forget-key").hidden = !present;
}

document.getElementById("forget-key").addEventListener("click", () => {
  apiKey.clear();
  route();
});

function renderKeyForm(message) {
  updateKeyState();
  const input = h("input", { id: "api-key", type: "password", autocomplete: "off", spellcheck: "false", required: true, placeholder: "vpk_…" });
  const form = h(
    "form",
    { class: "card key-form" },
    h("h1", {}, "Enter your API key"),
    h("p", {}, "The key stays in this browser tab only (session storage) and goes to the API in a header."),
    message ? h("p", { class: "error-text" }, message) : null,
    h("label", { for: "api-key" }, "API key"),
    input,
    h("button", { type: "submit" }, "Use this key"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    apiKey.set(key);
    clearError();
    route();
  });
  clear(view).append(form);
  input.focus();
}

// Jobs list --------------------------------------------------------------------------------

function jobRow(job) {
  const row = h("tr", { "data-job-id": job.job_id, "data-status": job.status });
  fillJobRow(row, job);
  return row;
}

function fillJobRow(row, job) {
  row.dataset.status = job.status;
  clear(row).append(
    h("td", { "data-label": "Job" }, h("a", { href: `#/jobs/${encodeURIComponent(job.job_id)}`, class: "job-link" }, job.job_id)),
    h("td", { "data-label": "Status" }, statusBadge(job.status), job.stage && job.stage !== job.status ? h("div", { class: "muted stage" }, job.stage) : null),
    h("td", { "data-label": "Mode" }, job.mode ?? "–"),
    h("td", { "data-label": "Progress" }, progressBar(job.progress_percent, `Progress of ${job.job_id}`)),
    h("td", { "data-label": "Age" }, h("time", { datetime: job.created_at, title: job.created_at }, age(job.created_at))),
  );
}

function renderList() {
  const filter = h(
    "select",
    { id: "status-filter" },
    h("option", { value: "" }, "All"),
    STATUSES.map((status) => h("option", { value: status }, status)),
  );
  const body = h("tbody", { id: "jobs-body" });
  const empty = h("p", { class: "muted", id: "jobs-empty", hidden: true }, "No jobs here yet. ", h("a", { href: "#/new" }, "Start one."));
  const more = h("button", { type: "button", id: "jobs-more", hidden: true }, "Load more");
  const rows = new Map();
  let cursor = null;
  let timer = null;
  let stopped = false;

  const query = (extra = {}) => {
    const params = new URLSearchParams({ limit: "20", ...extra });
    if (filter.value) params.set("status", filter.value);
    return `/v1/jobs?${params}`;
  };
  const show = (jobs, { append: atEnd }) => {
    const fresh = [];
    for (const job of jobs) {
      const row = rows.get(job.job_id);
      if (row) fillJobRow(row, job);
      else {
        const created = jobRow(job);
        rows.set(job.job_id, created);
        fresh.push(created);
      }
    }
    if (atEnd) body.append(...fresh);
    else body.prepend(...fresh);
    empty.hidden = rows.size > 0;
  };
  const refresh = async () => {
    timer = null;
    try {
      const page = await api(query());
      if (stopped) return;
      show(page.jobs, { append: rows.size === 0 });
      if (!page.next_cursor) {
        // The whole (filtered) list is this page: rows not in it left the filter or were deleted.
        const listed = new Set(page.jobs.map((job) => job.job_id));
        for (const [jobId, row] of rows) {
          if (!listed.has(jobId)) {
            row.remove();
            rows.delete(jobId);
          }
        }
        empty.hidden = rows.size > 0;
      }
      if (rows.size === page.jobs.length) {
        cursor = page.next_cursor;
        more.hidden = !cursor;
      }
      clearError();
    } catch (error) {
      if (!stopped) showError(error);
    }
    if (!stopped) timer = setTimeout(refresh, POLL_MS);
  };
  const restart = () => {
    if (timer) clearTimeout(timer);
    rows.clear();
    clear(body);
    cursor = null;
    more.hidden = true;
    refresh();
  };
  filter.addEventListener("change", restart);
  more.addEventListener("click", async () => {
    try {
      const page = await api(query({ cursor }));
      show(page.jobs, { append: true });
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      showError(error);
    }
  });
  leaving.push(() => {
    stopped = true;
    if (timer) clearTimeout(timer);
  });

  clear(view).append(
    h(
      "section",
      {},
      h(
        "div",
        { class: "toolbar" },
        h("h1", {}, "Jobs"),
        h("span", { class: "spacer" }),
        h("label", { for: "status-filter" }, "Status"),
        filter,
        h("a", { href: "#/new", class: "button" }, "New job"),
      ),
      h(
        "table",
        { class: "jobs grid" },
        h("caption", { class: "visually-hidden" }, "Your jobs, newest first; progress updates live"),
        h("thead", {}, h("tr", {}, ["Job", "Status", "Mode", "Progress", "Age"].map((name) => h("th", { scope: "col" }, name)))),
        body,
      ),
      empty,
      more,
    ),
  );
  refresh();
}

// New job ----------------------------------------------------------------------------------

function contentTypeOf(file) {
  if (Object.values(CONTENT_TYPES).includes(file.type)) return file.type;
  const extension = file.name.split(".").pop()?.toLowerCase() ?? "";
  return CONTENT_TYPES[extension] ?? null;
}

function field(id, labelText, control, hint) {
  return h("div", { class: "field" }, h("label", { for: id }, labelText), control, hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null);
}

function number(id, attrs = {}) {
  return h("input", { id, type: "number", inputmode: "decimal", min: "0", step: "any", ...attrs });
}

/** The sam2 box prompt drawn on the video's first frame (source pixels into the four inputs). */
function boxPicker(boxInputs) {
  const canvas = h("canvas", { id: "prompt-canvas", class: "prompt-canvas", "aria-label": "First frame: drag to draw the subject's box" });
  const wrap = h("div", { class: "prompt-picker", hidden: true }, h("p", { class: "hint" }, "Drag a box around the subject on the first frame (or type the numbers)."), canvas);
  let image = null;
  let start = null;
  const toSource = (event) => {
    const rect = canvas.getBoundingClientRect();
    return [
      Math.round(((event.clientX - rect.left) / rect.width) * canvas.width),
      Math.round(((event.clientY - rect.top) / rect.height) * canvas.height),
    ];
  };
  const paint = (box) => {
    const ctx = canvas.getContext("2d");
    if (image) ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    if (box) {
      ctx.strokeStyle = "#ffd400";
      ctx.lineWidth = Math.max(2, canvas.width / 200);
      ctx.strokeRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
    }
  };
  const current = () => boxInputs.map((input) => Number(input.value));
  canvas.addEventListener("pointerdown", (event) => {
    start = toSource(event);
    canvas.setPointerCapture(event.pointerId);
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!start) return;
    const [x, y] = toSource(event);
    const box = [Math.min(start[0], x), Math.min(start[1], y), Math.max(start[0], x), Math.max(start[1], y)];
    boxInputs.forEach((input, i) => (input.value = String(box[i])));
    paint(box);
  });
  canvas.addEventListener("pointerup", () => (start = null));
  for (const input of boxInputs) input.addEventListener("input", () => paint(current()));
  return {
    element: wrap,
    load(file) {
      const video = document.createElement("video");
      video.muted = true;
      video.preload = "auto";
      const url = URL.createObjectURL(file);
      video.src = url;
      video.addEventListener("loadeddata", () => {
        // The prompt is in source pixels; videoWidth/videoHeight are display pixels (they
        // differ when pixels are not square). A VideoFrame knows the source's visible size.
        const [width, height] = sourceSize(video);
        canvas.width = width;
        canvas.height = height;
        canvas.style.aspectRatio = `${video.videoWidth} / ${video.videoHeight}`;
        image = video;
        paint(null);
        wrap.hidden = false;
      }, { once: true });
      video.addEventListener("error", () => URL.revokeObjectURL(url), { once: true });
    },
  };
}

/** The video's size in source pixels (WebCodecs where the browser has it), else its display size. */
function sourceSize(video) {
  if (typeof VideoFrame === "function") {
    try {
      const frame = new VideoFrame(video);
      const size = [frame.visibleRect?.width ?? frame.codedWidth, frame.visibleRect?.height ?? frame.codedHeight];
      frame.close();
      if (size[0] > 0 && size[1] > 0) return size;
    } catch {
      // No frame to read yet: fall back to the display size.
    }
  }
  return [video.videoWidth, video.videoHeight];
}

function renderNew() {
  let file = null;
  const fileInput = h("input", { id: "file", type: "file", accept: "video/mp4,video/quicktime,video/webm,video/x-matroska,.mp4,.mov,.webm,.mkv" });
  const fileName = h("p", { class: "file-name", id: "file-name", "aria-live": "polite" }, "No file chosen");
  const drop = h(
    "div",
    { class: "dropzone", id: "dropzone" },
    h("p", {}, "Drop a video here, or "),
    h("label", { for: "file", class: "button secondary" }, "choose a file"),
    fileInput,
    fileName,
  );
  const sourceUrl = h("input", { id: "source-url", type: "url", placeholder: "https://example.com/clip.mp4", autocomplete: "off" });
  const mode = h("select", { id: "mode" }, MODES.map((m) => h("option", { value: m }, m)));
  const boxInputs = ["x1", "y1", "x2", "y2"].map((name) => number(`box-${name}`, { "aria-label": `Box ${name}`, placeholder: name }));
  const picker = boxPicker(boxInputs);
  const promptText = h("input", { id: "prompt-text", type: "text", maxlength: "500", placeholder: "e.g. the person on the left" });
  const promptFields = h(
    "fieldset",
    { class: "prompt", id: "prompt-fields", hidden: true },
    h("legend", {}, "sam2 prompt: where the subject is"),
    h("div", { class: "box-inputs", role: "group", "aria-label": "Box in source pixels: x1, y1, x2, y2" }, boxInputs),
    picker.element,
    field("prompt-text", "Or describe it", promptText),
  );
  const detect = h("input", { id: "detect", type: "checkbox" });
  const faces = h("input", { id: "detect-faces", type: "checkbox", checked: true });
  const poses = h("input", { id: "detect-poses", type: "checkbox", checked: true });
  const interval = number("detect-interval", { min: "0.04", max: "60", placeholder: "worker default" });
  const analysis = h("select", { id: "analysis" }, h("option", { value: "" }, "none"), h("option", { value: "summary" }, "summary"), h("option", { value: "product" }, "product"));
  const depth = h("select", { id: "analysis-depth" }, h("option", { value: "" }, "worker default"), h("option", { value: "standard" }, "standard"), h("option", { value: "deep" }, "deep"));
  const submit = h("button", { type: "submit", id: "submit" }, "Upload and start");
  const progress = h("progress", { id: "upload-progress", max: "100", value: "0", "aria-label": "Upload progress" });
  const progressText = h("span", { id: "upload-progress-text", "aria-live": "polite" }, "");
  const progressRow = h("div", { class: "upload-progress", hidden: true }, progress, progressText);

  const choose = (chosen) => {
    file = chosen;
    fileName.textContent = file ? `${file.name} (${formatBytes(file.size)})` : "No file chosen";
    submit.textContent = file || !sourceUrl.value ? "Upload and start" : "Import and start";
    if (file && mode.value === "sam2") picker.load(file);
  };
  fileInput.addEventListener("change", () => choose(fileInput.files[0] ?? null));
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    choose(event.dataTransfer?.files?.[0] ?? null);
  });
  sourceUrl.addEventListener("input", () => choose(file));
  mode.addEventListener("change", () => {
    promptFields.hidden = mode.value !== "sam2";
    if (file && mode.value === "sam2") picker.load(file);
  });
  const detectionOptions = h("div", { class: "sub-options", hidden: true }, h("label", { class: "check" }, faces, " faces"), h("label", { class: "check" }, poses, " poses"), field("detect-interval", "Seconds between sampled frames", interval));
  detect.addEventListener("change", () => (detectionOptions.hidden = !detect.checked));

  const options = () => {
    const chosen = { mode: mode.value };
    if (mode.value === "sam2") {
      const box = boxInputs.map((input) => input.value.trim());
      if (box.every(Boolean)) chosen.prompt = { box: box.map(Number) };
      else if (promptText.value.trim()) chosen.prompt = { text: promptText.value.trim() };
    }
    if (detect.checked) {
      chosen.detection = { faces: faces.checked, poses: poses.checked };
      if (interval.value) chosen.detection.frame_interval_seconds = Number(interval.value);
    }
    if (analysis.value) {
      chosen.analysis = { profile: analysis.value };
      if (depth.value) chosen.analysis.depth = depth.value;
    }
    return chosen;
  };

  const form = h(
    "form",
    { class: "card new-job", novalidate: true },
    h("h1", {}, "New job"),
    h("fieldset", {}, h("legend", {}, "Video"), drop, field("source-url", "Or import from a URL", sourceUrl, "vidpipe fetches it (public http/https addresses only).")),
    h(
      "fieldset",
      {},
      h("legend", {}, "Options"),
      field("mode", "Mode", mode),
      promptFields,
      h("label", { class: "check" }, detect, " Detect faces and poses"),
      detectionOptions,
      field("analysis", "Analysis", analysis),
      field("analysis-depth", "Analysis depth", depth),
    ),
    submit,
    progressRow,
  );
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    clearError();
    const url = sourceUrl.value.trim();
    if (!file && !url) return showError(new Error("Choose a video file or give a URL to import."));
    let body;
    if (file) {
      const contentType = contentTypeOf(file);
      if (!contentType) return showError(new Error(`${file.name} is not a video vidpipe takes: mp4, mov, webm or mkv.`));
      body = { upload: { content_type: contentType }, options: options() };
    } else body = { source_url: url, options: options() };
    busy = true;
    submit.disabled = true;
    try {
      const created = await api("/v1/jobs", { method: "POST", body });
      const jobId = created.job.job_id;
      if (file) {
        if (file.size > created.upload.max_bytes) throw new ApiError(`The file is larger than the ${formatBytes(created.upload.max_bytes)} this API takes.`);
        progressRow.hidden = false;
        await uploadToForm(created.upload, file, (loaded, total) => {
          const percent = total ? Math.min(100, (loaded / total) * 100) : 0;
          progress.value = percent;
          progressText.textContent = `${formatBytes(loaded)} of ${formatBytes(total)} (${Math.round(percent)} %)`;
        });
      }
      location.hash = `#/jobs/${encodeURIComponent(jobId)}`;
    } catch (error) {
      showError(error);
    } finally {
      busy = false;
      submit.disabled = false;
    }
  });
  clear(view).append(form);
}

// Job page ---------------------------------------------------------------------------------

function stageTimeline(job) {
  const entries = Object.entries(job.stages ?? {})
    .map(([status, at]) => [status, Date.parse(at)])
    .filter(([, at]) => Number.isFinite(at))
    .sort((a, b) => a[1] - b[1]);
  const end = FINAL.has(job.status) ? Date.parse(job.updated_at) : Date.now();
  const rows = entries.map(([status, at], i) => {
    const next = i + 1 < entries.length ? entries[i + 1][1] : FINAL.has(status) ? null : end;
    const seconds = next === null ? null : (next - at) / 1000;
    return { status, at, seconds };
  });
  const total = entries.length ? (end - entries[0][1]) / 1000 : null;
  const longest = Math.max(0.001, ...rows.map((row) => row.seconds ?? 0));
  return h(
    "ol",
    { class: "timeline", id: "stage-timeline" },
    rows.map((row) =>
      h(
        "li",
        { "data-stage": row.status },
        h("span", { class: "timeline-name" }, row.status),
        timelineBar(row.seconds === null ? 0 : Math.max(2, (row.seconds / longest) * 100)),
        h("span", { class: "timeline-duration", title: new Date(row.at).toLocaleString() }, row.seconds === null ? `total ${formatSeconds(total)}` : formatSeconds(row.seconds)),
      ),
    ),
  );
}

function timelineBar(percent) {
  const fill = h("span", {});
  fill.style.width = `${percent}%`; // CSSOM, not a style attribute: the page's CSP forbids those
  return h("span", { class: "timeline-bar", "aria-hidden": "true" }, fill);
}

function section(title, id, ...children) {
  return h("section", { class: "card", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), children);
}

function outputsList(outputs) {
  const names = { final: "final.mp4", thumbnail: "thumbnail.jpg", metadata: "metadata.json", analysis: "analysis.json", detections: "detections.json", detections_preview: "detections preview (mp4)", primary_image: "primary image" };
  const items = Object.entries(outputs ?? {})
    .map(([name, link]) => [name, safeUrl(link.url)])
    .filter(([, url]) => url)
    .map(([name, url]) => h("li", {}, h("a", { href: url, rel: "noreferrer", target: "_blank", download: "" }, names[name] ?? name)));
  return items.length ? h("ul", { class: "outputs", id: "outputs" }, items) : h("p", { class: "muted" }, "No outputs yet.");
}

function player(job, state) {
  const finalUrl = safeUrl(job.outputs?.final?.url);
  if (!finalUrl) {
    const thumbnail = safeUrl(job.outputs?.thumbnail?.url);
    return h("div", { class: "player-empty" }, thumbnail ? h("img", { src: thumbnail, alt: "Thumbnail" }) : null, h("p", { class: "muted" }, FINAL.has(job.status) ? "This job has no final video." : "The video appears here when the job completes."));
  }
  const video = h("video", { id: "player", controls: true, muted: true, playsinline: true, preload: "auto", src: finalUrl, poster: safeUrl(job.outputs?.thumbnail?.url) });
  const canvas = h("canvas", { class: "overlay", id: "overlay", "aria-hidden": "true" });
  const toggle = h("input", { id: "show-detections", type: "checkbox", checked: true, disabled: true });
  const toggleLabel = h("label", { class: "check", hidden: !job.detection }, toggle, " Show detections");
  const note = h("span", { class: "muted", id: "detections-note" }, job.detection ? `detection ${job.detection.state}` : "no detections asked for");
  state.video = video;
  state.overlayToggle = toggle;
  const detectionsUrl = safeUrl(job.outputs?.detections?.url);
  if (detectionsUrl) {
    note.textContent = "loading detections…";
    fetchOutput(detectionsUrl)
      .then((result) => {
        if (state.gone) return;
        state.overlay = new DetectionOverlay(video, canvas, result);
        toggle.disabled = false;
        const s = result.summary;
        note.textContent = `${s.faces_detected} faces, ${s.poses_detected} poses in ${s.total_frames} sampled frames; ${s.unique_face_tracks} face and ${s.unique_pose_tracks} pose tracks`;
      })
      .catch((error) => (note.textContent = error.message));
  }
  toggle.addEventListener("change", () => state.overlay?.setEnabled(toggle.checked));
  return h("div", {}, h("div", { class: "player" }, video, canvas), h("div", { class: "player-controls" }, toggleLabel, note));
}

function gallery(job, jobId) {
  const frames = job.frames;
  if (!frames) return null;
  const grid = h("ul", { class: "gallery", id: "gallery" });
  const more = h("button", { type: "button", hidden: !frames.next_cursor }, "More crops");
  let cursor = frames.next_cursor;
  const add = (items) =>
    grid.append(
      ...items
        .filter((item) => safeUrl(item.url))
        .map((item) =>
          h(
            "li",
            { class: item.primary ? "crop primary" : "crop", "data-frame": String(item.number) },
            h("figure", {}, h("img", { src: safeUrl(item.url), alt: `Subject crop, frame ${item.number}`, loading: "lazy" }), h("figcaption", {}, `frame ${item.number}`, item.primary ? h("span", { class: "badge primary-badge" }, "primary") : null)),
          ),
        ),
    );
  add(frames.items);
  more.addEventListener("click", async () => {
    try {
      const page = await api(`${jobPath(jobId)}?${new URLSearchParams({ frames_cursor: cursor, frames_limit: "20" })}`);
      add(page.frames?.items ?? []);
      cursor = page.frames?.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      showError(error);
    }
  });
  return section(`Subject crops (${frames.count})`, "crops", frames.count ? grid : h("p", { class: "muted" }, "No crops were written."), more);
}

function analysisSection(job, state) {
  const status = job.analysis;
  if (!status) return null;
  const body = h("div", { id: "analysis-body" });
  const url = safeUrl(job.outputs?.analysis?.url);
  if (status.state === "completed" && url) {
    body.append(h("p", { class: "muted" }, "Loading the analysis…"));
    fetchOutput(url)
      .then((doc) => {
        if (!state.gone) clear(body).append(renderAnalysis(doc, (seconds) => seek(state, seconds)));
      })
      .catch((error) => clear(body).append(h("p", { class: "error-text" }, error.message)));
  } else {
    body.append(h("p", {}, `Analysis (${status.profile}) ${status.state}${status.reason ? `: ${status.reason}` : ""}`));
  }
  return section("Analysis", "analysis", body);
}

function seek(state, seconds) {
  const video = state.video;
  if (!video) return;
  video.currentTime = seconds;
  video.play().catch(() => {});
  video.focus();
}

function metadataSection(job) {
  const rows = [
    ["Job id", job.job_id],
    ["Mode", job.mode],
    ["Source", job.source?.type === "url" ? `URL: ${job.source.url ?? ""}` : "upload"],
    ["Created", new Date(job.created_at).toLocaleString()],
    ["Updated", new Date(job.updated_at).toLocaleString()],
    ["Segments", job.total_segments == null ? null : `${job.completed_segments} of ${job.total_segments}`],
  ];
  const mine = Object.entries(job.metadata ?? {});
  const details = h("details", { id: "metadata-json" }, h("summary", {}, "metadata.json"), h("pre", {}, "Loading…"));
  const url = safeUrl(job.outputs?.metadata?.url);
  if (url) {
    details.addEventListener("toggle", () => {
      if (!details.open || details.dataset.loaded) return;
      details.dataset.loaded = "1";
      fetchOutput(url)
        .then((doc) => (details.querySelector("pre").textContent = JSON.stringify(doc, null, 2)))
        .catch((error) => (details.querySelector("pre").textContent = error.message));
    });
  }
  return section(
    "Details",
    "details",
    keyValueTable(rows),
    mine.length ? keyValueTable(mine, "Your metadata") : null,
    url ? details : null,
    h("h3", {}, "Downloads"),
    outputsList(job.outputs),
  );
}

function jobHeader(job, jobId, state) {
  const cancel = h("button", { type: "button", id: "cancel-job", hidden: FINAL.has(job.status) }, "Cancel job");
  const remove = h("button", { type: "button", id: "delete-job", class: "danger" }, "Delete");
  cancel.addEventListener("click", async () => {
    if (!confirm(`Cancel job ${jobId}? Its workers stop taking it.`)) return;
    cancel.disabled = true;
    try {
      const updated = await api(`${jobPath(jobId)}/cancel`, { method: "POST" });
      state.update(updated);
    } catch (error) {
      showError(error);
      cancel.disabled = false;
    }
  });
  remove.addEventListener("click", async () => {
    if (!confirm(`Delete job ${jobId} with all its files? This cannot be undone.`)) return;
    remove.disabled = true;
    try {
      await api(jobPath(jobId), { method: "DELETE" });
      location.hash = "#/";
    } catch (error) {
      showError(error);
      remove.disabled = false;
    }
  });
  const detection = job.detection
    ? h("p", { id: "detection-status" }, `Detection ${job.detection.state}`, job.detection.state === "running" ? progressBar(job.detection.progress_percent, "Detection progress") : null, job.detection.reason ? `: ${job.detection.reason}` : "")
    : null;
  return h(
    "section",
    { class: "card job-header" },
    h("p", { class: "crumbs" }, h("a", { href: "#/" }, "← Jobs")),
    h("h1", { id: "job-title" }, "Job ", h("code", {}, job.job_id)),
    h(
      "div",
      { class: "job-state" },
      h("span", { id: "job-status" }, statusBadge(job.status)),
      h("span", { class: "muted", id: "job-stage" }, job.stage),
      h("span", { id: "job-progress" }, progressBar(job.progress_percent, "Job progress")),
      h("span", { class: "muted" }, `mode ${job.mode}`),
    ),
    job.error
      ? h("div", { class: "job-error", id: "job-error", role: "alert" }, h("strong", {}, `Failed in ${job.error.stage}: `), h("span", { class: "reason" }, job.error.reason))
      : null,
    detection,
    h("div", { class: "actions" }, cancel, remove),
  );
}

function renderJob(jobId) {
  const state = { gone: false, overlay: null, video: null, signature: null, controller: new AbortController(), timer: null };
  leaving.push(() => {
    state.gone = true;
    state.controller.abort();
    if (state.timer) clearTimeout(state.timer);
    state.overlay?.stop();
  });
  // What decides the page's sections: when it changes, the page is drawn again. Events carry no
  // outputs: theirs are taken to be the ones on the page.
  const signature = (job, outputs) => JSON.stringify([job.status, job.detection?.state, job.analysis?.state, Object.keys(outputs ?? {}).sort()]);

  const draw = (job) => {
    state.overlay?.stop();
    state.overlay = null;
    state.video = null;
    state.signature = signature(job, job.outputs);
    state.outputs = job.outputs;
    const page = h(
      "div",
      { class: "job-page", "data-job-id": job.job_id, "data-status": job.status },
      jobHeader(job, jobId, state),
      h("div", { class: "columns" }, h("div", { class: "main-column" }, section("Video", "video", player(job, state)), gallery(job, jobId), analysisSection(job, state)), h("div", { class: "side-column" }, section("Stages", "stages", stageTimeline(job)), metadataSection(job))),
    );
    clear(view).append(page);
  };
  // A small change (progress) updates in place; a status or output change draws again.
  state.update = (job) => {
    if (state.gone) return;
    if (signature(job, job.outputs ?? state.outputs) !== state.signature) return job.outputs ? draw(job) : load();
    const status = document.getElementById("job-status");
    if (status) clear(status).append(statusBadge(job.status));
    const progress = document.getElementById("job-progress");
    if (progress) clear(progress).append(progressBar(job.progress_percent, "Job progress"));
    const stage = document.getElementById("job-stage");
    if (stage) stage.textContent = job.stage;
  };
  const load = async () => {
    try {
      const job = await api(jobPath(jobId), { signal: state.controller.signal });
      if (state.gone) return;
      clearError();
      if (signature(job, job.outputs) !== state.signature) draw(job);
      follow(job);
    } catch (error) {
      if (state.gone) return;
      if (error instanceof ApiError && error.status === 401) return showError(error);
      if (!state.signature) failedView("This job could not be shown", error, () => route());
      else showError(error);
      if (!(error instanceof ApiError && (error.status === 404 || error.status === 401))) schedule();
    }
  };
  const schedule = () => {
    if (!state.gone && !state.timer) state.timer = setTimeout(() => ((state.timer = null), load()), POLL_MS);
  };
  let streaming = false;
  const follow = (job) => {
    if (!FINAL.has(job.status)) {
      if (streaming) return;
      streaming = true;
      followEvents(jobId, (name, data) => {
        if (name === "job") state.update({ ...data, outputs: null });
        else if (name === "deleted") failedView("This job was deleted", new Error(`Job ${jobId} no longer exists.`), () => (location.hash = "#/"));
      }, state.controller.signal)
        .then(() => ((streaming = false), state.gone || load()))
        .catch((error) => {
          streaming = false;
          if (state.gone) return;
          showError(error);
          schedule(); // the stream failed: poll instead
        });
    } else if (job.detection?.state === "running") {
      schedule(); // the job is final but detection still runs beside it
    }
  };
  clear(view).append(h("p", { class: "muted" }, "Loading the job…"));
  load();
}

// Routing ----------------------------------------------------------------------------------

function route() {
  for (const stop of leaving) stop();
  leaving = [];
  updateKeyState();
  if (!apiKey.get()) return renderKeyForm();
  const hash = location.hash || "#/";
  document.querySelectorAll("nav a").forEach((link) => link.removeAttribute("aria-current"));
  if (hash.startsWith("#/jobs/")) {
    renderJob(decodeURIComponent(hash.slice("#/jobs/".length)));
  } else if (hash === "#/new") {
    document.getElementById("nav-new").setAttribute("aria-current", "page");
    renderNew();
  } else {
    document.getElementById("nav-jobs").setAttribute("aria-current", "page");
    renderList();
  }
}

window.addEventListener("hashchange", () => {
  clearError();
  route();
  view.focus({ preventScroll: true });
});
window.addEventListener("unhandledrejection", (event) => showError(event.reason));
route();

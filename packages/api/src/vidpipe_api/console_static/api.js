// The vidpipe HTTP API as the console uses it. The API key lives in this tab's sessionStorage
// only and travels only in the Authorization header: never in a URL, never logged.

const KEY_NAME = "vidpipe.apiKey";
const DEFAULT_TIMEOUT_MS = 15000;

export const apiKey = {
  get: () => sessionStorage.getItem(KEY_NAME),
  set: (key) => sessionStorage.setItem(KEY_NAME, key),
  clear: () => sessionStorage.removeItem(KEY_NAME),
};

export class ApiError extends Error {
  constructor(message, status = 0, body = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

function timeoutMs() {
  const configured = Number(window.VIDPIPE_API_TIMEOUT_MS);
  return configured > 0 ? configured : DEFAULT_TIMEOUT_MS;
}

function authHeaders() {
  const key = apiKey.get();
  if (!key) throw new ApiError("Enter an API key first.", 401);
  return { Authorization: `Bearer ${key}` };
}

/** What a person reads for a failed answer: the API's own `detail` where it gives one. */
export function describeFailure(status, body) {
  const detail = body && body.detail;
  let text = "";
  if (typeof detail === "string") text = detail;
  else if (Array.isArray(detail)) {
    text = detail
      .map((item) => {
        const where = Array.isArray(item.loc) ? item.loc.slice(1).join(".") : "";
        return where ? `${where}: ${item.msg}` : String(item.msg ?? "");
      })
      .join("; ");
  }
  if (status === 401) return "The API key was refused: enter a valid key.";
  if (status === 404) return text ? `Not found: ${text}` : "Not found (it may have been deleted).";
  if (status >= 500) {
    return `The API failed (HTTP ${status})${text ? `: ${text}` : ""}. Try again in a moment.`;
  }
  return text || `The API answered HTTP ${status}.`;
}

async function send(path, { method = "GET", body, headers = {}, signal } = {}) {
  const controller = new AbortController();
  const limit = timeoutMs();
  const timer = setTimeout(() => controller.abort("timeout"), limit);
  const onAbort = () => controller.abort("cancelled");
  signal?.addEventListener("abort", onAbort);
  try {
    return await fetch(path, {
      method,
      headers: {
        ...authHeaders(),
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
      cache: "no-store",
      credentials: "omit",
    });
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (controller.signal.reason === "timeout") {
      throw new ApiError(`The API did not answer within ${Math.round(limit / 1000)} s. Try again.`);
    }
    if (signal?.aborted) throw error;
    throw new ApiError("Cannot reach the API: check the connection, then try again.");
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  }
}

/** JSON from a /v1 route; an ApiError with a readable message for anything else. */
export async function api(path, options = {}) {
  const response = await send(path, options);
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(describeFailure(response.status, data), response.status, data);
  if (data === null || typeof data !== "object") {
    throw new ApiError("The API answered something that is not JSON. Try again in a moment.");
  }
  return data;
}

export const jobPath = (jobId) => `/v1/jobs/${encodeURIComponent(jobId)}`;

/**
 * Follow a job's server-sent events (fetch, not EventSource, so that the key goes in a header).
 * Calls onEvent(name, data) per event; resolves when the stream ends.
 */
export async function followEvents(jobId, onEvent, signal) {
  const response = await send(`${jobPath(jobId)}/events`, {
    headers: { Accept: "text/event-stream" },
    signal,
  });
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    throw new ApiError(describeFailure(response.status, data), response.status, data);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replaceAll("\r\n", "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) {
        try {
          onEvent(name, JSON.parse(data.join("\n")));
        } catch {
          // A malformed event is skipped; the next one carries the whole state again.
        }
      }
    }
  }
}

/** The S3 error message out of its XML answer, as text. */
function storageMessage(xml) {
  try {
    const doc = new DOMParser().parseFromString(xml, "application/xml");
    const message = doc.querySelector("Message")?.textContent;
    return message || "";
  } catch {
    return "";
  }
}

/**
 * POST the file to the presigned form (S3), reporting bytes sent: onProgress(loaded, total).
 * XMLHttpRequest, because fetch cannot report upload progress.
 */
export function uploadToForm(form, file, onProgress, signal) {
  return new Promise((resolve, reject) => {
    const body = new FormData();
    for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
    body.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.url);
    xhr.upload.addEventListener("progress", (event) => {
      onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        const message = storageMessage(xhr.responseText);
        reject(new ApiError(`The storage refused the upload (HTTP ${xhr.status})${message ? `: ${message}` : ""}.`));
      }
    });
    xhr.addEventListener("error", () => {
      reject(new ApiError("The upload failed: the storage could not be reached (network or CORS)."));
    });
    xhr.addEventListener("abort", () => reject(new ApiError("The upload was stopped.")));
    signal?.addEventListener("abort", () => xhr.abort());
    xhr.send(body);
  });
}

/** A JSON output through its presigned URL (no API key: the URL carries its own signature). */
export async function fetchOutput(url) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs());
  try {
    const response = await fetch(url, { signal: controller.signal, credentials: "omit" });
    if (!response.ok) throw new ApiError(`The output could not be read (HTTP ${response.status}).`);
    return await response.json();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError("The output could not be read (network, CORS or not JSON).");
  } finally {
    clearTimeout(timer);
  }
}

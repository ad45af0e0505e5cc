// Building the page from API data: every string goes in as text (never as HTML), and URLs
// only when they are http(s).

/** An element with attributes, listeners (`onclick`...) and children (nodes or text). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") el.className = value;
    else if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (["value", "checked", "selected", "muted"].includes(name)) el[name] = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

/** Add children: nodes as they are, anything else as a text node. */
export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** The URL if it is http(s), else null (a record must never inject `javascript:`). */
export function safeUrl(value) {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value, location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export function formatBytes(bytes) {
  if (!Number.isFinite(bytes)) return "?";
  const units = ["B", "kB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export function formatSeconds(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 120) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${Math.round(seconds - minutes * 60)} s`;
}

/** "12 s ago", "3 min ago", "2 h ago", "5 d ago". */
export function age(iso, now = Date.now()) {
  const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** "MM:SS" or "H:MM:SS" (or plain seconds) -> seconds; null when it is not a time. */
export function parseTimestamp(text) {
  if (typeof text !== "string") return null;
  const parts = text.trim().split(":");
  if (parts.length > 3 || parts.some((part) => !/^\d+(\.\d+)?$/.test(part))) return null;
  return parts.reduce((total, part) => total * 60 + Number(part), 0);
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}`, "data-status": status }, status);
}

export function progressBar(percent, label) {
  const value = Math.max(0, Math.min(100, Number(percent) || 0));
  return h(
    "span",
    { class: "progress" },
    h("progress", { max: "100", value: String(value), "aria-label": label }),
    h("span", { class: "progress-text" }, `${Math.round(value)} %`),
  );
}

/** A two-column table of [label, value] rows (values are nodes or text). */
export function keyValueTable(rows, caption) {
  return h(
    "table",
    { class: "kv" },
    caption ? h("caption", {}, caption) : null,
    h(
      "tbody",
      {},
      rows
        .filter(([, value]) => value !== undefined && value !== null && value !== "")
        .map(([label, value]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, value))),
    ),
  );
}

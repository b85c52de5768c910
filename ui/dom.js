// Small DOM helpers: every text goes in as textContent, never as HTML (step names are user text).

/** An element with attributes and children (strings become text nodes). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === "string" || typeof child === "number" ? String(child) : child);
  }
  return element;
}

export async function getJson(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ?? `${response.status} ${response.statusText}`);
  return body;
}

export const api = {
  executions: () => "/api/executions",
  execution: (id) => `/api/executions/${encodeURIComponent(id)}`,
  events: (id) => `/api/executions/${encodeURIComponent(id)}/events`,
  step: (id, step) => `/api/executions/${encodeURIComponent(id)}/steps/${encodeURIComponent(step)}`,
  diff: (a, b) => `/api/diff/${encodeURIComponent(a)}/${encodeURIComponent(b)}`,
};

export const link = {
  execution: (id) => `#/e/${encodeURIComponent(id)}`,
  step: (id, step) => `#/e/${encodeURIComponent(id)}/s/${encodeURIComponent(step)}`,
  diff: (a, b) => `#/diff/${encodeURIComponent(a)}/${encodeURIComponent(b)}`,
};

/** What the page calls a step status. */
export const STATE_WORDS = {
  completed: "ran",
  cached: "reused",
  failure: "failed",
  canceled: "canceled",
  running: "running",
  pending: "waiting",
  interrupted: "interrupted",
  absent: "not run",
};

/** A status in its color; a step's in the page's words (ran, reused...), an execution's as is. */
export function badge(status, text = STATE_WORDS[status] ?? status) {
  return h("span", { class: `badge s-${status}` }, text);
}

export function duration(startedAt, finishedAt, now = Date.now()) {
  if (!startedAt) return "";
  const ms = (finishedAt ? Date.parse(finishedAt) : now) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

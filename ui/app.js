// formed ui: one page, routed by the URL's hash. #/ executions, #/e/ID one execution's DAG,
// #/e/ID/s/STEP one step, #/diff/A/B two executions side by side.
import { drawDag } from "./dag.js";
import { api, badge, duration, getJson, h, link, STATE_WORDS, when } from "./dom.js";

const main = document.getElementById("main");
const crumbs = document.getElementById("crumbs");
/** Closed when the page changes: the event streams of the page shown. */
const streams = [];

function route() {
  for (const stream of streams.splice(0)) stream.close();
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const show = (promise) =>
    promise.catch((error) =>
      main.replaceChildren(h("p", { class: "error" }, String(error.message ?? error))),
    );
  if (parts[0] === "e" && parts[1] && parts[2] === "s" && parts[3]) return show(stepPage(parts[1], parts[3]));
  if (parts[0] === "e" && parts[1]) return show(executionPage(parts[1]));
  if (parts[0] === "diff" && parts[1] && parts[2]) return show(diffPage(parts[1], parts[2]));
  return show(listPage());
}

function setCrumbs(...items) {
  crumbs.replaceChildren(
    ...items.map(([text, href]) => (href ? h("a", { href }, text) : h("span", {}, text))),
  );
}

async function listPage() {
  setCrumbs(["executions"]);
  const executions = await getJson(api.executions());
  const filter = h("select", { id: "status-filter" }, h("option", { value: "" }, "every status"));
  for (const status of ["running", "completed", "failure", "canceled", "interrupted", "pending"]) {
    filter.append(h("option", { value: status }, status));
  }
  const chosen = new Set();
  const compare = h("button", { id: "compare", disabled: true }, "Compare two");
  compare.addEventListener("click", () => {
    const [a, b] = [...chosen].sort();
    location.hash = link.diff(a, b);
  });
  const body = h("tbody");
  const render = () => {
    body.replaceChildren(
      ...executions
        .filter((execution) => !filter.value || execution.status === filter.value)
        .map((execution) => {
          const box = h("input", { type: "checkbox", checked: chosen.has(execution.id) });
          box.addEventListener("change", () => {
            if (box.checked) chosen.add(execution.id);
            else chosen.delete(execution.id);
            compare.disabled = chosen.size !== 2;
          });
          const { steps } = execution;
          return h(
            "tr",
            { "data-id": execution.id, "data-status": execution.status },
            h("td", {}, box),
            h("td", {}, h("a", { href: link.execution(execution.id) }, execution.id)),
            h("td", {}, when(execution.startedAt)),
            h("td", {}, duration(execution.startedAt, execution.finishedAt)),
            h("td", {}, badge(execution.status, execution.status)),
            h("td", { class: "ran" }, steps.ran),
            h("td", { class: "reused" }, steps.reused),
            h("td", { class: "failed" }, steps.failed),
            h("td", {}, steps.total),
            h("td", { class: "muted" }, execution.config ?? ""),
          );
        }),
    );
  };
  filter.addEventListener("change", render);
  render();
  main.replaceChildren(
    h("h2", {}, "Executions"),
    h("div", { class: "toolbar" }, h("label", {}, "Status ", filter), compare),
    executions.length === 0
      ? h("p", { class: "muted" }, "No execution recorded here yet: run `formed workflow run CONFIG`.")
      : h(
          "table",
          { id: "executions" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ...[
                "",
                "id",
                "started",
                "duration",
                "status",
                "ran",
                "reused",
                "failed",
                "steps",
                "config",
              ].map((text) => h("th", {}, text)),
            ),
          ),
          body,
        ),
  );
}

async function executionPage(id) {
  setCrumbs(["executions", "#/"], [id]);
  const execution = await getJson(api.execution(id));
  const status = h("span", { id: "execution-status" });
  const counts = h("span", { class: "muted" });
  const timing = h("span", { id: "render-time", class: "muted" });
  const dagBox = h("div");
  const showState = (state, steps) => {
    status.replaceChildren(badge(state.status, state.status));
    const tally = {};
    for (const step of Object.values(steps)) tally[step.status] = (tally[step.status] ?? 0) + 1;
    counts.textContent = Object.entries(tally)
      .map(([key, count]) => `${count} ${STATE_WORDS[key] ?? key}`)
      .join(", ");
  };
  main.replaceChildren(
    h("div", { class: "toolbar" }, h("h2", {}, id), status, counts, timing),
    h(
      "div",
      { class: "toolbar legend" },
      ...["cached", "completed", "failure", "canceled", "running", "pending", "interrupted"].map((status) =>
        badge(status),
      ),
    ),
    dagBox,
  );
  showState(execution.state, execution.steps);
  const t0 = performance.now();
  const dag = drawDag(dagBox, execution, (step) => {
    location.hash = link.step(id, step);
  });
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const painted = performance.now();
  // Read by the tests: layout and DOM (dag.ms), and until the first frame is painted (ms).
  window.formedRender = { nodes: dag.nodes, layoutMs: dag.ms, ms: painted - t0 };
  timing.textContent = `${dag.nodes} steps drawn in ${Math.round(painted - t0)} ms`;
  const events = new EventSource(api.events(id));
  streams.push(events);
  events.addEventListener("state", (event) => {
    const update = JSON.parse(event.data);
    showState(update.state, update.steps);
    dag.update(update.steps, update.state.status);
  });
  events.addEventListener("end", () => events.close());
}

async function stepPage(id, name) {
  setCrumbs(["executions", "#/"], [id, link.execution(id)], [name]);
  const view = await getJson(api.step(id, name));
  const state = view.state ?? { status: "absent" };
  const log = h("pre", { id: "log" });
  const result = h("div", { id: "result" }, h("p", { class: "muted" }, "Reading the result…"));
  const key = view.key;
  main.replaceChildren(
    h(
      "div",
      { class: "toolbar" },
      h("h2", {}, name),
      h("span", { id: "step-status" }, badge(state.status)),
      h("span", { class: "muted" }, duration(state.startedAt, state.finishedAt)),
    ),
    h("h3", {}, "Why"),
    h("ul", { id: "reason" }, ...view.reason.map((line) => h("li", {}, line))),
    h(
      "div",
      { class: "cols" },
      h(
        "div",
        {},
        h("h3", {}, "Config"),
        h("pre", { id: "config" }, JSON.stringify(view.step.config, null, 2)),
        h("h3", {}, "Fingerprint"),
        h("code", { id: "fingerprint" }, state.fingerprint || "(not made yet)"),
        h("h3", {}, "Key parts"),
        key
          ? h(
              "table",
              { id: "key" },
              h("tr", {}, h("th", {}, "type"), h("td", {}, key.type)),
              h("tr", {}, h("th", {}, "version"), h("td", {}, key.version)),
              h("tr", {}, h("th", {}, "format"), h("td", {}, key.format)),
              h(
                "tr",
                {},
                h("th", {}, "flags"),
                h("td", {}, `deterministic: ${key.deterministic}, cacheable: ${key.cacheable}`),
              ),
              h(
                "tr",
                {},
                h("th", {}, "arguments"),
                h("td", {}, h("pre", {}, JSON.stringify(key.arguments, null, 2))),
              ),
              h(
                "tr",
                {},
                h("th", {}, "upstream"),
                h("td", {}, h("pre", {}, JSON.stringify(key.upstream, null, 2))),
              ),
              h(
                "tr",
                {},
                h("th", {}, "code units"),
                h(
                  "td",
                  {},
                  h(
                    "pre",
                    {},
                    Object.entries(view.units)
                      .map(([unit, hash]) => `${hash.slice(0, 12)}  ${unit}`)
                      .join("\n"),
                  ),
                ),
              ),
              h(
                "tr",
                {},
                h("th", {}, "packages"),
                h("td", {}, h("pre", {}, JSON.stringify(key.packages ?? {}, null, 2))),
              ),
            )
          : h("p", { class: "muted" }, "No key recorded (the step did not get that far)."),
      ),
      h("div", {}, h("h3", {}, "Log"), log, h("h3", {}, "Result"), result),
    ),
  );
  const events = new EventSource(`${api.step(id, name)}/log?follow=1`);
  streams.push(events);
  events.addEventListener("log", (event) => log.append(JSON.parse(event.data)));
  events.addEventListener("end", () => {
    events.close();
    // The step has just ended: show its final state, key and result (the page, not a reload).
    const hash = location.hash;
    if (state.status === "running" || state.status === "pending") {
      setTimeout(() => location.hash === hash && route(), 300);
      return;
    }
    if (!log.textContent) log.textContent = "(no log lines)";
    log.dataset.done = "true";
  });
  showResult(result, await getJson(`${api.step(id, name)}/result`));
}

function showResult(box, preview) {
  box.dataset.kind = preview.kind;
  if (preview.kind === "value") {
    box.replaceChildren(
      h("p", { class: "muted" }, `format ${preview.format}${preview.truncated ? " (truncated)" : ""}`),
      h("pre", {}, preview.json),
    );
  } else if (preview.kind === "items") {
    box.replaceChildren(
      h(
        "p",
        { class: "muted" },
        `format ${preview.format}: ${preview.more ? `the first ${preview.items.length} items` : `${preview.items.length} items`}`,
      ),
      h("pre", {}, preview.items.join("\n")),
    );
  } else if (preview.kind === "binary") {
    box.replaceChildren(
      h(
        "p",
        {},
        `Binary result, format ${preview.format}${preview.bytes === undefined ? "" : `, ${preview.bytes} bytes`}.`,
      ),
    );
  } else {
    box.replaceChildren(h("p", { class: "muted" }, preview.message));
  }
}

async function diffPage(a, b) {
  setCrumbs(["executions", "#/"], [`${a} ↔ ${b}`]);
  const diff = await getJson(api.diff(a, b));
  const changes = (rows) =>
    rows.length === 0
      ? h("p", { class: "muted" }, "none")
      : h(
          "table",
          {},
          h("tr", {}, h("th", {}, "what"), h("th", {}, a), h("th", {}, b)),
          ...rows.map((row) =>
            h(
              "tr",
              {},
              h("td", {}, row.name),
              h("td", {}, JSON.stringify(row.old) ?? ""),
              h("td", {}, JSON.stringify(row.new) ?? ""),
            ),
          ),
        );
  main.replaceChildren(
    h("h2", {}, "Two executions side by side"),
    h("p", {}, h("a", { href: link.execution(a) }, a), " ↔ ", h("a", { href: link.execution(b) }, b)),
    h("h3", {}, "Circumstances"),
    changes(diff.circumstances),
    h("h3", {}, "Packages"),
    changes(diff.packages),
    h("h3", {}, "Steps"),
    h(
      "table",
      { id: "diff-steps" },
      h(
        "tr",
        {},
        h("th", {}, "step"),
        h("th", {}, "result"),
        h("th", {}, `fingerprint in ${a}`),
        h("th", {}, `fingerprint in ${b}`),
        h("th", {}, "what changed"),
      ),
      ...diff.steps.map((step) =>
        h(
          "tr",
          { "data-step": step.name, "data-result": step.result },
          h("td", {}, step.name),
          h(
            "td",
            {},
            step.result.replaceAll("-", " "),
            step.note ? h("div", { class: "muted" }, step.note) : null,
          ),
          h("td", {}, h("code", {}, (step.fingerprints.first ?? "").slice(0, 12))),
          h("td", {}, h("code", {}, (step.fingerprints.second ?? "").slice(0, 12))),
          h("td", {}, h("ul", {}, ...(step.described ?? []).map((line) => h("li", {}, line)))),
        ),
      ),
    ),
  );
}

window.addEventListener("hashchange", route);
route();

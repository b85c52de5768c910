// The DAG of one execution: laid out by dagre (layered, dependencies left of their readers),
// drawn as SVG, each node colored by its step's state; pan by dragging, zoom with the wheel.
import dagre from "@dagrejs/dagre";
import { duration, STATE_WORDS } from "./dom.js";

const SVG = "http://www.w3.org/2000/svg";
const NODE_HEIGHT = 40;

function svg(tag, attributes = {}) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  return element;
}

/** Draws `execution`'s graph into `container`; returns { update(steps), ms } for live states. */
export function drawDag(container, execution, onOpen) {
  const started = performance.now();
  const { order, steps } = execution.graph;
  const graph = new dagre.graphlib.Graph();
  // longest-path ranking: network-simplex is much slower on thousands of steps.
  graph.setGraph({
    rankdir: "LR",
    nodesep: 12,
    ranksep: 50,
    ranker: order.length > 300 ? "longest-path" : "network-simplex",
  });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const name of order)
    graph.setNode(name, { width: Math.max(150, Math.min(260, 20 + name.length * 7)), height: NODE_HEIGHT });
  for (const name of order) {
    for (const dependency of steps[name].dependencies)
      if (graph.hasNode(dependency)) graph.setEdge(dependency, name);
  }
  dagre.layout(graph);

  const root = svg("svg", { id: "dag" });
  const view = svg("g");
  root.append(view);
  const edges = svg("g");
  const nodes = svg("g");
  view.append(edges, nodes);
  let edgePaths = "";
  for (const edge of graph.edges()) {
    const points = graph.edge(edge).points;
    edgePaths += `M${points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join("L")}`;
  }
  // One path for every edge: thousands of elements cost more than one long attribute.
  edges.append(svg("path", { class: "edge", d: edgePaths }));
  const byName = new Map();
  for (const name of order) {
    const node = graph.node(name);
    const group = svg("g", {
      class: "node s-absent",
      transform: `translate(${node.x - node.width / 2},${node.y - NODE_HEIGHT / 2})`,
    });
    group.dataset.step = name;
    const rect = svg("rect", { width: node.width, height: NODE_HEIGHT });
    const title = svg("text", { x: 8, y: 16 });
    title.textContent = name.length > 34 ? `${name.slice(0, 33)}…` : name;
    const detail = svg("text", { x: 8, y: 32, class: "detail" });
    const tooltip = svg("title");
    tooltip.textContent = name;
    group.append(tooltip, rect, title, detail);
    group.addEventListener("click", () => onOpen(name));
    nodes.append(group);
    byName.set(name, { group, detail });
  }
  container.replaceChildren(root);
  // The whole graph in view, but never drawn larger than life (a small graph stays readable).
  const size = graph.graph();
  const w = (size.width ?? 100) + 20;
  const h = (size.height ?? 100) + 20;
  let box = { x: -10, y: -10, w: Math.max(w, root.clientWidth), h: Math.max(h, root.clientHeight) };
  const apply = () => root.setAttribute("viewBox", `${box.x} ${box.y} ${box.w} ${box.h}`);
  apply();
  enablePanZoom(
    root,
    () => box,
    (next) => {
      box = next;
      apply();
    },
  );

  let current = execution.steps;
  let goesOn = false;
  const update = (states, executionStatus) => {
    current = states;
    goesOn = executionStatus === "running" || executionStatus === "pending";
    const now = Date.now();
    for (const [name, { group, detail }] of byName) {
      const state = states[name];
      // A step of a run going on that has no state yet waits for the steps it reads.
      const status = state?.status ?? (goesOn ? "pending" : "absent");
      const className = `node s-${status}`;
      if (group.getAttribute("class") !== className) group.setAttribute("class", className);
      group.dataset.status = status;
      const text = `${STATE_WORDS[status] ?? status}${state?.startedAt ? ` · ${duration(state.startedAt, state.finishedAt, now)}` : ""}`;
      if (detail.textContent !== text) detail.textContent = text;
    }
  };
  update(current, execution.state.status);
  // Running steps' durations grow between events.
  const timer = setInterval(() => {
    if (!root.isConnected) clearInterval(timer);
    else if (goesOn) update(current, "running");
  }, 1000);
  return { update, ms: performance.now() - started, nodes: order.length };
}

function enablePanZoom(root, get, set) {
  let drag;
  root.addEventListener(
    "wheel",
    (event) => {
      event.preventDefault();
      const box = get();
      const rect = root.getBoundingClientRect();
      const factor = event.deltaY > 0 ? 1.2 : 1 / 1.2;
      const fx = (event.clientX - rect.left) / rect.width;
      const fy = (event.clientY - rect.top) / rect.height;
      const w = box.w * factor;
      const h = box.h * factor;
      set({ x: box.x + (box.w - w) * fx, y: box.y + (box.h - h) * fy, w, h });
    },
    { passive: false },
  );
  root.addEventListener("pointerdown", (event) => {
    drag = { x: event.clientX, y: event.clientY, box: get() };
  });
  root.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const rect = root.getBoundingClientRect();
    const scale = Math.max(drag.box.w / rect.width, drag.box.h / rect.height);
    set({
      ...drag.box,
      x: drag.box.x - (event.clientX - drag.x) * scale,
      y: drag.box.y - (event.clientY - drag.y) * scale,
    });
  });
  for (const type of ["pointerup", "pointerleave"])
    root.addEventListener(type, () => {
      drag = undefined;
    });
}

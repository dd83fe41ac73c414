// sagegate console: plain DOM and SVG, no libraries. Everything comes from /_sagegate/api
// and the /_sagegate/live WebSocket.
"use strict";

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
};
const statusClass = (s) => (s >= 500 ? "s5xx" : s >= 400 ? "s4xx" : "s2xx");
const fmt = (v) => (v === null || v === undefined ? "–" : Number(v).toFixed(3));
let routes = [];
const history = [];
const MAX_ROWS = 100;

async function getJSON(url, options) {
  const response = await fetch(url, options);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.json();
}

// -- The API -----------------------------------------------------------------------------
function renderRoutes(doc) {
  $("api-title").textContent = `${doc.api} · stage ${doc.stage}`;
  $("test-note").textContent = doc.test_note;
  routes = doc.routes;
  const body = $("routes-body");
  body.replaceChildren();
  const select = $("test-route");
  select.replaceChildren();
  routes.forEach((r, i) => {
    const auth = r.authorization + (r.api_key_required ? " + API key" : "");
    body.append(el("tr", {}, el("td", {}, r.method), el("td", {}, r.url), el("td", {}, auth),
      el("td", { class: "wrap" }, r.integration),
      el("td", { class: "wrap" }, r.served ? "yes" : `no: ${r.reason}`)));
    if (r.served) select.append(el("option", { value: String(i) }, `${r.method} ${r.url}`));
  });
  select.onchange = renderParams;
  renderParams();
}

function renderParams() {
  const route = routes[Number($("test-route").value)];
  const box = $("test-params");
  box.replaceChildren();
  if (!route) return;
  for (const match of route.url.matchAll(/\{([^}]+)\}/g)) {
    const name = match[1];
    box.append(el("label", {}, `Path parameter ${name}`,
      el("input", { "data-param": match[0], name: `param-${name.replace("+", "")}`, spellcheck: "false" })));
  }
}

function lines(text, separator) {
  return text.split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
    const at = l.indexOf(separator);
    return at < 0 ? [l, ""] : [l.slice(0, at).trim(), l.slice(at + 1).trim()];
  });
}

async function sendTest(event) {
  event.preventDefault();
  const route = routes[Number($("test-route").value)];
  if (!route) return;
  let path = route.url;
  for (const input of $("test-params").querySelectorAll("input")) {
    const value = input.value;
    const encoded = input.dataset.param.endsWith("+}") ? value.split("/").map(encodeURIComponent).join("/")
      : encodeURIComponent(value);
    path = path.replace(input.dataset.param, encoded);
  }
  const query = lines($("test-query").value, "=")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
  const request = { method: route.method, path, query, headers: lines($("test-headers").value, ":"),
    body: $("test-body").value };
  $("test-send").disabled = true;
  try {
    const result = await getJSON("api/test", { method: "POST",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(request) });
    $("test-result").hidden = false;
    const status = $("test-status");
    status.textContent = result.status;
    status.className = `status ${statusClass(result.status)}`;
    $("test-latency").textContent = `${fmt(result.latency_ms)} ms`;
    let body = result.response_body;
    try { body = JSON.stringify(JSON.parse(body), null, 2); } catch (e) { /* not JSON */ }
    $("test-response").textContent = body;
    $("test-trace").replaceChildren(waterfall(result.spans));
    $("test-stages").replaceChildren(stages(result.stages));
  } finally {
    $("test-send").disabled = false;
  }
}

// -- A request's stages and its trace ---------------------------------------------------
function stages(list) {
  const box = el("div");
  for (const [title, text] of list) box.append(el("div", { class: "stage" }, el("h4", {}, title), el("pre", {}, text)));
  return box;
}

function waterfall(spans) {
  const total = Math.max(...spans.map((s) => s.start_ms + s.duration_ms), 0.001);
  const box = el("div", { class: "waterfall" }, el("h4", {}, "Trace (X-Ray style segments)"));
  for (const span of spans) {
    const bar = el("div", { class: "bar" });
    const fill = el("span");
    fill.style.left = `${(100 * span.start_ms) / total}%`;
    fill.style.width = `${(100 * span.duration_ms) / total}%`;
    bar.append(fill);
    box.append(el("div", { class: "row" }, el("span", {}, span.name), bar,
      el("span", {}, `${fmt(span.duration_ms)} ms`)));
    box.lastChild.title = `starts at +${fmt(span.start_ms)} ms`;
  }
  return box;
}

// -- Requests ----------------------------------------------------------------------------
function addRequests(items) {
  const body = $("requests-body");
  for (const r of items) {
    const time = new Date(r.time_ms).toLocaleTimeString();
    const row = el("tr", { "data-id": r.id }, el("td", {}, time), el("td", {}, r.method),
      el("td", { class: "path", title: r.path }, r.path), el("td", { class: `status ${statusClass(r.status)}` }, String(r.status)),
      el("td", {}, fmt(r.latency_ms)), el("td", {}, fmt(r.integration_latency_ms)), el("td", {}, r.id));
    row.onclick = () => showRequest(r.id, row);
    body.prepend(row);
  }
  while (body.children.length > MAX_ROWS) body.lastChild.remove();
}

async function showRequest(id, row) {
  for (const chosen of document.querySelectorAll("#requests-body tr.chosen")) chosen.classList.remove("chosen");
  row.classList.add("chosen");
  const detail = $("request-detail");
  try {
    const r = await getJSON(`api/requests/${encodeURIComponent(id)}`);
    detail.replaceChildren(el("h3", {}, `${r.method} ${r.path} → ${r.status}`),
      el("p", { class: "muted" }, `request ${r.id} · trace ${r.trace_id} · worker ${r.worker}`),
      waterfall(r.spans), stages(r.stages));
  } catch (e) {
    detail.replaceChildren(el("p", { class: "muted" }, `${id}: no longer kept (${e.message})`));
  }
}

// -- Metrics -----------------------------------------------------------------------------
function series(pick) {
  const points = [];
  for (let i = 1; i < history.length; i++) {
    const a = history[i - 1], b = history[i];
    const dt = Math.max(b.t - a.t, 0.001);
    points.push([b.t, pick(a, b, dt)]);
  }
  return points;
}
const rate = (key) => (a, b, dt) => Math.max(0, b[key] - a[key]) / dt;
const average = (sum, count) => (a, b) => {
  const n = b[count] - a[count];
  return n > 0 ? (b[sum] - a[sum]) / n : null;
};

function chart(id, lines) {
  const W = 600, H = 160, L = 48, B = 18;
  const all = lines.flat().filter((p) => p[1] !== null);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const now = history.length ? history[history.length - 1].t : 0;
  const t0 = Math.min(now - 300, ...all.map((p) => p[0]));
  const top = Math.max(1e-9, ...all.map((p) => p[1])) * 1.1;
  const x = (t) => L + ((W - L - 4) * (t - t0)) / Math.max(now - t0, 1);
  const y = (v) => H - B - ((H - B - 6) * v) / top;
  const add = (tag, attrs, text) => {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
  };
  add("line", { class: "axis", x1: L, y1: H - B, x2: W, y2: H - B });
  add("line", { class: "axis", x1: L, y1: 4, x2: L, y2: H - B });
  add("text", { x: 2, y: 12 }, top >= 100 ? top.toFixed(0) : top.toPrecision(3));
  add("text", { x: 2, y: H - B }, "0");
  add("text", { x: L, y: H - 4 }, `${Math.round((now - t0) / 60)} min ago`);
  add("text", { x: W - 24, y: H - 4 }, "now");
  lines.forEach((points, i) => {
    const shown = points.filter((p) => p[1] !== null);
    if (shown.length) add("polyline", { class: `s${i}`, points: shown.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(" ") });
  });
  const figure = $(id);
  figure.querySelector("svg")?.remove();
  figure.append(svg);
}

function drawCharts() {
  chart("chart-requests", [series(rate("requests")), series(rate("errors_4xx")), series(rate("errors_5xx"))]);
  chart("chart-latency", [series(average("latency_ms", "requests")), series(average("integration_latency_ms", "integrations"))]);
  chart("chart-invocations", [series(rate("invocations")), series(rate("invocation_4xx")), series(rate("invocation_5xx"))]);
  chart("chart-model", [series(average("model_latency_us", "invocations")), series(average("overhead_latency_us", "invocations"))]);
}

// -- Live updates ------------------------------------------------------------------------
function connect() {
  const socket = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/_sagegate/live`);
  socket.onopen = () => { $("live").textContent = "live"; $("live").classList.add("on"); };
  socket.onclose = () => {
    $("live").textContent = "reconnecting";
    $("live").classList.remove("on");
    setTimeout(connect, 2000);
  };
  socket.onmessage = (event) => {
    const message = JSON.parse(event.data);
    if (message.type === "hello") {
      $("requests-body").replaceChildren();
      addRequests([...message.requests].reverse());
      history.splice(0, history.length, ...message.history);
      drawCharts();
    } else if (message.type === "requests") {
      addRequests(message.items);
    } else if (message.type === "sample") {
      history.push(message.sample);
      if (history.length > 450) history.shift();
      drawCharts();
    }
  };
}

$("test-form").addEventListener("submit", sendTest);
getJSON("api/routes").then(renderRoutes);
drawCharts();
connect();

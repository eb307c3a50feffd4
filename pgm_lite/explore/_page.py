"""The explorer's single page: plain HTML, CSS and a little JavaScript, no build step, nothing
fetched from elsewhere (works offline). The picture is the Graphviz SVG the server sends once
per view; a click fetches only the posteriors and the script updates the picture in place.
"""

from __future__ import annotations

import html

from ._session import OBSERVED_FILL

__all__ = ["page"]

_STYLE = """
body { margin: 0; font-family: Helvetica, Arial, sans-serif; display: flex; height: 100vh; }
main { flex: 1; overflow: auto; padding: 12px; }
aside { width: 300px; border-left: 1px solid #ccc; padding: 12px 16px; overflow: auto;
        background: #fafafa; }
h1 { font-size: 1.2em; margin: 0 0 4px; } h2 { font-size: 1em; margin: 16px 0 4px; }
.hint { color: #555; font-size: 0.9em; margin: 0; }
#message { background: #fbe3e3; color: #8b0000; border: 1px solid #d62728; padding: 8px;
           margin: 10px 0; border-radius: 4px; white-space: pre-wrap; }
#evidence { padding-left: 18px; margin: 4px 0; } #evidence button { margin-left: 6px; }
.pgm-state { cursor: pointer; } .pgm-state:hover .pgm-hit { fill: rgba(76,114,176,0.15); }
.pgm-state:focus { outline: 2px solid #4c72b0; }
button, select { font: inherit; margin: 2px 0; }
#map-result { font-size: 0.9em; }
"""

_SCRIPT = """
"use strict";
const ui = {
  picture: document.getElementById("picture"), message: document.getElementById("message"),
  evidence: document.getElementById("evidence"), pe: document.getElementById("p-evidence"),
  view: document.getElementById("view"), download: document.getElementById("download"),
  mapResult: document.getElementById("map-result"),
};
const current = { evidence: {}, view: "network", states: new Map(), shapes: [], asked: 0, stale: false };

function done() { document.body.dataset.updates = String(Number(document.body.dataset.updates) + 1); }
function showMessage(text) { ui.message.textContent = text; ui.message.hidden = false; }

async function post(path, body) {
  let response;
  try {
    response = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                                   body: JSON.stringify(body) });
  } catch (err) {
    return [false, { error: "the explorer server does not answer (was it stopped?)" }];
  }
  try { return [response.ok, await response.json()]; }
  catch (err) { return [false, { error: `the server answered ${response.status} without a message` }]; }
}

function drawEvidence() {
  ui.evidence.replaceChildren();
  const names = Object.keys(current.evidence);
  if (names.length === 0) {
    const li = document.createElement("li"); li.textContent = "none"; ui.evidence.append(li);
  }
  for (const name of names) {
    const li = document.createElement("li");
    li.textContent = `${name} = ${current.evidence[name]}`;
    const clear = document.createElement("button");
    clear.textContent = "\\u00d7"; clear.title = `clear ${name}`;
    clear.addEventListener("click", () => { const next = { ...current.evidence }; delete next[name]; observe(next); });
    li.append(clear); ui.evidence.append(li);
  }
}

// Index the picture once per view: per state its cells (they carry data-probability), its bar
// and its percentage; per variable the shape shaded when it is observed.
function bindStates() {
  current.states = new Map();
  current.shapes = Array.from(ui.picture.querySelectorAll(".pgm-shape"));
  const cells = Array.from(ui.picture.querySelectorAll("[data-variable][data-state]"));
  const boxes = cells.map((el) => el.getBBox());   // all reads before any write: one layout, not n
  cells.forEach((el, index) => {
    const box = boxes[index];
    const hit = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    hit.setAttribute("class", "pgm-hit");
    for (const [k, v] of [["x", box.x], ["y", box.y], ["width", box.width], ["height", box.height]]) {
      hit.setAttribute(k, String(v));
    }
    hit.setAttribute("fill", "transparent");
    el.insertBefore(hit, el.firstChild);
    const key = JSON.stringify([el.dataset.variable, el.dataset.state]);
    if (!current.states.has(key)) current.states.set(key, { cells: [], bar: null, text: null, p: Number(el.dataset.probability) });
    const entry = current.states.get(key);
    entry.cells.push(el);
    entry.bar = entry.bar || el.querySelector("rect.pgm-bar");
    if (el.id.endsWith("-2")) entry.text = el.querySelector("text");
    const toggle = (event) => {
      event.preventDefault();
      const name = el.dataset.variable, state = el.dataset.state, next = { ...current.evidence };
      if (next[name] === state) { delete next[name]; } else { next[name] = state; }
      observe(next);
    };
    el.addEventListener("click", toggle);
    el.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") toggle(event); });
  });
}

// Show new posteriors in place: bars, percentages, data-probability, shading, side panel (only
// what changed is touched, so a click on a big network repaints little).
function apply(data) {
  current.evidence = data.evidence;
  for (const [name, table] of Object.entries(data.marginals)) {
    for (const [state, p] of Object.entries(table)) {
      const entry = current.states.get(JSON.stringify([name, state]));
      if (!entry || entry.p === p) continue;
      entry.p = p;
      for (const cell of entry.cells) cell.setAttribute("data-probability", String(p));
      if (entry.bar) entry.bar.setAttribute("width", String(p * Number(entry.bar.dataset.full)));
      if (entry.text) entry.text.textContent = `\\u00a0${(100 * p).toFixed(1)}%`;
    }
  }
  for (const shape of current.shapes) {
    const fill = Object.hasOwn(current.evidence, shape.dataset.for) ? OBSERVED_FILL : shape.dataset.fill;
    if (shape.getAttribute("fill") !== fill) shape.setAttribute("fill", fill);
  }
  drawEvidence();
  ui.pe.textContent = Number(data.p_evidence).toPrecision(6);
  ui.pe.dataset.value = String(data.p_evidence);
  current.stale = true;
}

// The download is the picture as it is now (without the page's click targets), made when the
// link is used rather than on every click.
function refreshDownload() {
  const svg = ui.picture.querySelector("svg");
  if (!svg || !current.stale) return;
  const copy = svg.cloneNode(true);
  for (const hit of copy.querySelectorAll(".pgm-hit")) hit.remove();
  const text = '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\\n'
    + new XMLSerializer().serializeToString(copy);
  URL.revokeObjectURL(ui.download.href);
  ui.download.href = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
  ui.download.download = `${document.body.dataset.model}-${current.view}.svg`;
  current.stale = false;
}

function answered(ok, data) {
  if (ok) { ui.message.hidden = true; ui.mapResult.replaceChildren(); }
  else { showMessage(data.error || "the request failed"); ui.view.value = current.view; }
  return ok;
}

// A click: only posteriors travel; the picture stays and is updated in place.
async function observe(evidence) {
  const asked = ++current.asked;
  const [ok, data] = await post("api/posteriors", { evidence });
  if (asked === current.asked && answered(ok, data)) apply(data);   // a later click wins
  done();
}

// The first load and a view switch: the server sends the picture of the view.
async function show(view) {
  const asked = ++current.asked;
  const [ok, data] = await post("api/state", { evidence: current.evidence, view });
  if (asked === current.asked && answered(ok, data)) {
    current.view = data.view;
    ui.picture.innerHTML = data.svg;
    bindStates();
    apply(data);
    refreshDownload();
  }
  done();
}

async function showMap() {
  const [ok, data] = await post("api/map", { evidence: current.evidence });
  if (!ok) { showMessage(data.error || "the request failed"); done(); return; }
  ui.message.hidden = true;
  const list = document.createElement("ul");
  for (const [name, state] of Object.entries(data.assignment)) {
    const li = document.createElement("li"); li.textContent = `${name} = ${state}`;
    li.dataset.variable = name; li.dataset.state = state; list.append(li);
  }
  const p = document.createElement("p");
  p.textContent = `joint probability with the evidence: ${Number(data.probability).toPrecision(6)}`;
  ui.mapResult.replaceChildren(list, p);
  done();
}

document.getElementById("map").addEventListener("click", showMap);
for (const event of ["click", "contextmenu", "focus", "pointerdown"]) ui.download.addEventListener(event, refreshDownload);
document.getElementById("clear").addEventListener("click", () => observe({}));
ui.view.addEventListener("change", () => show(ui.view.value));
show("network");
"""


def page(name: str, views: dict[str, str]) -> str:
    """Return the explorer's HTML page for a model called ``name``.

    Examples
    --------
    >>> text = page("asia", {"network": "network"})
    >>> "<title>pgm-lite explore: asia</title>" in text and "http" not in text.split("<script>")[0]
    True
    """
    options = "".join(f'<option value="{html.escape(k)}">{html.escape(v)}</option>' for k, v in views.items())
    title = html.escape(name)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pgm-lite explore: {title}</title><style>{_STYLE}</style></head>
<body data-updates="0" data-model="{title}">
<main><div id="picture" aria-live="polite"></div></main>
<aside>
<h1>{title}</h1>
<p class="hint">Click a state to observe it (the node is shaded); click it again to clear it.
Posteriors come from exact inference.</p>
<div id="message" role="alert" hidden></div>
<h2>Evidence</h2><ul id="evidence"></ul><button id="clear">Clear all evidence</button>
<h2>P(evidence)</h2><p><span id="p-evidence">1</span></p>
<h2>Most probable explanation</h2><button id="map">Compute MAP</button><div id="map-result"></div>
<h2>View</h2><select id="view" aria-label="view">{options}</select>
<p><a id="download" href="#" download="picture.svg">Download the picture (SVG)</a></p>
</aside>
<script>const OBSERVED_FILL = "{OBSERVED_FILL}";{_SCRIPT}</script>
</body></html>
"""

"""The explorer's single page: plain HTML, CSS and a little JavaScript, no build step, nothing
fetched from elsewhere (works offline). The picture is the Graphviz SVG the server sends.
"""

from __future__ import annotations

import html

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
const current = { evidence: {}, view: "network", svg: "" };

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
    clear.addEventListener("click", () => { const next = { ...current.evidence }; delete next[name]; update(next); });
    li.append(clear); ui.evidence.append(li);
  }
}

function bindStates() {
  for (const el of ui.picture.querySelectorAll("[data-variable][data-state]")) {
    const box = el.getBBox();
    const hit = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    hit.setAttribute("class", "pgm-hit");
    for (const [k, v] of [["x", box.x], ["y", box.y], ["width", box.width], ["height", box.height]]) {
      hit.setAttribute(k, String(v));
    }
    hit.setAttribute("fill", "transparent");
    el.insertBefore(hit, el.firstChild);
    const toggle = (event) => {
      event.preventDefault();
      const name = el.dataset.variable, state = el.dataset.state, next = { ...current.evidence };
      if (next[name] === state) { delete next[name]; } else { next[name] = state; }
      update(next);
    };
    el.addEventListener("click", toggle);
    el.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") toggle(event); });
  }
}

function draw(data) {
  current.evidence = data.evidence; current.svg = data.svg; current.view = data.view;
  ui.picture.innerHTML = data.svg;
  bindStates();
  drawEvidence();
  ui.pe.textContent = Number(data.p_evidence).toPrecision(6);
  ui.pe.dataset.value = String(data.p_evidence);
  URL.revokeObjectURL(ui.download.href);
  ui.download.href = URL.createObjectURL(new Blob([data.svg], { type: "image/svg+xml" }));
  ui.download.download = `${document.body.dataset.model}-${data.view}.svg`;
}

async function update(evidence, view) {
  const [ok, data] = await post("api/state", { evidence, view: view || current.view });
  if (ok) { ui.message.hidden = true; ui.mapResult.replaceChildren(); draw(data); }
  else { showMessage(data.error || "the request failed"); ui.view.value = current.view; }
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
document.getElementById("clear").addEventListener("click", () => update({}));
ui.view.addEventListener("change", () => update(current.evidence, ui.view.value));
update({});
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
<script>{_SCRIPT}</script>
</body></html>
"""

"""The explorer inside a notebook: an ``anywidget`` widget (optional extra ``[explore]``)."""

from __future__ import annotations

import functools
from typing import Any

from ..exceptions import MissingDependencyError, PGMError
from ._session import ExplorerSession

__all__ = ["explorer_widget"]

INSTALL_HINT = "install anywidget for the interactive explorer: pip install 'pgm_lite[explore]'"

_ESM = """
function render({ model, el }) {
  const picture = document.createElement("div");
  const panel = document.createElement("div");
  panel.style.cssText = "font-family: Helvetica, Arial, sans-serif; font-size: 13px; margin: 4px 0;";
  el.append(panel, picture);
  function draw() {
    picture.innerHTML = model.get("svg");
    const evidence = model.get("evidence");
    const names = Object.keys(evidence);
    const message = model.get("message");
    panel.textContent = (names.length ? "evidence: " + names.map((n) => `${n} = ${evidence[n]}`).join(", ")
                                       : "no evidence (click a state to observe it)")
      + ` | P(evidence) = ${Number(model.get("p_evidence")).toPrecision(6)}`
      + (message ? ` | ${message}` : "");
    panel.style.color = message ? "#8b0000" : "";
    const cells = Array.from(picture.querySelectorAll("[data-variable][data-state]"));
    const boxes = cells.map((g) => g.getBBox());   // all reads before any write: one layout
    cells.forEach((g, index) => {
      const box = boxes[index];
      const hit = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      for (const [k, v] of [["x", box.x], ["y", box.y], ["width", box.width], ["height", box.height]]) {
        hit.setAttribute(k, String(v));
      }
      hit.setAttribute("fill", "transparent");
      g.insertBefore(hit, g.firstChild);
      g.style.cursor = "pointer";
      g.addEventListener("click", (event) => {
        event.preventDefault();
        const next = { ...model.get("evidence") };
        const name = g.dataset.variable, state = g.dataset.state;
        if (next[name] === state) { delete next[name]; } else { next[name] = state; }
        model.set("evidence", next);
        model.save_changes();
      });
    });
  }
  model.on("change:svg", draw);
  model.on("change:message", draw);
  draw();
}
export default { render };
"""


@functools.lru_cache(maxsize=1)
def _widget_class() -> Any:
    """Build the widget class (needs anywidget and traitlets, imported only here)."""
    try:
        import anywidget
        import traitlets
    except ImportError as err:
        raise MissingDependencyError(INSTALL_HINT) from err

    class ExplorerWidget(anywidget.AnyWidget):
        """Network with posterior bars; click a state to observe it, again to clear it."""

        _esm = _ESM
        svg = traitlets.Unicode("").tag(sync=True)
        evidence = traitlets.Dict({}).tag(sync=True)
        p_evidence = traitlets.Float(1.0).tag(sync=True)
        message = traitlets.Unicode("").tag(sync=True)

        def __init__(self, session: ExplorerSession, evidence: dict[str, str]) -> None:
            super().__init__()
            self.session = session
            self._shown: dict[str, str] = {}
            self._show(evidence)
            self.observe(self._on_evidence, names=["evidence"])

        def _show(self, evidence: dict[str, str]) -> None:
            try:
                answer = self.session.state(evidence)
            except PGMError as err:
                self.message = str(err).strip("'\"")
                self.evidence = dict(self._shown)     # back to what is drawn
                return
            self._shown = answer["evidence"]
            self.message = ""
            self.p_evidence = answer["p_evidence"]
            self.svg = answer["svg"]

        def _on_evidence(self, change: dict[str, Any]) -> None:
            if change["new"] != self._shown:
                self._show(dict(change["new"]))

    return ExplorerWidget


def explorer_widget(model: Any, evidence: dict[str, str] | None = None, name: str = "model") -> Any:
    """Return the notebook widget for ``model`` (MissingDependencyError without anywidget)."""
    return _widget_class()(ExplorerSession(model, name=name), dict(evidence or {}))
